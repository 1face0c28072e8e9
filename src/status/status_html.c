/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_html.c — the front-desk status page: the dashboard as one small
 * HTML document (UTF-8, inline CSS, no scripts), refreshing itself. Its top
 * is the desk part in plain words (status_desk.c); the technician's tables
 * follow, folded in a <details>.
 *
 * Everything shown comes from the status snapshot (status_model.h) and
 * goes through onshi_html_escape: plugin status texts and configured names are not
 * trusted to be HTML-safe.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"

static void text(struct onshi_strbuf *b, const char *s)
{
	onshi_html_escape(b, s && *s ? s : "-");
}

static void cell(struct onshi_strbuf *b, const char *cls, const char *s)
{
	onshi_strbuf_printf(b, "<td%s%s%s>", cls ? " class=\"" : "",
			    cls ? cls : "", cls ? "\"" : "");
	text(b, s);
	onshi_strbuf_printf(b, "</td>");
}

/* "3 min ago" from a number of seconds. */
static void age(struct onshi_strbuf *b, const char *secs)
{
	long s = secs ? atol(secs) : -1;

	if (s < 0)
		onshi_strbuf_printf(b, "-");
	else if (s < 120)
		onshi_strbuf_printf(b, "%ld s ago", s);
	else if (s < 7200)
		onshi_strbuf_printf(b, "%ld min ago", s / 60);
	else
		onshi_strbuf_printf(b, "%ld h ago", s / 3600);
}

/*
 * Colours: every text/background pair has a contrast ratio of at least
 * 4.5 (WCAG AA), and the banner's colours are set on its id so no class
 * meant for table text can repaint it. The banner spans the page's top,
 * (0,0) to (100%,DESK_BANNER_H) at least (taller when its words wrap on a
 * narrow screen), a box tests can sample in a screenshot.
 */
#define DESK_BANNER_H "176px"
static const char css[] =
	"body{font-family:sans-serif;margin:0;padding:0 16px 16px;"
	"background:#fff;color:#222}"
	"#banner{min-height:" DESK_BANNER_H ";box-sizing:border-box;"
	"margin:0 -16px 12px;padding:16px 24px}"
	"#banner-say{font-size:40px;font-weight:bold;margin:0 0 10px}"
	"#banner-do{font-size:22px;line-height:1.4;margin:0}"
	"#banner.ok{background:#1b7f3b;color:#fff}"
	"#banner.down{background:#b3261e;color:#fff}"
	"#banner.maint{background:#ffd54f;color:#1a1a1a}"
	"#banner.slow,#banner.off{background:#8a4b00;color:#fff}"
	".desk-cert{font-size:24px;font-weight:bold;background:#ffe08a;color:#1a1a1a;"
	"padding:8px 14px;margin:0 0 10px;border-radius:6px}"
	"h2.desk{margin:8px 0 4px}"
	"#desk-readers{font-size:24px;margin:0;padding-left:28px}"
	"#desk-readers .good b{color:#145c2b}#desk-readers .bad b{color:#b3261e}"
	"details{margin-top:20px;border-top:1px solid #ccc;padding-top:8px}"
	"summary{font-size:18px;cursor:pointer}"
	"h1{font-size:28px;margin:8px 0;padding:8px 14px;border-radius:8px}"
	"#link{color:#fff}"
	"#link.ok{background:#1b7f3b}#link.down{background:#b3261e}#link.warn{background:#8a4b00}"
	"#vpn.down{color:#b3261e;font-weight:bold}"
	"h2{font-size:20px;margin:18px 0 6px}"
	"table{border-collapse:collapse;font-size:16px}"
	"td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}"
	"th{background:#eee}.num{text-align:right;font-size:22px}"
	".warn{color:#8a4b00;font-weight:bold}.bad{color:#b3261e;font-weight:bold}"
	".running{color:#1b7f3b}.failed{color:#b3261e;font-weight:bold}"
	".sub,#footer{color:#555;font-size:14px}";

