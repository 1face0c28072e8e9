/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert_status.h — the clinic's client certificate as the daemon reports it:
 * which files an institution uses, the one-line state shown by STATUS and
 * CERT STATUS, and the warnings logged at start.
 *
 * Part of the certificate layer: the control commands (control_cert.c),
 * the status report and the start-up (inquiry.c) call it; it calls only the
 * certificate checks (cert.h) and the reply-line writer (control_reply.h).
 */
#ifndef ONSHI_CORE_CERT_STATUS_H
#define ONSHI_CORE_CERT_STATUS_H

#include <stddef.h>

#include "cert.h"
#include "strbuf.h"

struct onshi_core;

/* The certificate files one institution uses. */
struct onshi_cert_paths {
	const char *code, *name;
	const char *org; /* [institution] name: the CSR's O (docs/certificates.md) */
	char *cert, *key, *p12, *ca;
	const char *p12_password;
};

/*
 * The files of [institution inst_name] (or of the only one when NULL): its
 * own client_cert/client_p12, else [national]'s. ONSHI_ENOTFOUND with the
 * reason in why. Free with onshi_cert_paths_free() in either case.
 */
int onshi_cert_paths_find(struct onshi_core *core, const char *inst_name,
			  struct onshi_cert_paths *p, char *why, size_t whylen);
void onshi_cert_paths_free(struct onshi_cert_paths *p);

/* " cn=.. subject=.. issuer=.. serial=.. not_after=.. days_left=.." */
void onshi_cert_put_info(struct onshi_strbuf *b, const struct onshi_cert_info *i);

/*
 * The facts of one institution's certificate, field by field: cert=NAME
 * code=.. state=ok|warning|expired|error, the certificate's cn, issuer,
 * serial, not_after, days_left, and a message when not ok. The status
 * model and the reply-line writer both take them from here.
 */
typedef void (*onshi_cert_put_fn)(void *ctx, const char *key, const char *value);
void onshi_cert_status_fields(struct onshi_core *core, const char *inst_name,
			      onshi_cert_put_fn put, void *ctx);
/* The same as one "cert=NAME code=.. state=.." reply line. */
void onshi_cert_status_line(struct onshi_core *core, const char *inst_name,
			    struct onshi_strbuf *b);

/* Log each institution's certificate problem or expiry warning (start). */
void onshi_cert_log_startup(struct onshi_core *core);

#endif
