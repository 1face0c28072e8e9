/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.h — the status dashboard: today's counts, the STATUS report, its
 * XML and HTML renderings, and the front-desk status page.
 *
 * One source of truth: the status model (status_model.h). Subsystems
 * register providers (core.c does the wiring); the STATUS key=value report,
 * the XML document and the HTML page all render the same snapshot.
 */
#ifndef ONSHI_CORE_STATUS_H
#define ONSHI_CORE_STATUS_H

#include <stddef.h>
#include <sys/socket.h>

#include "core.h"
#include "status_escape.h"
#include "status_kv.h"
#include "status_model.h"
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

/* The providers of today's counts (status_counts.c): the "today" line;
 * ctx is the core. */
void onshi_counts_status_line(struct onshi_status_snapshot *s, void *core);

/* ---- the snapshot of the core's providers (status_model.c's lines) ---- */

/* Ask the core's registered providers; -1 when out of memory (s is still
 * to be freed with onshi_status_snapshot_free). */
static inline int onshi_status_snapshot_take(struct onshi_core *core,
					     struct onshi_status_snapshot *s)
{
	return onshi_status_collect(&core->status, s);
}

/* ---- XML and HTML (status_xml.c, status_html.c) ---- */

#define ONSHI_STATUS_XMLNS "urn:onshi:status:1"

/* The status as an XML document (etc/xsd/onshi-status.xsd), UTF-8: of a
 * snapshot, or of the core's providers now. */
int onshi_status_xml_doc(const struct onshi_status_snapshot *s, char **out,
			 size_t *len);
int onshi_status_xml(struct onshi_core *core, char **out, size_t *len);
/* The language the page's desk part speaks ([status_page] language). */
enum onshi_page_lang {
	ONSHI_PAGE_JA, /* the default */
	ONSHI_PAGE_EN,
};

/* The front-desk page, refreshing itself every refresh_s seconds: of a
 * snapshot, or of the core's providers now. */
int onshi_status_html_page(const struct onshi_status_snapshot *s, int refresh_s,
			   enum onshi_page_lang lang, struct onshi_strbuf *out);
int onshi_status_html(struct onshi_core *core, int refresh_s,
		      enum onshi_page_lang lang, struct onshi_strbuf *out);

/* ---- the desk part at the top of the page (status_desk.c) ---- */

/* The banner, certificate warnings and readers in plain words. */
void onshi_status_desk(struct onshi_strbuf *b, const struct onshi_status_snapshot *s,
		       enum onshi_page_lang lang);
/* "ja" or "en", for <html lang>. */
const char *onshi_status_desk_lang(enum onshi_page_lang lang);
/* The summary line of the folded technician's part. */
const char *onshi_status_desk_details(enum onshi_page_lang lang);

/* ---- the status page (status_page.c; its address: status_listen.h) ---- */

/* Start the page when [status_page] is configured (else nothing). */
int onshi_status_page_open(struct onshi_core *core, char *msg, size_t msglen);
void onshi_status_page_close(struct onshi_core *core);
/* Its configured HOST:PORT while it serves, else NULL. */
const char *onshi_status_page_listen(const struct onshi_core *core);
/* Why the page is not serving everyone right now ("saturated: ...", "not
 * serving: ..."), written into buf; NULL when it serves normally. */
const char *onshi_status_page_trouble(const struct onshi_core *core, char *buf,
				      size_t len);
/* The provider of the daemon line's status_page field (nothing when the
 * page is not serving); ctx is the core. */
void onshi_status_page_status_field(struct onshi_status_snapshot *s, void *core);

#endif
