/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_listen.c — the status page's `listen = HOST:PORT`.
 *
 * Numeric addresses only (no name lookup at start-up: a resolver that is
 * down must not decide where the page listens). Whether the address is
 * loopback matters: the page shows today's counts and module state, so
 * anything else must be asked for with allow_remote = yes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_listen.h"

int onshi_status_parse_listen(const char *s, struct sockaddr_storage *ss,
			      socklen_t *sslen, int *loopback, char *why,
			      size_t whylen)
{
	char host[64];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	*loopback = 0;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		colon = rb && rb[1] == ':' ? rb + 1 : NULL;
		h = s + 1;
		hlen = rb ? (size_t)(rb - h) : 0;
	} else {
		colon = strrchr(s, ':');
		hlen = colon ? (size_t)(colon - s) : 0;
	}
	if (!colon || hlen == 0 || hlen >= sizeof(host)) {
		snprintf(why, whylen,
			 "'%s' is not HOST:PORT (for example 127.0.0.1:8089 or [::1]:8089)",
			 s);
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	/* 0: any free port (tests, the demo); onshictl status shows which. */
	if (end == colon + 1 || *end || port < 0 || port > 65535) {
		snprintf(why, whylen, "'%s': the port must be 0-65535", s);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (s[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
			snprintf(why, whylen,
				 "'%s': '%s' is not a numeric IPv4 address (IPv6 goes in brackets: [::1]:8089; names are not looked up)",
				 s, host);
			return -1;
		}
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		*loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
		*sslen = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			snprintf(why, whylen,
				 "'%s': '%s' is not a numeric IPv6 address", s,
				 host);
			return -1;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		*loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		*sslen = sizeof(*in6);
	}
	return 0;
}