/* The technician's line: national link OK / DOWN (or the state in between). */
static void link_banner(struct onshi_strbuf *b, const struct onshi_status_line *d)
{
	const char *w = onshi_status_line_get(d, "national_link");
	const char *cls = "down", *say = "DOWN";

	w = w ? w : "down";
	if (strcmp(w, "ok") == 0 || strcmp(w, "idle") == 0)
		cls = "ok", say = "OK";
	else if (strcmp(w, "maintenance") == 0)
		cls = "warn", say = "MAINTENANCE";
	else if (strcmp(w, "degraded") == 0)
		cls = "warn", say = "DEGRADED";
	else if (strcmp(w, "off") == 0)
		cls = "warn", say = "NOT CONFIGURED";
	onshi_strbuf_printf(b, "<h1 id=\"link\" class=\"%s\">national link %s</h1>\n",
			    cls, say);
	if (onshi_status_line_get(d, "national_link_reason") &&
	    strcmp(cls, "ok") != 0) {
		long s = onshi_status_line_get(d, "national_link_age_s")
				 ? atol(onshi_status_line_get(d, "national_link_age_s"))
				 : 0;

		/* "down for 2 min: <reason>", as onshictl status says it. */
		onshi_strbuf_printf(b, "<p id=\"link-why\">for %ld %s: ",
				    s < 120    ? s
				    : s < 7200 ? s / 60
					       : s / 3600,
				    s < 120    ? "s"
				    : s < 7200 ? "min"
					       : "h");
		text(b, onshi_status_line_get(d, "national_link_reason"));
		onshi_strbuf_printf(b, "</p>\n");
	}
	onshi_strbuf_printf(b, "<p class=\"sub\">");
	text(b, onshi_status_line_get(d, "national"));
	onshi_strbuf_printf(b, " &middot; ");
	text(b, onshi_status_line_get(d, "national_endpoint"));
	onshi_strbuf_printf(b, " &middot; spool <b id=\"spool\">");
	text(b, onshi_status_line_get(d, "spool"));
	onshi_strbuf_printf(b, "</b>, unanswered <b id=\"unanswered\">");
	text(b, onshi_status_line_get(d, "unanswered"));
	onshi_strbuf_printf(b, "</b></p>\n");
}

static void institutions(struct onshi_strbuf *b,
			 const struct onshi_status_snapshot *s)
{
	onshi_strbuf_printf(b, "<h2>Institutions</h2>\n<table id=\"institutions\">"
			       "<tr><th>institution</th><th>code</th><th>name</th>"
			       "<th>certificate</th><th>days left</th></tr>\n");
	for (size_t i = 0; i < s->nlines; i++) {
		const struct onshi_status_line *l = &s->lines[i], *c = NULL;
		const char *days, *state;

		if (strcmp(l->kind, "institution") != 0)
			continue;
		for (size_t j = 0; j < s->nlines; j++)
			if (strcmp(s->lines[j].kind, "cert") == 0 &&
			    strcmp(s->lines[j].f[0].value, l->f[0].value) == 0)
				c = &s->lines[j];
		days = onshi_status_line_get(c, "days_left");
		state = onshi_status_line_get(c, "state");
		onshi_strbuf_printf(b, "<tr>");
		cell(b, NULL, l->f[0].value);
		cell(b, NULL, onshi_status_line_get(l, "code"));
		cell(b, NULL, onshi_status_line_get(l, "name"));
		cell(b,
		     state && strcmp(state, "ok") != 0
			     ? (strcmp(state, "warning") == 0 ? "warn" : "bad")
			     : NULL,
		     c ? (onshi_status_line_get(c, "message")
				  ? onshi_status_line_get(c, "message")
				  : state)
		       : "no national link");
		/* Warned from 30 days before expiry (ONSHI_CERT_WARN_DAYS). */
		cell(b, days && atol(days) < 30 ? "num warn" : "num", days);
		onshi_strbuf_printf(b, "</tr>\n");
	}
	onshi_strbuf_printf(b, "</table>\n");
}

