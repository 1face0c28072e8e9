/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faults.c — fault injection plans for onshi-qsd.
 *
 * A plan is parsed from a --faults SPEC (or POST /_admin/faults) such as
 * "latency=20-80,error=10:503,maintenance=30@5,only=qualification" and
 * applied per request: latency first, then (inside a maintenance window)
 * 503 + Retry-After, else one roll of a seeded PRNG picks at most one of
 * error / drop / malformed / oversize by their percentages. The PRNG is
 * seeded from --seed, so one client sending the same requests in the same
 * order meets the same faults. docs/qsd.md lists the grammar.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsd.h"

static int parse_uint(const char *s, const char *end, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_endpoints(const char *s, const char *end, unsigned *mask)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "auth", QSD_EP_AUTH },
		{ "challenge", QSD_EP_CHALLENGE },
		{ "qualification", QSD_EP_QUAL },
		{ "bulk", QSD_EP_BULK },
		{ "bulk-result", QSD_EP_BULK_RESULT },
		{ "info", QSD_EP_INFO },
		{ "all", QSD_EP_ALL },
	};

	*mask = 0;
	while (s < end) {
		const char *p = memchr(s, '+', (size_t)(end - s));
		size_t n, i;

		if (p == NULL)
			p = end;
		n = (size_t)(p - s);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    memcmp(names[i].name, s, n) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		*mask |= names[i].bit;
		s = p < end ? p + 1 : end;
	}
	return *mask != 0 ? 0 : -1;
}

