/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_conf.c — libFuzzer target for the INI loader (src/runtime/conf.h
 * onshi_config_load) and the daemon's own schema check
 * (src/runtime/conf_schema.h onshi_conf_check_core). The input up to its first NUL
 * byte becomes onshid.ini in a private temporary directory; what follows
 * the NUL becomes the drop-in onshid.d/50-fuzz.ini.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "conf.h"
#include "conf_schema.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], main_path[96], dropin_dir[96], dropin_path[128];

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		abort();
	if (n > 0 && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static void cleanup(void)
{
	unlink(dropin_path);
	rmdir(dropin_dir);
	unlink(main_path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t main_len = nul ? (size_t)(nul - data) : size;
	struct onshi_config *cfg = NULL;
	struct onshi_diag diag = { 0 };

	if (dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof dir, "%s/onshi-fuzz-conf.XXXXXX",
			 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(main_path, sizeof main_path, "%s/onshid.ini", dir);
		snprintf(dropin_dir, sizeof dropin_dir, "%s/onshid.d", dir);
		snprintf(dropin_path, sizeof dropin_path, "%s/50-fuzz.ini",
			 dropin_dir);
		atexit(cleanup);
	}
	write_file(main_path, data, main_len);
	if (nul != NULL) {
		mkdir(dropin_dir, 0700);
		write_file(dropin_path, nul + 1, size - main_len - 1);
	} else {
		unlink(dropin_path);
		rmdir(dropin_dir);
	}

	if (onshi_config_load(main_path, &cfg, &diag) == ONSHI_OK && cfg != NULL)
		onshi_conf_check_core(cfg, &diag);
	onshi_config_free(cfg);
	onshi_diag_clear(&diag);
	return 0;
}