/* Remote maintenance, when configured: what was applied, and when. */
/* The tunnel to the national network, under the link it carries. */
static void vpn(struct onshi_strbuf *b, const struct onshi_status_line *v)
{
	const char *st;

	if (!v)
		return;
	st = onshi_status_line_get(v, "state");
	st = st ? st : "unknown";
	onshi_strbuf_printf(b, "<p id=\"vpn\" class=\"%s\">VPN ",
			    strcmp(st, "up") == 0 ? "ok" : "down");
	text(b, onshi_status_line_get(v, "vpn"));
	onshi_strbuf_printf(b, ": <b id=\"vpn-state\">");
	text(b, st);
	onshi_strbuf_printf(b, "</b>");
	if (strcmp(st, "up") == 0) {
		onshi_strbuf_printf(b, " &middot; peer ");
		text(b, onshi_status_line_get(v, "peer"));
		onshi_strbuf_printf(b, " &middot; bytes in ");
		text(b, onshi_status_line_get(v, "bytes_in"));
		onshi_strbuf_printf(b, ", out ");
		text(b, onshi_status_line_get(v, "bytes_out"));
	} else if (onshi_status_line_get(v, "reason")) {
		onshi_strbuf_printf(b, " &middot; <span id=\"vpn-why\">");
		text(b, onshi_status_line_get(v, "reason"));
		onshi_strbuf_printf(b, "</span>");
	}
	onshi_strbuf_printf(b, "</p>\n");
}

static void maintenance(struct onshi_strbuf *b, const struct onshi_status_line *m)
{
	if (!m)
		return;
	onshi_strbuf_printf(b, "<p class=\"sub\" id=\"maintenance\">maintenance: serial ");
	text(b, onshi_status_line_get(m, "serial"));
	onshi_strbuf_printf(b, " applied, last poll: ");
	text(b, onshi_status_line_get(m, "outcome"));
	if (onshi_status_line_get(m, "reason")) {
		onshi_strbuf_printf(b, " (");
		text(b, onshi_status_line_get(m, "reason"));
		onshi_strbuf_printf(b, ")");
	}
	onshi_strbuf_printf(b, "</p>\n");
}

static void today(struct onshi_strbuf *b, const struct onshi_status_line *t)
{
	static const char *const keys[][2] = {
		{ "valid", "valid" },
		{ "invalid", "invalid" },
		{ "no_record", "no record" },
		{ "other", "other" },
		{ "errors", "errors" },
		{ "card_face", "card: face" },
		{ "card_pin", "card: PIN" },
		{ "card_visual", "card: visual" },
		{ "req_qualification", "requests: qualification" },
		{ "req_batch", "requests: batch" },
		{ "req_drug", "requests: drug history" },
		{ "req_checkup", "requests: check-ups" },
		{ "req_batch_online", "requests: online-care batch" },
		{ "req_batch_homevisit", "requests: home-visit batch" },
		{ "req_batch_medicalaid", "requests: medical-aid batch" },
		{ "req_reference_number", "requests: reference numbers" },
	};

	onshi_strbuf_printf(b, "<h2>Today (");
	text(b, onshi_status_line_get(t, "today"));
	onshi_strbuf_printf(b, ")</h2>\n<table id=\"today\"><tr>");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		onshi_strbuf_printf(b, "<th>%s</th>", keys[i][1]);
	onshi_strbuf_printf(b, "</tr>\n<tr>");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		onshi_strbuf_printf(b, "<td class=\"num\" id=\"%s\">", keys[i][0]);
		text(b, onshi_status_line_get(t, keys[i][0]));
		onshi_strbuf_printf(b, "</td>");
	}
	onshi_strbuf_printf(b, "</tr>\n</table>\n");
}