int qsd_faults_parse(const char *spec, struct qsd_fault_plan *plan, char *msg,
		     size_t msglen)
{
	const char *s = spec != NULL ? spec : "";

	memset(plan, 0, sizeof(*plan));
	plan->endpoints = QSD_EP_ALL;
	while (*s != '\0') {
		const char *end = strchr(s, ',');
		const char *eq, *v, *sep;
		size_t klen;
		int bad = 0;

		if (end == NULL)
			end = s + strlen(s);
		eq = memchr(s, '=', (size_t)(end - s));
		klen = (size_t)((eq != NULL ? eq : end) - s);
		v = eq != NULL ? eq + 1 : end;
#define KEY(k) (klen == strlen(k) && memcmp(s, k, klen) == 0)
		if (KEY("none") && eq == NULL) {
			memset(plan, 0, sizeof(*plan));
			plan->endpoints = QSD_EP_ALL;
		} else if (eq == NULL) {
			bad = 1;
		} else if (KEY("latency")) {
			sep = memchr(v, '-', (size_t)(end - v));
			if (sep == NULL) {
				bad = parse_uint(v, end, 600000,
						 &plan->latency_min_ms);
				plan->latency_max_ms = plan->latency_min_ms;
			} else {
				bad = parse_uint(v, sep, 600000,
						 &plan->latency_min_ms) ||
				      parse_uint(sep + 1, end, 600000,
						 &plan->latency_max_ms) ||
				      plan->latency_max_ms < plan->latency_min_ms;
			}
		} else if (KEY("error")) {
			unsigned st = 0;

			sep = memchr(v, ':', (size_t)(end - v));
			bad = parse_uint(v, sep != NULL ? sep : end, 100,
					 &plan->error_pct);
			if (!bad && sep != NULL) {
				bad = parse_uint(sep + 1, end, 599, &st) ||
				      (st != 500 && st != 502 && st != 503 &&
				       st != 504);
				plan->error_status = (int)st;
			}
		} else if (KEY("drop")) {
			bad = parse_uint(v, end, 100, &plan->drop_pct);
		} else if (KEY("malformed")) {
			bad = parse_uint(v, end, 100, &plan->malformed_pct);
		} else if (KEY("oversize")) {
			bad = parse_uint(v, end, 100, &plan->oversize_pct);
		} else if (KEY("maintenance")) {
			sep = memchr(v, '@', (size_t)(end - v));
			bad = parse_uint(v, sep != NULL ? sep : end, 86400 * 7,
					 &plan->maint_len_s);
			if (!bad && sep != NULL)
				bad = parse_uint(sep + 1, end, 86400 * 7,
						 &plan->maint_start_s);
		} else if (KEY("only")) {
			bad = parse_endpoints(v, end, &plan->endpoints);
		} else {
			bad = 1;
		}
#undef KEY
		if (bad) {
			snprintf(msg, msglen,
				 "fault spec item '%.*s' not understood (see docs/qsd.md: "
				 "latency=MS[-MS], error=PCT[:STATUS], drop=PCT, malformed=PCT, "
				 "oversize=PCT, maintenance=SECONDS[@START], only=EP[+EP], none)",
				 (int)(end - s), s);
			return ONSHI_EINVAL;
		}
		s = *end == ',' ? end + 1 : end;
	}
	if (plan->error_pct + plan->drop_pct + plan->malformed_pct + plan->oversize_pct >
	    100) {
		snprintf(msg, msglen,
			 "fault spec '%s': error+drop+malformed+oversize exceed 100 %%",
			 spec);
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

void qsd_faults_init(struct qsd_faults *f, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->plan.endpoints = QSD_EP_ALL;
	/* Distinct from the dataset's stream for the same seed. */
	f->rng = seed ^ 0x6661756c74735eedull;
	f->set_at = qsd_now();
	strcpy(f->spec, "none");
}

void qsd_faults_set(struct qsd_faults *f, const struct qsd_fault_plan *plan,
		    const char *spec)
{
	pthread_mutex_lock(&f->lock);
	f->plan = *plan;
	snprintf(f->spec, sizeof(f->spec), "%s",
		 spec != NULL && *spec ? spec : "none");
	f->set_at = qsd_now();
	f->injected = 0;
	pthread_mutex_unlock(&f->lock);
}

void qsd_faults_draw(struct qsd_faults *f, unsigned endpoint,
		     struct qsd_fault_draw *d)
{
	const struct qsd_fault_plan *p = &f->plan;
	unsigned roll;
	time_t since;

	memset(d, 0, sizeof(*d));
	pthread_mutex_lock(&f->lock);
	if ((p->endpoints & endpoint) == 0)
		goto out;
	if (p->latency_max_ms > 0) {
		unsigned span = p->latency_max_ms - p->latency_min_ms;

		d->delay_ms = p->latency_min_ms +
			      (span ? (unsigned)(qsd_rand_next(&f->rng) % (span + 1u))
				    : 0);
	}
	since = qsd_now() - f->set_at;
	if (p->maint_len_s > 0 && since >= (time_t)p->maint_start_s &&
	    since < (time_t)(p->maint_start_s + p->maint_len_s)) {
		d->fault = QSD_FAULT_MAINTENANCE;
		d->status = 503;
		d->retry_after_s =
			(unsigned)((time_t)(p->maint_start_s + p->maint_len_s) - since);
		goto out;
	}
	if (p->error_pct + p->drop_pct + p->malformed_pct + p->oversize_pct == 0)
		goto out;
	roll = (unsigned)(qsd_rand_next(&f->rng) % 100u);
	if (roll < p->error_pct) {
		static const int any[] = { 500, 502, 503 };

		d->fault = QSD_FAULT_ERROR;
		d->status = p->error_status != 0
				    ? p->error_status
				    : any[qsd_rand_next(&f->rng) % 3u];
		goto out;
	}
	roll -= p->error_pct;
	if (roll < p->drop_pct) {
		d->fault = QSD_FAULT_DROP;
		goto out;
	}
	roll -= p->drop_pct;
	if (roll < p->malformed_pct) {
		d->fault = QSD_FAULT_MALFORMED;
		goto out;
	}
	roll -= p->malformed_pct;
	if (roll < p->oversize_pct)
		d->fault = QSD_FAULT_OVERSIZE;
out:
	if (d->fault != QSD_FAULT_NONE || d->delay_ms > 0)
		f->injected++;
	pthread_mutex_unlock(&f->lock);
}

void qsd_faults_describe(struct qsd_faults *f, char *buf, size_t buflen)
{
	pthread_mutex_lock(&f->lock);
	snprintf(buf, buflen, "%s", f->spec);
	pthread_mutex_unlock(&f->lock);
}

uint64_t qsd_faults_injected(struct qsd_faults *f)
{
	uint64_t n;

	pthread_mutex_lock(&f->lock);
	n = f->injected;
	pthread_mutex_unlock(&f->lock);
	return n;
}

void qsd_faults_destroy(struct qsd_faults *f)
{
	pthread_mutex_destroy(&f->lock);
}
