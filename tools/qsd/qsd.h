/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qsd.h — onshi-qsd, the national qualification service simulator.
 *
 * onshi-qsd plays the national side of our web API profile
 * (docs/national-api.md): mutual TLS with the clinic certificate, a bearer
 * token from /auth, single-use nonces from /challenge, individual
 * inquiries by insurance card or My Number Card, and the two-phase batch.
 * It answers from a generated, seed-deterministic dataset and can inject
 * faults (latency, 5xx, maintenance, dropped connections, malformed and
 * oversized bodies) so the core's client can be tested against a bad day.
 *
 * The pieces, one file each: main.c (options, start, stop), server.c
 * (libmicrohttpd, TLS, request bodies, delays), routes.c (the calls),
 * session.c (tokens and nonces), dataset.c (persons and lookups),
 * bulk.c (batch receptions), faults.c (fault plans and draws),
 * cardcheck.c (JPKI chain, CRL, PIN signature, reader attestation).
 * Everything shared lives in struct qsd; there is no other global state.
 */
#ifndef ONSHI_QSD_H
#define ONSHI_QSD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <onshi/message.h>

/* ---- dataset (dataset.c) ---------------------------------------------- */

/* What a record is there to show; the dump's "kind" column. */
enum qsd_kind {
	QSD_KIND_VALID = 0,  /* validity 1 */
	QSD_KIND_LOST,       /* validity 2: qualification lost */
	QSD_KIND_EXPIRED,    /* validity 2: card past its expiration date */
	QSD_KIND_SUPERSEDED, /* validity 3: an old record, a newer one exists */
	QSD_KIND_NEWER, /* validity 1: the newer record of a superseded person */
	QSD_KIND_MISSING,   /* validity 4: search keys that match nobody */
	QSD_KIND_DUPLICATE, /* validity 5: two records share search keys */
	/* The certificate persons, appended after the regular ones: */
	QSD_KIND_ELDERLY, /* validity 1: 高齢受給者証 only (ages 70-74) */
	QSD_KIND_LIMIT, /* validity 1: a limit certificate, one per OQSCD012 code */
	QSD_KIND_DISEASE, /* validity 1: a specific-disease certificate (OQSCD013) */
	QSD_KIND_MEDICAL_AID, /* validity 6: medical aid, card A1, medical tickets */
	QSD_KIND_COUNT
};

/* One qualification record (one row of the dump). Strings are UTF-8. */
struct qsd_record {
	unsigned person_id;
	enum qsd_kind kind;
	int validity;           /* what a lookup by these keys answers */
	char insurer_number[9]; /* 8-character official form */
	char symbol[24];
	char number[24];
	char branch[3];
	char birthdate[9];
	char *name;          /* Name (kanji, full-width space) */
	char *name_kana;     /* NameKana (half-width kana) */
	char *name_of_other; /* NameOfOther or NULL */
	char sex[2];
	char card_class[3]; /* InsuredCardClassification */
	char family[2];     /* PersonalFamilyClassification */
	char *insured_name; /* the policy holder */
	char qualification_date[9];
	char disqualification_date[9]; /* "" when none */
	char card_expiration_date[9];  /* "" when none */
	char reason_of_loss[3];        /* "" when none */
	char ratio[4];                 /* InsuredPartialContributionRatio */
	char *insurer_name;
	char *address;
	char post_number[9];
	char card_serial[40]; /* JPKI auth cert serial (hex), "" when none */
	/* Certificates (dump columns 25-29; "" when none). Dates, consent
	 * times and the rest of each block are fixed (docs/qsd.md). */
	char elderly_ratio[4]; /* ElderlyRecipientContributionRatio "020"/"030" */
	char limit_flag[4];    /* OQSCD012 code, A01-A06 / B01-B10 */
	char disease[3];       /* OQSCD013 code 01-03 */
	char disease_self_pay[8]; /* SpecificDiseasesSelfPay, yen */
	char ticket_number[16]; /* medical aid: IssueNumber of the 医療券 */
};

/* The limit-certificate classifications (OQSCD012) and specific-disease
 * categories (OQSCD013) onshi-qsd models, NULL-terminated. */
