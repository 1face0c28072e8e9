/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_listen.h — reading the status page's listen address
 * ([status_page] listen = HOST:PORT), for the configuration check and the
 * page itself.
 */
#ifndef ONSHI_CORE_STATUS_LISTEN_H
#define ONSHI_CORE_STATUS_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Parse "HOST:PORT" (IPv4, or [IPv6]:PORT; port 1-65535). Sets *loopback
 * when the address is 127.0.0.0/8 or ::1. Returns 0, or -1 with why.
 */
int onshi_status_parse_listen(const char *s, struct sockaddr_storage *ss,
			      socklen_t *sslen, int *loopback, char *why,
			      size_t whylen);

#endif
