/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_upload.h — the file a command names, read by onshictl with its
 * caller's rights and sent to onshid as a request body (bytes=N, then N
 * bytes), so that onshid never opens a path a caller chooses.
 */
#ifndef ONSHI_CORE_ONSHICTL_UPLOAD_H
#define ONSHI_CORE_ONSHICTL_UPLOAD_H

#include <stddef.h>

/* Most onshictl buffers from standard input ("-"): more than any body
 * onshid accepts, so onshid's limit is the one users meet. */
#define ONSHICTL_STDIN_MAX (64u * 1024 * 1024)

struct onshictl_upload {
	const char *name; /* as given, for messages */
	int fd;           /* the regular file, or -1 for stdin's bytes */
	char *data;       /* stdin's bytes */
	size_t size;
};

/*
 * Open name ("-": read standard input whole) for sending. Only a regular
 * file is taken: a FIFO, device or directory is refused at once, without
 * blocking (opened O_NONBLOCK, checked with fstat). -1 with why set.
 */
int onshictl_upload_open(const char *name, struct onshictl_upload *u, char *why,
			 size_t whylen);
void onshictl_upload_close(struct onshictl_upload *u);

/*
 * Send the request line (which must say bytes=u->size) and the body on
 * sock. 0 when all was sent; 1 when onshid stopped reading (it refused
 * the request: its reply says why, read it); -1 with why set when the
 * file could not be sent whole (read error, shrank meanwhile).
 */
int onshictl_upload_send(int sock, const char *line, size_t linelen,
			 struct onshictl_upload *u, char *why, size_t whylen);

#endif