extern const char *const qsd_oqscd012_codes[];
extern const char *const qsd_oqscd013_codes[];

struct qsd_dataset {
	struct qsd_record *rec;
	size_t n;
	size_t *by_keys; /* record indexes sorted by search keys */
	size_t n_by_keys;
	size_t *by_serial; /* records with a card serial, by serial */
	size_t n_by_serial;
};

/* Generate n persons (n >= 100) from seed; cards_tsv (may be NULL) links
 * some persons to the PKI's test cards. */
int qsd_dataset_generate(struct qsd_dataset *ds, unsigned n, uint64_t seed,
			 const char *cards_tsv, char *msg, size_t msglen);
int qsd_dataset_load(struct qsd_dataset *ds, const char *path, char *msg,
		     size_t msglen);
int qsd_dataset_dump(const struct qsd_dataset *ds, const char *path, char *msg,
		     size_t msglen);
void qsd_dataset_free(struct qsd_dataset *ds);

/* Records matching a search (insurer number already normalised). Returns
 * how many matched; *first indexes ds->by_keys. */
size_t qsd_dataset_find(const struct qsd_dataset *ds,
			const struct onshi_search_info *s, size_t *first);
/* The record linked to a card serial (upper-case hex), or NULL. */
const struct qsd_record *qsd_dataset_by_serial(const struct qsd_dataset *ds,
					       const char *serial_hex);
/* Fill a result entry from a record. */
int qsd_record_to_result(const struct qsd_record *r, struct onshi_qualification *q);
const char *qsd_kind_name(enum qsd_kind k);

/* ---- drug and check-up information (health.c) --------------------------- */

/* anchor (YYYYMMDD) minus days, as YYYYMMDD; "" when anchor is not a date. */
void qsd_days_before(const char *anchor, unsigned days, char out[9]);
/* Has r consented to drug (drug != 0) or check-up information? */
int qsd_health_consented(const struct qsd_record *r, int drug);
/* ResultCode 1 and r's drug history or check-ups up to anchor (YYYYMMDD). */
int qsd_health_fill(const struct qsd_record *r, int drug, const char *anchor,
		    struct onshi_info_result *res);

/* ---- reference numbers (refnum.c) ------------------------------------- */

struct qsd_refnums;

struct qsd_refnums *qsd_refnums_new(void);
void qsd_refnums_free(struct qsd_refnums *s);
/* Register (or replace) an institution's number for a person. */
int qsd_refnum_set(struct qsd_refnums *s, const char *institution,
		   unsigned person_id, const char *number);
/* Put the institution's number for rec's person, if any, into q. */
int qsd_refnum_apply(struct qsd_refnums *s, const char *institution,
		     const struct qsd_record *rec, struct onshi_qualification *q);
/* Register one ReferenceNumberRegistrationInfo: the person is looked up
 * by its card fields; u gets the echo and the outcome. */
int qsd_refnum_register(struct qsd_refnums *s, const struct qsd_dataset *ds,
			const char *institution, const struct onshi_refnum_info *ri,
			struct onshi_refnum_unit *u);

/* ---- faults (faults.c) ------------------------------------------------ */

enum qsd_fault {
	QSD_FAULT_NONE = 0,
	QSD_FAULT_ERROR,       /* a 500, 502 or 503 answer */
	QSD_FAULT_MAINTENANCE, /* 503 + Retry-After */
	QSD_FAULT_DROP,        /* close without an answer */
	QSD_FAULT_MALFORMED,   /* 200 with a truncated XML body */
	QSD_FAULT_OVERSIZE,    /* 200 with a body over the client's limit */
};

/* Endpoints a plan may be limited to (the "only=" item). */
#define QSD_EP_AUTH 0x01u
#define QSD_EP_CHALLENGE 0x02u
#define QSD_EP_QUAL 0x04u
#define QSD_EP_BULK 0x08u
#define QSD_EP_BULK_RESULT 0x10u
#define QSD_EP_INFO 0x20u /* /info/drug, /info/checkup */
#define QSD_EP_ALL 0x3fu