static void modules(struct onshi_strbuf *b, const struct onshi_status_snapshot *s)
{
	onshi_strbuf_printf(b, "<h2>Modules</h2>\n<table id=\"modules\">"
			       "<tr><th>module</th><th>state</th><th>plugin</th>"
			       "<th>last event</th><th>when</th><th>status</th></tr>\n");
	for (size_t i = 0; i < s->nlines; i++) {
		const struct onshi_status_line *l = &s->lines[i];
		const char *state = onshi_status_line_get(l, "state");

		if (strcmp(l->kind, "module") != 0)
			continue;
		onshi_strbuf_printf(b, "<tr>");
		cell(b, NULL, l->f[0].value);
		/* failing (a lost device) looks like failed */
		cell(b,
		     state && (strcmp(state, "running") == 0 ||
			       strcmp(state, "failed") == 0)
			     ? state
		     : state && strcmp(state, "failing") == 0 ? "failed"
							      : NULL,
		     state);
		onshi_strbuf_printf(b, "<td>");
		text(b, onshi_status_line_get(l, "plugin"));
		onshi_strbuf_printf(b, " ");
		onshi_html_escape(b, onshi_status_line_get(l, "version"));
		onshi_strbuf_printf(b, "</td>");
		cell(b, NULL, onshi_status_line_get(l, "event"));
		onshi_strbuf_printf(b, "<td>");
		age(b, onshi_status_line_get(l, "event_age_s"));
		onshi_strbuf_printf(b, "</td>");
		cell(b, onshi_status_line_get(l, "error") ? "bad" : NULL,
		     onshi_status_line_get(l, "error")
			     ? onshi_status_line_get(l, "error")
			     : onshi_status_line_get(l, "status"));
		onshi_strbuf_printf(b, "</tr>\n");
	}
	onshi_strbuf_printf(b, "</table>\n");
}

int onshi_status_html_page(const struct onshi_status_snapshot *s, int refresh_s,
			   enum onshi_page_lang lang, struct onshi_strbuf *b)
{
	const struct onshi_status_line *d;
	char when[32];
	struct tm tm;

	if (s->failed)
		return ONSHI_ENOMEM;
	d = onshi_status_snapshot_find(s, "daemon");
	onshi_strbuf_printf(b,
			    "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
			    "<meta http-equiv=\"refresh\" content=\"%d\">\n"
			    "<title>onshi status</title>\n<style>%s</style>\n</head>\n<body>\n",
			    onshi_status_desk_lang(lang), refresh_s, css);
	onshi_status_desk(b, s, lang);
	/* The technician's part, folded: the desk need not read it. */
	onshi_strbuf_printf(b, "<details id=\"technician\"><summary>%s</summary>\n",
			    onshi_status_desk_details(lang));
	link_banner(b, d);
	vpn(b, onshi_status_snapshot_find(s, "vpn"));
	institutions(b, s);
	today(b, onshi_status_snapshot_find(s, "today"));
	modules(b, s);
	maintenance(b, onshi_status_snapshot_find(s, "maintenance"));
	localtime_r(&s->taken, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	onshi_strbuf_printf(b, "<p id=\"footer\">onshid ");
	text(b, onshi_status_line_get(d, "version"));
	onshi_strbuf_printf(b, " &middot; pid ");
	text(b, onshi_status_line_get(d, "pid"));
	onshi_strbuf_printf(b,
			    " &middot; as of %s &middot; refreshes every %d s"
			    " &middot; <a href=\"/status.xml\">status.xml</a></p>\n"
			    "</details>\n</body>\n</html>\n",
			    when, refresh_s);
	return b->failed ? ONSHI_ENOMEM : ONSHI_OK;
}

int onshi_status_html(struct onshi_core *core, int refresh_s,
		      enum onshi_page_lang lang, struct onshi_strbuf *b)
{
	struct onshi_status_snapshot s;
	int rc = ONSHI_ENOMEM;

	if (onshi_status_snapshot_take(core, &s) == 0)
		rc = onshi_status_html_page(&s, refresh_s, lang, b);
	onshi_status_snapshot_free(&s);
	return rc;
}
