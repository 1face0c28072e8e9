/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.c — bearer tokens and card-inquiry nonces of onshi-qsd.
 *
 * Tokens (from /auth) and nonces (from /challenge) are random strings bound
 * to the institution code of the client certificate that asked for them,
 * with a lifetime. Both live in one small chained hash table each; a used
 * nonce stays there, marked, until it expires, so a replay is told apart
 * from a nonce that was never issued. Expired entries are swept a few
 * buckets at a time on every issue, keeping memory flat under load.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "qsd.h"

#define BUCKETS 4096u

struct entry {
	struct entry *next;
	time_t expires;
	bool used;
	char institution[11];
	char key[QSD_TOKEN_LEN + 1];
};

struct table {
	struct entry *b[BUCKETS];
	unsigned sweep;
};

struct qsd_sessions {
	pthread_mutex_t lock;
	unsigned token_ttl, nonce_ttl;
	struct table tokens, nonces;
};

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

static void table_free(struct table *t)
{
	for (unsigned i = 0; i < BUCKETS; i++) {
		struct entry *e = t->b[i], *n;

		for (; e != NULL; e = n) {
			n = e->next;
			free(e);
		}
		t->b[i] = NULL;
	}
}

/* Drop expired entries from the next few buckets. */
static void table_sweep(struct table *t, time_t now)
{
	for (unsigned k = 0; k < 8; k++) {
		struct entry **pp = &t->b[t->sweep];

		while (*pp != NULL) {
			if ((*pp)->expires <= now) {
				struct entry *dead = *pp;

				*pp = dead->next;
				free(dead);
			} else {
				pp = &(*pp)->next;
			}
		}
		t->sweep = (t->sweep + 1) % BUCKETS;
	}
}

static struct entry *table_find(struct table *t, const char *key)
{
	struct entry *e = t->b[hash(key)];

	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->next;
	return e;
}

static int table_add(struct table *t, const char *key, const char *institution,
		     time_t expires)
{
	struct entry *e = calloc(1, sizeof(*e));
	unsigned h = hash(key);

	if (e == NULL)
		return ONSHI_ENOMEM;
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->institution, sizeof(e->institution), "%s", institution);
	e->expires = expires;
	e->next = t->b[h];
	t->b[h] = e;
	return ONSHI_OK;
}

struct qsd_sessions *qsd_sessions_new(unsigned token_ttl, unsigned nonce_ttl)
{
	struct qsd_sessions *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->token_ttl = token_ttl;
	s->nonce_ttl = nonce_ttl;
	return s;
}

void qsd_sessions_free(struct qsd_sessions *s)
{
	if (s == NULL)
		return;
	table_free(&s->tokens);
	table_free(&s->nonces);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

unsigned qsd_sessions_token_ttl(const struct qsd_sessions *s)
{
	return s->token_ttl;
}

int qsd_token_issue(struct qsd_sessions *s, const char *institution,
		    char out[QSD_TOKEN_LEN + 1])
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[QSD_TOKEN_LEN];
	time_t now = qsd_now();
	int rc;

	/* One random byte per character: 6 bits each, 258 bits in all. */
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return ONSHI_ECRYPTO;
	for (size_t i = 0; i < QSD_TOKEN_LEN; i++)
		out[i] = b64url[raw[i] & 63u];
	out[QSD_TOKEN_LEN] = '\0';
	pthread_mutex_lock(&s->lock);
	table_sweep(&s->tokens, now);
	rc = table_add(&s->tokens, out, institution, now + (time_t)s->token_ttl);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int qsd_token_check(struct qsd_sessions *s, const char *token, char institution[11])
{
	struct entry *e;
	int rc;

	if (token == NULL || strlen(token) != QSD_TOKEN_LEN)
		return ONSHI_ENOTFOUND;
	pthread_mutex_lock(&s->lock);
	e = table_find(&s->tokens, token);
	if (e == NULL) {
		rc = ONSHI_ENOTFOUND;
	} else if (e->expires <= qsd_now()) {
		rc = ONSHI_ETIMEOUT;
	} else {
		memcpy(institution, e->institution, 11);
		rc = ONSHI_OK;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int qsd_nonce_issue(struct qsd_sessions *s, const char *institution,
		    char out[QSD_NONCE_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[QSD_NONCE_LEN / 2];
	time_t now = qsd_now();
	int rc;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return ONSHI_ECRYPTO;
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15u];
	}
	out[QSD_NONCE_LEN] = '\0';
	pthread_mutex_lock(&s->lock);
	table_sweep(&s->nonces, now);
	rc = table_add(&s->nonces, out, institution, now + (time_t)s->nonce_ttl);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int qsd_nonce_consume(struct qsd_sessions *s, const char *institution,
		      const char *nonce)
{
	struct entry *e;
	int rc;

	if (nonce == NULL || strlen(nonce) != QSD_NONCE_LEN)
		return ONSHI_ENOTFOUND;
	pthread_mutex_lock(&s->lock);
	e = table_find(&s->nonces, nonce);
	if (e == NULL || strcmp(e->institution, institution) != 0) {
		rc = ONSHI_ENOTFOUND;
	} else if (e->used) {
		rc = ONSHI_EEXIST;
	} else if (e->expires <= qsd_now()) {
		rc = ONSHI_ETIMEOUT;
	} else {
		e->used = true;
		rc = ONSHI_OK;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}
