/* SPDX-License-Identifier: Apache-2.0 */
/*
 * national_file.c — national answers written to a file as curl receives
 * them: a batch result of 100,000 persons is ~130 MB of XML, which the
 * daemon must never hold in memory. The caller (the batch paths) gives an
 * open file in the spool's folder and reads it back as a stream
 * (xmlmsg_stream.h) once the call has ended.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "national_internal.h"

size_t national_sink_write(struct onshi_national_call *c, const char *data, size_t len)
{
	size_t done = 0;

	if (c->sink_len + len > c->sink_max) {
		c->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	while (done < len) {
		ssize_t n = write(c->sink_fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->sink_errno = n < 0 ? errno : ENOSPC;
			return 0;
		}
		done += (size_t)n;
	}
	c->sink_len += len;
	return len;
}

void national_sink_reset(struct onshi_national_call *c)
{
	if (c->sink_fd < 0)
		return;
	c->sink_len = 0;
	c->sink_errno = 0;
	/* An attempt cut off midway left bytes: the next starts afresh. */
	if (ftruncate(c->sink_fd, 0) != 0 || lseek(c->sink_fd, 0, SEEK_SET) != 0)
		c->sink_errno = errno;
}
