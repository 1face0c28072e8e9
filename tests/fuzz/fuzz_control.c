/*
 * fuzz_control.c — libFuzzer target for the control-socket request path:
 * the line framing of core/control.c (client_handle_lines: split on LF,
 * drop a CR, refuse a line of ONSHI_CONTROL_MAX_LINE bytes; that function
 * is static and tied to a socket, so its loop is mirrored here) and
 * onshi_control_dispatch (core/control_cmds.c: word splitting, the command
 * table, every command's argument handling) on a real core built by
 * onshi_core_open from a minimal configuration in a temporary directory.
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
	fprintf(f, "[institution main]\ncode = 1312345678\nname = Fuzz Clinic\n"
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
	char in[ONSHI_CONTROL_MAX_LINE + 1];
	size_t inlen = 0, off = 0;
	struct onshi_strbuf out = { 0 };

	if (core == NULL)
		open_core();
	/* As control.c: read what fits, answer each complete line. */
	while (off < size) {
		size_t n = size - off;
		char *nl;

		if (n > ONSHI_CONTROL_MAX_LINE - inlen)
			n = ONSHI_CONTROL_MAX_LINE - inlen;
		memcpy(in + inlen, data + off, n);
		inlen += n;
		off += n;
		while ((nl = memchr(in, '\n', inlen)) != NULL) {
			size_t linelen = (size_t)(nl - in);
			char line[ONSHI_CONTROL_MAX_LINE + 1];

			memcpy(line, in, linelen);
			line[linelen] = '\0';
			if (linelen && line[linelen - 1] == '\r')
				line[linelen - 1] = '\0';
			memmove(in, nl + 1, inlen - linelen - 1);
			inlen -= linelen + 1;
			onshi_control_dispatch(core, NULL, line, &out);
		}
		if (inlen == ONSHI_CONTROL_MAX_LINE)
			break; /* control.c answers an error and closes */
	}
	onshi_strbuf_free(&out);
	return 0;
}
