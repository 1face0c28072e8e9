/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status_model.h — the status model: subsystems register providers, each
 * appending lines (a kind and ordered key/value fields) to a snapshot; the
 * STATUS text, the XML document, the HTML page and the desk banner are all
 * renderings of the same snapshot.
 *
 * Runtime layer: it knows no subsystem by name. core.c registers the
 * providers, in the order their lines appear in the report.
 */
#ifndef ONSHI_CORE_STATUS_MODEL_H
#define ONSHI_CORE_STATUS_MODEL_H

#include <stddef.h>
#include <time.h>

#include "status_kv.h"
#include "strbuf.h"

/* One line: f[0] is {kind, its value}, the others follow in order. The
 * keys and values are owned by the snapshot. */
struct onshi_status_line {
	struct onshi_kv *f;
	int n, cap;
	const char *kind; /* f[0].key: daemon, institution, cert, ... */
};

/* A field of a line, or NULL (also for a missing line): the renderers ask
 * for lines that may not be there. */
static inline const char *onshi_status_line_get(const struct onshi_status_line *l,
						const char *key)
{
	return l ? onshi_kv_get(l->f, l->n, key) : NULL;
}

/* The lines the providers gave at one moment. */
struct onshi_status_snapshot {
	struct onshi_status_line *lines;
	size_t nlines, cap;
	time_t taken;
	int failed; /* out of memory while it was built */
};

/* A provider appends its lines to s; ctx is what it was registered with. */
typedef void (*onshi_status_provider_fn)(struct onshi_status_snapshot *s, void *ctx);

struct onshi_status_provider {
	const char *name;
	onshi_status_provider_fn fn;
	void *ctx;
};

/* The providers, in registration order. */
struct onshi_status_registry {
	struct onshi_status_provider *p;
	size_t n;
};

/* Add a provider after the others; ONSHI_ENOMEM or ONSHI_OK. */
int onshi_status_register(struct onshi_status_registry *r, const char *name,
			  onshi_status_provider_fn fn, void *ctx);
void onshi_status_registry_free(struct onshi_status_registry *r);

/* Ask every provider, in order, into a fresh snapshot s (r may be NULL:
 * an empty snapshot). -1 when out of memory (s is still to be freed). */
int onshi_status_collect(const struct onshi_status_registry *r,
			 struct onshi_status_snapshot *s);
void onshi_status_snapshot_free(struct onshi_status_snapshot *s);

/* Start a line "kind=value". */
void onshi_status_line_begin(struct onshi_status_snapshot *s, const char *kind,
			     const char *value);
/* Add a field to the last line begun. A provider that begins no line adds
 * to the line before it: the daemon line gathers the spool, the national
 * link and the page's address this way. */
void onshi_status_put(struct onshi_status_snapshot *s, const char *key,
		      const char *value);
void onshi_status_put_long(struct onshi_status_snapshot *s, const char *key,
			   long value);

/* The first line of that kind, or NULL. */
const struct onshi_status_line *onshi_status_snapshot_find(const struct onshi_status_snapshot *s,
							   const char *kind);

/* The lines as the control protocol's key=value lines, one per line (the
 * caller writes the "N ..." header: s->nlines). */
void onshi_status_text(const struct onshi_status_snapshot *s,
		       struct onshi_strbuf *out);

#endif
