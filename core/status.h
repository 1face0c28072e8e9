/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.h — the status dashboard: today's counts, the STATUS report, its
 * XML and HTML renderings, and the front-desk status page.
 *
 * One source of truth: the control socket's STATUS key=value report
 * (onshi_status_report) is what `onshictl status` renders, and the same
 * report, parsed back, is what the XML document and the HTML page show.
 */
#ifndef ONSHI_CORE_STATUS_H
#define ONSHI_CORE_STATUS_H

#include <stddef.h>
#include <sys/socket.h>

#include "core.h"
#include "status_kv.h"
#include "strbuf.h"

/* ---- today's counts (status_counts.c) ---- */

/* An answer recorded for an inquiry: is_error, else its validity (the
 * enum onshi_validity value; < 0 for documents that carry none). */
void onshi_counts_answer(struct onshi_core *core, int is_error, int validity);
/* A card read accepted: method is enum onshi_auth_method. */
void onshi_counts_card(struct onshi_core *core, int method);
/* A request of message kind `kind` was accepted (spooled). */
void onshi_counts_request(struct onshi_core *core, int kind);
/* The status key of request family i ("req_drug"), or NULL past the end. */
const char *onshi_counts_family_key(int i);
/* Zero c when `now` is on another local date than c->day (and set it). */
void onshi_counts_roll(struct onshi_counts *c, time_t now);
/* Today's counts (zeroed first when the local date has changed). */
void onshi_counts_today(struct onshi_core *core, struct onshi_counts *out);

/* ---- the report (control_cmds.c) ---- */

/* The STATUS reply: "N status" and N key=value lines. */
void onshi_status_report(struct onshi_core *core, struct onshi_strbuf *reply);

/* ---- the report parsed back (status_snapshot.c) ---- */

#define ONSHI_STATUS_MAX_FIELDS 32

struct onshi_status_line {
	struct onshi_kv f[ONSHI_STATUS_MAX_FIELDS];
	int n;
	const char *kind; /* the first key: daemon, institution, cert, ... */
};

/* A field of a line, or NULL (also for a missing line): the renderers ask
 * for lines that may not be there. */
static inline const char *onshi_status_line_get(const struct onshi_status_line *l,
						const char *key)
{
	return l ? onshi_kv_get(l->f, l->n, key) : NULL;
}

struct onshi_status_snapshot {
	struct onshi_strbuf text; /* the report; the fields point into it */
	struct onshi_status_line *lines;
	size_t nlines;
	time_t taken;
};

/* Take the STATUS report and parse it; -1 when out of memory. */
int onshi_status_snapshot_take(struct onshi_core *core,
			       struct onshi_status_snapshot *s);
void onshi_status_snapshot_free(struct onshi_status_snapshot *s);
/* The first line of that kind, or NULL. */
const struct onshi_status_line *
onshi_status_snapshot_find(const struct onshi_status_snapshot *s,
			   const char *kind);
/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
int onshi_utf8_seq_len(const unsigned char *p);

/* ---- XML and HTML (status_xml.c, status_html.c) ---- */

#define ONSHI_STATUS_XMLNS "urn:onshi:status:1"

/* The status as an XML document (etc/xsd/onshi-status.xsd), UTF-8. */
int onshi_status_xml(struct onshi_core *core, char **out, size_t *len);
/* The language the page's desk part speaks ([status_page] language). */
enum onshi_page_lang {
	ONSHI_PAGE_JA, /* the default */
	ONSHI_PAGE_EN,
};

/* The front-desk page, refreshing itself every refresh_s seconds. */
int onshi_status_html(struct onshi_core *core, int refresh_s,
		      enum onshi_page_lang lang, struct onshi_strbuf *out);

/* ---- the desk part at the top of the page (status_desk.c) ---- */

/* The banner, certificate warnings and readers in plain words. */
void onshi_status_desk(struct onshi_strbuf *b,
		       const struct onshi_status_snapshot *s,
		       enum onshi_page_lang lang);
/* "ja" or "en", for <html lang>. */
const char *onshi_status_desk_lang(enum onshi_page_lang lang);
/* The summary line of the folded technician's part. */
const char *onshi_status_desk_details(enum onshi_page_lang lang);
/* Append s with & < > " ' escaped for HTML text and attribute values;
 * bytes that are not UTF-8, and control characters, become U+FFFD / space. */
void onshi_html_escape(struct onshi_strbuf *b, const char *s);

/* ---- the status page (status_listen.c, status_page.c) ---- */

/*
 * Parse "HOST:PORT" (IPv4, or [IPv6]:PORT; port 1-65535). Sets *loopback
 * when the address is 127.0.0.0/8 or ::1. Returns 0, or -1 with why.
 */
int onshi_status_parse_listen(const char *s, struct sockaddr_storage *ss,
			      socklen_t *sslen, int *loopback, char *why,
			      size_t whylen);

/* Start the page when [status_page] is configured (else nothing). */
int onshi_status_page_open(struct onshi_core *core, char *msg, size_t msglen);
void onshi_status_page_close(struct onshi_core *core);
/* Its configured HOST:PORT while it serves, else NULL. */
const char *onshi_status_page_listen(const struct onshi_core *core);
/* Why the page is not serving everyone right now ("saturated: ...", "not
 * serving: ..."), written into buf; NULL when it serves normally. */
const char *onshi_status_page_trouble(const struct onshi_core *core,
				      char *buf, size_t len);

#endif
