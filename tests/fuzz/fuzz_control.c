/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_control.c — libFuzzer target for the control-socket request path:
 * the framing of src/control/control_frame.c (the same code control.c runs: lines
 * split on LF with a CR dropped, a line of ONSHI_CONTROL_MAX_LINE bytes
 * refused, and bodies announced by bytes=N — lengths parsed and bounded,
 * bodies collected across reads, the next request after them) and
 * onshi_control_dispatch (src/control/control_dispatch.c: word splitting, the
 * command tables core.c adds, every command's argument handling) on a real
 * core built by onshi_core_open from a minimal configuration in a temporary
 * directory.
 *
 * The first input byte picks how the rest arrives: its low 6 bits + 1 are
 * the bytes per read (as a socket that delivers in pieces), its top bit a
 * small upload budget (as when other clients' uploads hold the memory).
 *
 * Covered: VERSION STATUS LIST HELP, ENABLE/DISABLE/RELOAD of unknown
 * modules, CERT (no client certificate configured), BATCH, VERIFY and
 * MAINTENANCE up to their "not configured" answers. Not covered: VERIFY's
 * and BATCH's argument parsing after the [national] check, and anything
 * that holds the client for an asynchronous answer (that needs a live
 * national link and a real client connection).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "control.h"
#include "control_frame.h"
#include "core.h"
#include "diag.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct onshi_core *core;
static char dir[64];

static void cleanup(void)
{
	char cmd[128];

	onshi_core_close(core);
	core = NULL;
	/* Only our own mkdtemp directory. */
	if (strstr(dir, "/onshi-fuzz-control.") != NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
}

static void open_core(void)
{
	char path[128], plugins[128], spool[128];
	struct onshi_diag diag = { 0 };
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	snprintf(dir, sizeof dir, "%s/onshi-fuzz-control.XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(plugins, sizeof plugins, "%s/plugins", dir);
	snprintf(spool, sizeof spool, "%s/spool", dir);
	mkdir(plugins, 0755);
	mkdir(spool, 0700);
	snprintf(path, sizeof path, "%s/onshid.ini", dir);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fprintf(f,
		"[institution main]\ncode = 1312345678\nname = Fuzz Clinic\n"
		"[institution dental]\ncode = 1312345679\n"
		"[log]\nlevel = error\n"
		"[control]\nsocket = %s/control.sock\n"
		"[plugins]\ndir = %s\nallow_unsafe_dir = yes\n"
		"[spool]\ndir = %s\n",
		dir, plugins, spool);
	fclose(f);
	if (onshi_core_open(path, 1, &core, &diag) != ONSHI_OK) {
		onshi_diag_print(&diag, stderr);
		abort();
	}
	onshi_diag_clear(&diag);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct onshi_control_frame frame; /* 8 KiB: not on the stack */
	struct onshi_strbuf out = { 0 };
	size_t off = 1, slice, budget;
	char why[256];
	int done = 0;

	if (size < 1)
		return 0;
	if (core == NULL)
		open_core();
	slice = (size_t)(data[0] & 0x3f) + 1;
	budget = data[0] & 0x80 ? 100 : (size_t)-1;
	memset(&frame, 0, sizeof(frame));
	/* As control.c: read what fits, answer each complete request. */
	while (!done) {
		size_t room;
		char *at = onshi_control_frame_room(&frame, slice, &room);

		if (at && off < size) {
			size_t n = size - off < room ? size - off : room;

			memcpy(at, data + off, n);
			off += n;
			onshi_control_frame_fed(&frame, n);
		}
		for (;;) {
			enum onshi_frame_step step =
				onshi_control_frame_next(&frame, budget, why,
							 sizeof(why));

			if (step == ONSHI_FRAME_MORE)
				break;
			if (step == ONSHI_FRAME_FATAL) {
				/* control.c answers and closes */
				onshi_strbuf_printf(&out, "-1 %s\n", why);
				done = 1;
				break;
			}
			if (frame.body && frame.body[frame.body_len] != '\0')
				abort(); /* bodies are NUL-terminated for parsers */
			onshi_control_dispatch(core->control_commands, NULL,
					       frame.line, &out);
			onshi_control_frame_done(&frame);
		}
		if (off >= size)
			break;
	}
	onshi_control_frame_done(&frame);
	onshi_strbuf_free(&out);
	return 0;
}