struct qsd_fault_plan {
	unsigned latency_min_ms, latency_max_ms;
	unsigned error_pct; /* percent of 5xx answers */
	int error_status;   /* 0 = any of 500/502/503 */
	unsigned drop_pct;
	unsigned malformed_pct;
	unsigned oversize_pct;
	unsigned maint_start_s; /* window start, seconds after set */
	unsigned maint_len_s;   /* 0 = no maintenance window */
	unsigned endpoints;     /* QSD_EP_* mask */
};

/* What to do with one request. */
struct qsd_fault_draw {
	unsigned delay_ms;
	enum qsd_fault fault;
	int status;             /* ERROR, MAINTENANCE */
	unsigned retry_after_s; /* MAINTENANCE */
};

struct qsd_faults {
	pthread_mutex_t lock;
	struct qsd_fault_plan plan;
	char spec[256]; /* as given, for /_admin/faults GET */
	time_t set_at;  /* when the plan was set (monotonic s) */
	uint64_t rng;
	uint64_t injected; /* faults drawn since the plan was set */
};

int qsd_faults_parse(const char *spec, struct qsd_fault_plan *plan, char *msg,
		     size_t msglen);
void qsd_faults_init(struct qsd_faults *f, uint64_t seed);
void qsd_faults_set(struct qsd_faults *f, const struct qsd_fault_plan *plan,
		    const char *spec);
void qsd_faults_draw(struct qsd_faults *f, unsigned endpoint,
		     struct qsd_fault_draw *d);
void qsd_faults_describe(struct qsd_faults *f, char *buf, size_t buflen);
/* Faults drawn (latency included) since the plan was last set. */
uint64_t qsd_faults_injected(struct qsd_faults *f);
void qsd_faults_destroy(struct qsd_faults *f);

/* ---- tokens and nonces (session.c) ------------------------------------ */

#define QSD_TOKEN_LEN 43 /* base64url of 32 random bytes */
#define QSD_NONCE_LEN 32 /* hex of 16 random bytes */
#define QSD_NONCE_TTL 60

struct qsd_sessions;

struct qsd_sessions *qsd_sessions_new(unsigned token_ttl, unsigned nonce_ttl);
void qsd_sessions_free(struct qsd_sessions *s);
/* Issue a token for an institution; out gets QSD_TOKEN_LEN + 1 bytes. */
int qsd_token_issue(struct qsd_sessions *s, const char *institution,
		    char out[QSD_TOKEN_LEN + 1]);
/* ONSHI_OK and the institution, ONSHI_ENOTFOUND, or ONSHI_ETIMEOUT. */
int qsd_token_check(struct qsd_sessions *s, const char *token, char institution[11]);
int qsd_nonce_issue(struct qsd_sessions *s, const char *institution,
		    char out[QSD_NONCE_LEN + 1]);
/* Use a nonce once: ONSHI_OK, ONSHI_ENOTFOUND (never issued, or to another
 * institution), ONSHI_ETIMEOUT (expired), ONSHI_EEXIST (already used). */
int qsd_nonce_consume(struct qsd_sessions *s, const char *institution,
		      const char *nonce);
unsigned qsd_sessions_token_ttl(const struct qsd_sessions *s);

/* ---- batches (bulk.c) ------------------------------------------------- */

struct qsd_bulk_store;

struct qsd_bulk_store *qsd_bulk_new(unsigned ready_after_s);
void qsd_bulk_free(struct qsd_bulk_store *b);
/* Register a batch under (institution, key). *req is taken over (cleared)
 * when it is new. ONSHI_OK with a fresh number, ONSHI_EEXIST with the
 * number of the earlier reception of the same key and body, ONSHI_ESTATE
 * when the key was used for another body. out gets 16 bytes. */
int qsd_bulk_accept(struct qsd_bulk_store *b, const char *institution,
		    const char *key, const unsigned char digest[32],
		    struct onshi_msg *req, char out[16]);
/* Answer phase 2 into res (a BULK_RESULT kind from onshi_msg_result_for)
 * for a reception made by an upload of kind upload (OQSmuquc01req or a
 * period batch); a reception of another kind is not found. */
int qsd_bulk_fetch(struct qsd_bulk_store *b, const struct qsd_dataset *ds,
		   struct qsd_refnums *refnums, const char *institution,
		   enum onshi_msg_kind upload, const char *number,
		   struct onshi_msg *res, char *msg, size_t msglen);
