/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl.h — what onshictl's files share, inside the program only: its
 * exit codes, a reply as read from the control socket, the exchange with
 * onshid (onshictl_conn.c), and each command family's request builder and
 * reply printer (onshictl_status.c, _cert.c, _batch.c, _audit.c,
 * _verify.c), which main() (onshictl.c) dispatches to.
 */
#ifndef ONSHI_CORE_ONSHICTL_H
#define ONSHI_CORE_ONSHICTL_H

#include "status_kv.h"
#include "strbuf.h"

struct onshictl_upload;

/* The exit codes, as onshictl(8) lists them. */
#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_BADREPLY 4

#define MAX_FIELDS 32

struct reply {
	long count; /* N of "N message" */
	char *message;
	char **lines;
};

/* The protocol's key=value lines (status_kv.c, shared with onshid). */
static inline int parse_fields(char *line, struct onshi_kv *f, int max)
{
	return onshi_kv_parse(line, f, max);
}

static inline const char *field(const struct onshi_kv *f, int n, const char *key)
{
	return onshi_kv_get(f, n, key);
}

static inline const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/*
 * A mistake on the command line: one line with the reason and where the
 * forms are, not the whole usage (which would hide the reason).
 * Returns EXIT_USAGE.
 */
int onshictl_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Send the request line req on a new connection to sock and read the reply
 * into r (its text kept in in). 0, or the exit code with the reason
 * printed: EXIT_UNREACHABLE, EXIT_BADREPLY.
 */
int onshictl_exchange(const char *sock, const struct onshi_strbuf *req,
		      struct onshi_strbuf *in, struct reply *r);
/* The same with u's bytes as the request's body (onshictl_upload.h). */
int onshictl_exchange_upload(const char *sock, const struct onshi_strbuf *req,
			     struct onshictl_upload *u, struct onshi_strbuf *in,
			     struct reply *r);

/* Each family's printer returns the exit code (EXIT_BADREPLY for a line
 * it cannot read); a builder returns 0, or -1 with the reason printed. */
int onshictl_status_show(struct reply *r);
int onshictl_status_check(struct reply *r);
int onshictl_plugin_list_show(struct reply *r);

const char *onshictl_cert_say(const char *st);
int onshictl_cert_build(int argc, char **argv, struct onshi_strbuf *req,
			struct onshictl_upload *up);
int onshictl_cert_show(struct reply *r);

/* batch submit|fetch: its own exchanges; returns the exit code. */
int onshictl_batch_run(const char *sock, int argc, char **argv);

int onshictl_audit_verify_file(const char *path);
int onshictl_audit_show(struct reply *r);

int onshictl_verify_build(int argc, char **argv, struct onshi_strbuf *req);
int onshictl_verify_show(struct reply *r);

#endif
