/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_spool_log.c — libFuzzer target for reading the spool's log back
 * after a crash or a damaged disk (src/inquiry/spool_log.c): whatever the
 * file holds, the reader skips what is damaged, never reads past the end
 * and never hands on a record whose fields are out of bounds.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int visit(void *arg, const struct spool_log_record *r)
{
	size_t *sum = arg;
	const unsigned char *d = r->data;

	/* Touch every byte handed on: ASan sees any read out of bounds. */
	for (size_t i = 0; i < r->len; i++)
		*sum += d[i];
	if (r->type == SPOOL_REC_REQUEST)
		*sum += strlen(r->module) + strlen(r->id);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int dirfd = -1;
	struct spool_log_scan scan;
	char msg[256];
	size_t sum = 0;
	int fd;

	if (dirfd < 0) {
		char dir[] = "/tmp/onshi-fuzz-spool-XXXXXX";

		if (!mkdtemp(dir))
			abort();
		dirfd = open(dir, O_RDONLY | O_DIRECTORY);
		if (dirfd < 0)
			abort();
	}
	fd = openat(dirfd, SPOOL_LOG_NAME, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	(void)spool_log_read(dirfd, visit, &sum, &scan, msg, sizeof(msg));
	if (scan.good_end > size || scan.torn_bytes > size)
		abort();
	return 0;
}
