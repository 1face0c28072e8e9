/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_desk.c — the top of the status page, written for the receptionist:
 * can qualifications be checked right now and what to do at the desk if
 * not, whether each card reader answers, and a certificate about to
 * expire — in plain words, in Japanese (the default) or English.
 *
 * The facts are the same STATUS snapshot the technician's tables below
 * show; only the words differ. The banner has a fixed box at the top of
 * the page (DESK_BANNER_* in the CSS) so that a test can find it in a
 * screenshot and check its colours.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "status.h"

/* What the desk reads, per language. */
struct desk_words {
	/* The national link: headline and what to do, per banner kind. */
	const char *ok, *ok_do;
	const char *down, *down_do;
	const char *vpn_down; /* down, and the tunnel to the network is */
	const char *maint, *maint_do;
	const char *slow, *slow_do;
	const char *off, *off_do;
	const char *readers; /* heading of the reader list */
	const char *no_readers;
	const char *reader; /* "card reader" before its name */
	const char *reader_ok;
	const char *reader_dead;                 /* not answering */
	const char *reader_failed;               /* could not be started */
	const char *reader_off;                  /* switched off on purpose */
	const char *cert_days, *cert_days_after; /* around the days left */
	const char *cert_expired;
	const char *cert_bad;
	const char *details; /* the folded technician's part */
};

static const struct desk_words ja = {
	.ok = "オンライン資格確認は利用できます",
	.ok_do = "いつもどおり受付してください。",
	.down = "オンライン資格確認につながりません",
	.down_do = "受け付けた確認は保持され、つながり次第回答されます。"
		   "それまでは保険証を目で見て確認してください。"
		   "長く続くときは担当者に連絡してください。",
	.vpn_down = "国の回線（VPN）がつながっていません",
	.maint = "メンテナンス中です",
	.maint_do = "受け付けた確認は保持され、終了後に回答されます。"
		    "それまでは保険証を目で見て確認してください。",
	.slow = "オンライン資格確認の応答が遅くなっています",
	.slow_do = "確認は受け付けられますが、回答に時間がかかることがあります。"
		   "長く続くときは担当者に連絡してください。",
	.off = "オンライン資格確認は設定されていません",
	.off_do = "保険証を目で見て確認し、担当者に連絡してください。",
	.readers = "カードリーダー",
	.no_readers = "カードリーダーは設定されていません。",
	.reader = "カードリーダー",
	.reader_ok = "使えます",
	.reader_dead = "応答しません — 担当者に連絡してください",
	.reader_failed = "動いていません — 担当者に連絡してください",
	.reader_off = "止めてあります — 担当者に連絡してください",
	.cert_days = "証明書の有効期限まであと ",
	.cert_days_after = " 日です。業者に連絡してください。",
	.cert_expired = "証明書の有効期限が切れています。業者に連絡してください。",
	.cert_bad = "証明書に問題があり、オンライン資格確認が使えません。"
		    "業者に連絡してください。",
	.details = "技術者向けの詳細",
};

static const struct desk_words en = {
	.ok = "Qualification checks are available",
	.ok_do = "Check in patients as usual.",
	.down = "Qualification checks cannot reach the service",
	.down_do = "Checks already taken are kept and will be answered when "
		   "the service is back. Meanwhile check the insurance card by "
		   "eye. If it lasts, call the technician.",
	.vpn_down = "The line to the national network (VPN) is down",
	.maint = "The service is under maintenance",
	.maint_do = "Checks already taken are kept and will be answered after "
		    "the maintenance. Meanwhile check the insurance card by eye.",
	.slow = "Qualification checks are slow",
	.slow_do = "Checks are taken but answers may take longer. If it "
		   "lasts, call the technician.",
	.off = "Qualification checks are not set up",
	.off_do = "Check the insurance card by eye and call the technician.",
	.readers = "Card readers",
	.no_readers = "No card reader is set up.",
	.reader = "Card reader",
	.reader_ok = "ready",
	.reader_dead = "not answering — call the technician",
	.reader_failed = "not working — call the technician",
	.reader_off = "switched off — call the technician",
	.cert_days = "The certificate expires in ",
	.cert_days_after = " day(s). Contact the vendor.",
	.cert_expired = "The certificate has expired. Contact the vendor.",
	.cert_bad = "There is a problem with the certificate: qualification "
		    "checks cannot work. Contact the vendor.",
	.details = "Details for the technician",
};

static int starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *onshi_status_desk_lang(enum onshi_page_lang lang)
{
	return lang == ONSHI_PAGE_EN ? "en" : "ja";
}

const char *onshi_status_desk_details(enum onshi_page_lang lang)
{
	return (lang == ONSHI_PAGE_EN ? &en : &ja)->details;
}

