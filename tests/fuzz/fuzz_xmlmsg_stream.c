/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_xmlmsg_stream.c — libFuzzer target for the batch result read unit
 * by unit from a file (xmlmsg_stream.h), as onshid reads the national
 * service's answer back from the spool: the input is put in a memory file
 * and every unit read until the end or the first refusal. Built and run
 * by tests/fuzz/run.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <onshi/message.h>

#include "xmlmsg_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct onshi_bulk_stream *s;
	struct onshi_bulk_unit u;
	char why[300];
	int fd, got = 1;

	if (!initialised) {
		onshi_xmlmsg_init();
		initialised = 1;
	}
	fd = memfd_create("fuzz-bulk-result", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	/* A small unit bound, so that the bound's refusal is reached too. */
	if (onshi_bulk_stream_open(fd, ONSHI_MSG_BULK_RESULT, 1u << 20, 64, &s,
				   why, sizeof(why)) == ONSHI_OK) {
		while (got && onshi_bulk_stream_next(s, &u, &got, why,
						     sizeof(why)) == ONSHI_OK)
			onshi_bulk_unit_clear(&u);
		onshi_bulk_stream_close(s);
	}
	close(fd);
	return 0;
}