void qsd_bulk_set_delay(struct qsd_bulk_store *b, unsigned ready_after_s);

/* ---- My Number Card checks (cardcheck.c) ------------------------------ */

struct qsd_cardcheck;

/* Load the JPKI CA + CRLs from jpki_dir and the reader CA from reader_ca. */
struct qsd_cardcheck *qsd_cardcheck_new(const char *jpki_dir, const char *reader_ca,
					char *msg, size_t msglen);
void qsd_cardcheck_free(struct qsd_cardcheck *c);
/*
 * Check a CardAuthentication block whose nonce was already consumed:
 * certificate chain + CRL, then the PIN signature, the face attestation, or
 * (visual) an operator id. serial_hex gets the card certificate's serial.
 * ONSHI_OK, ONSHI_EINVAL (undecodable), ONSHI_ECRYPTO (msg says why).
 */
int qsd_cardcheck_verify(struct qsd_cardcheck *c, const struct onshi_card_auth *ca,
			 char serial_hex[40], char *msg, size_t msglen);

/* ---- the server (server.c, routes.c) ---------------------------------- */

struct qsd_options {
	const char *pki_dir;
	const char *listen; /* "127.0.0.1:8443" */
	const char *dataset_path;
	const char *dump_path;
	const char *ready_file;
	const char *faults;
	unsigned persons;
	uint64_t seed;
	unsigned token_ttl;
	unsigned bulk_delay;
	unsigned bulk_max_persons; /* 0: no limit on persons per upload */
	unsigned threads;
	bool allow_remote;
	bool quiet;
	const char *serve_dir;    /* --serve: GET /files/NAME */
	const char *report_dir;   /* --report-dir: POST /_report sink */
	const char *tls_priority; /* --tls-priority: GnuTLS priorities */
};

struct qsd {
	struct qsd_options opt;
	struct qsd_dataset ds;
	struct qsd_faults faults;
	struct qsd_sessions *sessions;
	struct qsd_bulk_store *bulk;
	struct qsd_refnums *refnums; /* reference numbers per institution */
	struct qsd_cardcheck *cards;
	struct qsd_server *server;
	uint16_t port;
	unsigned reports; /* POST /_report bodies stored */
};

/* What the access handler hands the routes: one complete request. */
struct qsd_request {
	const char *path; /* after any base prefix */
	const char *body;
	size_t body_len;
	const char *institution;     /* client certificate CN ("" if none) */
	const char *authorization;   /* header or NULL */
	const char *idempotency_key; /* header or NULL */
};

/* The answer the routes build: status, content and extra headers. */
struct qsd_answer {
	unsigned status;
	char *body; /* malloc'd, or NULL */
	size_t body_len;
	const char *content_type;
	unsigned retry_after;  /* 0 = no Retry-After header */
	bool www_authenticate; /* add WWW-Authenticate: Bearer */
};

/* Largest request bodies accepted (413 beyond). */
#define QSD_MAX_BODY ONSHI_XMLMSG_MAX_BYTES
#define QSD_MAX_BULK_BODY ONSHI_XMLMSG_MAX_BULK_BYTES

/* Which QSD_EP_* a path is (0 = not a national call), and its body limit. */
unsigned qsd_route_endpoint(const char *path);
/* 1: a batch upload path (/bulk, /bulk/online ...), 2: a batch result
 * path, 0: neither; *i (may be NULL) indexes routes.c's batch calls. */
int qsd_route_batch(const char *path, size_t *i);
size_t qsd_route_body_limit(const char *path);
/* Handle one complete request. */
void qsd_route(struct qsd *q, const struct qsd_request *rq, struct qsd_answer *a);
/* An XmlMsg error answer (onshi's .err shape) with an HTTP status. */
void qsd_answer_error(struct qsd_answer *a, unsigned status, int err,
		      const char *message, const struct onshi_msg *req);

struct qsd_server;

int qsd_server_start(struct qsd *q, char *msg, size_t msglen);
void qsd_server_stop(struct qsd *q);

/* Small helpers shared by the files (main.c). */
uint64_t qsd_rand_next(uint64_t *state);
time_t qsd_now(void);
void qsd_log(const struct qsd *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