/* The banner: one line that says whether checks work, one what to do. */
static void banner(struct onshi_strbuf *b, const struct desk_words *w,
		   const struct onshi_status_line *d,
		   const struct onshi_status_line *vpn)
{
	const char *link = onshi_status_line_get(d, "national_link");
	const char *tunnel = onshi_status_line_get(vpn, "state");
	const char *cls = "down", *say = w->down, *todo = w->down_do;

	link = link ? link : "down";
	/* Unreachable because the tunnel is down: the technician to call
	 * is the one for the line, not for the service. */
	if (tunnel &&
	    (strcmp(tunnel, "down") == 0 || strcmp(tunnel, "connecting") == 0))
		say = w->vpn_down;
	if (strcmp(link, "ok") == 0 || strcmp(link, "idle") == 0)
		cls = "ok", say = w->ok, todo = w->ok_do;
	else if (strcmp(link, "maintenance") == 0)
		cls = "maint", say = w->maint, todo = w->maint_do;
	else if (strcmp(link, "degraded") == 0)
		cls = "slow", say = w->slow, todo = w->slow_do;
	else if (strcmp(link, "off") == 0)
		cls = "off", say = w->off, todo = w->off_do;
	onshi_strbuf_printf(b,
			    "<div id=\"banner\" class=\"%s\">"
			    "<p id=\"banner-say\">%s</p>"
			    "<p id=\"banner-do\">%s</p></div>\n",
			    cls, say, todo);
}

/*
 * A reader is usable only when its module runs and its plugin does not
 * report a dead device; any other module state (failed, disabled, or one
 * added later) is a problem the desk should hear about.
 */
static void readers(struct onshi_strbuf *b, const struct desk_words *w,
		    const struct onshi_status_snapshot *s)
{
	int any = 0;

	onshi_strbuf_printf(b, "<h2 class=\"desk\">%s</h2>\n<ul id=\"desk-readers\">",
			    w->readers);
	for (size_t i = 0; i < s->nlines; i++) {
		const struct onshi_status_line *l = &s->lines[i];
		const char *name = l->f[0].value,
			   *state = onshi_status_line_get(l, "state");
		const char *st = onshi_status_line_get(l, "status"),
			   *cls = "bad", *say;

		if (strcmp(l->kind, "module") != 0 || !starts(name, "reader:"))
			continue;
		any = 1;
		state = state ? state : "";
		if ((strcmp(state, "running") == 0 || strcmp(state, "ok") == 0) &&
		    !starts(st, "dead device") && !starts(st, "stopped"))
			cls = "good", say = w->reader_ok;
		else if (strcmp(state, "failed") == 0)
			say = w->reader_failed;
		else if (strcmp(state, "disabled") == 0)
			say = w->reader_off;
		else
			say = w->reader_dead;
		onshi_strbuf_printf(b, "<li class=\"%s\">%s ", cls, w->reader);
		onshi_html_escape(b, name + strlen("reader:"));
		onshi_strbuf_printf(b, ": <b>%s</b></li>", say);
	}
	onshi_strbuf_printf(b, "</ul>\n");
	if (!any)
		onshi_strbuf_printf(b, "<p class=\"desk\">%s</p>\n", w->no_readers);
}

/* Certificates the vendor must renew (or fix), one line each. */
static void certificates(struct onshi_strbuf *b, const struct desk_words *w,
			 const struct onshi_status_snapshot *s)
{
	size_t ncerts = 0;

	for (size_t i = 0; i < s->nlines; i++)
		ncerts += strcmp(s->lines[i].kind, "cert") == 0;
	for (size_t i = 0; i < s->nlines; i++) {
		const struct onshi_status_line *l = &s->lines[i];
		const char *state = onshi_status_line_get(l, "state"),
			   *days = onshi_status_line_get(l, "days_left");

		if (strcmp(l->kind, "cert") != 0 || !state || strcmp(state, "ok") == 0)
			continue;
		onshi_strbuf_printf(b, "<p class=\"desk-cert\">");
		if (strcmp(state, "warning") == 0 && days && atol(days) >= 0)
			onshi_strbuf_printf(b, "%s<b id=\"desk-cert-days\">%ld</b>%s",
					    w->cert_days, atol(days),
					    w->cert_days_after);
		else if (days && atol(days) < 0)
			onshi_strbuf_printf(b, "%s", w->cert_expired);
		else
			onshi_strbuf_printf(b, "%s", w->cert_bad);
		/* Several institutions: say whose certificate it is. */
		if (ncerts > 1) {
			onshi_strbuf_printf(b, " (");
			onshi_html_escape(b, l->f[0].value);
			onshi_strbuf_printf(b, ")");
		}
		onshi_strbuf_printf(b, "</p>\n");
	}
}

void onshi_status_desk(struct onshi_strbuf *b, const struct onshi_status_snapshot *s,
		       enum onshi_page_lang lang)
{
	const struct desk_words *w = lang == ONSHI_PAGE_EN ? &en : &ja;

	banner(b, w, onshi_status_snapshot_find(s, "daemon"),
	       onshi_status_snapshot_find(s, "vpn"));
	certificates(b, w, s);
	readers(b, w, s);
}
