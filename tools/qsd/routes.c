/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c — the calls of our national web API profile, as onshi-qsd
 * answers them (docs/national-api.md is the contract; keep them in step).
 *
 *   POST /auth             AuthRequest → AuthResponse (token)
 *   POST /challenge        (token) → ChallengeResponse (nonce, 60 s)
 *   POST /qualification    (token) OQSsiquc01req → OQSsiquc01res
 *   POST /bulk             (token, Idempotency-Key) OQSmuquc01req → OQSmuquc01res
 *   POST /bulk/result      (token) OQSmuquc02req → OQSmuquc02res
 *   POST /bulk/{online,homevisit,medicalaid}[/result]
 *                          the same for OQSmuonq, OQSmuhvq, OQSmutic
 *   POST /reference-number (token) OQSsiimm01req → OQSsiimm01res
 *   POST /reference-number/bulk[/result]  OQSmuimm01/02, as /bulk
 *   POST /info/drug        (token) YZKsiquc01req → YZKsiquc01res
 *   POST /info/checkup     (token) TKKsiquc01req → TKKsiquc01res
 *   GET|POST /_admin/...   loopback only: fault plan, batch delay
 *   GET /files/NAME        --serve DIR: a file of DIR (maintenance manifests)
 *   POST /_report          --report-dir DIR: keep the body (status reports)
 *
 * Every refusal is an XmlMsg error document (SegmentOfResult 9, ErrorCode
 * OE + the onshi_err number) with a fitting HTTP status, so the client has
 * one parser for every answer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/sha.h>

#include "qsd.h"

#define MSG_LEN 512

/* The batch calls: upload path, result path and the upload's kind. */
static const struct {
	const char *path, *result_path;
	enum onshi_msg_kind upload, fetch;
} batch_calls[] = {
	{ "/bulk", "/bulk/result", ONSHI_MSG_BULK_REQUEST, ONSHI_MSG_BULK_FETCH },
	{ "/bulk/online", "/bulk/online/result", ONSHI_MSG_ONLINE_BULK_REQUEST,
	  ONSHI_MSG_ONLINE_BULK_FETCH },
	{ "/bulk/homevisit", "/bulk/homevisit/result",
	  ONSHI_MSG_HOMEVISIT_BULK_REQUEST, ONSHI_MSG_HOMEVISIT_BULK_FETCH },
	{ "/bulk/medicalaid", "/bulk/medicalaid/result",
	  ONSHI_MSG_MEDAID_BULK_REQUEST, ONSHI_MSG_MEDAID_BULK_FETCH },
	{ "/reference-number/bulk", "/reference-number/bulk/result",
	  ONSHI_MSG_REFNUM_BULK_REQUEST, ONSHI_MSG_REFNUM_BULK_FETCH },
};

/* 1: an upload path, 2: a result path, 0: neither; *i the batch call. */
int qsd_route_batch(const char *path, size_t *i)
{
	for (size_t k = 0; k < sizeof(batch_calls) / sizeof(batch_calls[0]); k++) {
		if (i != NULL)
			*i = k;
		if (strcmp(path, batch_calls[k].path) == 0)
			return 1;
		if (strcmp(path, batch_calls[k].result_path) == 0)
			return 2;
	}
	return 0;
}

unsigned qsd_route_endpoint(const char *path)
{
	if (strcmp(path, "/auth") == 0)
		return QSD_EP_AUTH;
	if (strcmp(path, "/challenge") == 0)
		return QSD_EP_CHALLENGE;
	if (strcmp(path, "/qualification") == 0)
		return QSD_EP_QUAL;
	if (qsd_route_batch(path, NULL) == 1)
		return QSD_EP_BULK;
	if (qsd_route_batch(path, NULL) == 2)
		return QSD_EP_BULK_RESULT;
	if (strcmp(path, "/info/drug") == 0 || strcmp(path, "/info/checkup") == 0)
		return QSD_EP_INFO;
	if (strcmp(path, "/reference-number") == 0)
		return QSD_EP_QUAL;
	return 0;
}

size_t qsd_route_body_limit(const char *uri)
{
	size_t n = strcspn(uri, "?");

	return n == 5 && memcmp(uri, "/bulk", 5) == 0 ? QSD_MAX_BULK_BODY
						      : QSD_MAX_BODY;
}

void qsd_answer_error(struct qsd_answer *a, unsigned status, int err,
		      const char *message, const struct onshi_msg *req)
{
	struct onshi_msg m;
	size_t len = 0;

	a->status = status;
	a->www_authenticate = status == 401;
	free(a->body);
	a->body = NULL;
	if (onshi_msg_error_init(&m, err, message, req) == ONSHI_OK &&
	    onshi_msg_write(&m, ONSHI_CHARSET_UTF8, &a->body, &len, NULL, NULL,
			    0) == ONSHI_OK) {
		a->body_len = len;
	} else {
		static const char fallback[] =
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader>"
			"<SegmentOfResult>9</SegmentOfResult><ErrorCode>OE0002</ErrorCode>"
			"<ErrorMessage>out of memory</ErrorMessage></MessageHeader>"
			"<MessageBody/></XmlMsg>\n";

		a->body = strdup(fallback);
		a->body_len = a->body != NULL ? strlen(fallback) : 0;
	}
	onshi_msg_clear(&m);
}

static void answer_msg(struct qsd_answer *a, const struct onshi_msg *res,
		       enum onshi_charset cs)
{
	char msg[MSG_LEN];
	size_t len = 0;

	if (onshi_msg_write(res, cs, &a->body, &len, NULL, msg, sizeof(msg)) !=
	    ONSHI_OK) {
		qsd_answer_error(a, 500, ONSHI_EINVAL, msg, NULL);
		return;
	}
	a->status = 200;
	a->body_len = len;
	if (cs == ONSHI_CHARSET_CP932)
		a->content_type = "application/xml; charset=Shift_JIS";
}

static void answer_text(struct qsd_answer *a, unsigned status, const char *text)
{
	a->status = status;
	a->body = strdup(text);
	a->body_len = a->body != NULL ? strlen(text) : 0;
	a->content_type = "text/plain; charset=UTF-8";
}

/* HTTP status for a codec error. */
static unsigned parse_status(int rc)
{
	switch (rc) {
	case ONSHI_ETOOBIG: return 413;
	case ONSHI_ENOMEM: return 500;
	default: return 400;
	}
}

/* The bearer token's institution: ONSHI_OK, or an answer already made. */
static int check_token(struct qsd *q, const struct qsd_request *rq,
		       struct qsd_answer *a, char institution[11])
{
	const char *h = rq->authorization;
	int rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		qsd_answer_error(a, 401, ONSHI_EPERM,
				 "Authorization: Bearer token missing: POST /auth first",
				 NULL);
		return ONSHI_EPERM;
	}
	h += 7;
	while (*h == ' ')
		h++;
	rc = qsd_token_check(q->sessions, h, institution);
	if (rc == ONSHI_ETIMEOUT) {
		qsd_answer_error(a, 401, ONSHI_EPERM,
				 "token expired: POST /auth again", NULL);
		return rc;
	}
	if (rc != ONSHI_OK) {
		qsd_answer_error(a, 401, ONSHI_EPERM,
				 "token unknown: POST /auth", NULL);
		return rc;
	}
	if (strcmp(institution, rq->institution) != 0) {
		char m[MSG_LEN];

		snprintf(m, sizeof(m),
			 "token was issued to institution %s, client certificate is %s",
			 institution, rq->institution);
		qsd_answer_error(a, 403, ONSHI_EPERM, m, NULL);
		return ONSHI_EPERM;
	}
	return ONSHI_OK;
}

/* MessageHeader/MedicalInstitutionCode must be the certificate's. */
static bool check_institution(const struct qsd_request *rq,
			      const struct onshi_msg *req, const char *code,
			      struct qsd_answer *a)
{
	char m[MSG_LEN];

	if (code != NULL && strcmp(code, rq->institution) == 0)
		return true;
	snprintf(m, sizeof(m),
		 "MedicalInstitutionCode %s does not match the client certificate (%s)",
		 code != NULL ? code : "(none)", rq->institution);
	qsd_answer_error(a, 403, ONSHI_EPERM, m, req);
	return false;
}

/*
 * The common start of a document route: a valid token, a document of kind
 * that parses, for the institution the token was issued to. false: the
 * answer is made already and req is cleared.
 */
static bool take_request(struct qsd *q, const struct qsd_request *rq,
			 struct qsd_answer *a, enum onshi_msg_kind kind,
			 char inst[11], struct onshi_msg *req)
{
	const struct onshi_req_header *h;
	char m[MSG_LEN];
	int rc;

	onshi_msg_init(req, ONSHI_MSG_NONE);
	if (check_token(q, rq, a, inst) != ONSHI_OK)
		return false;
	rc = onshi_msg_parse(kind, rq->body, rq->body_len, NULL, req, m, sizeof(m));
	if (rc != ONSHI_OK) {
		qsd_answer_error(a, parse_status(rc), rc, m, req);
		onshi_msg_clear(req);
		return false;
	}
	h = onshi_msg_req_header(req);
	if (!check_institution(rq, req,
			       h != NULL ? h->medical_institution_code : NULL, a)) {
		onshi_msg_clear(req);
		return false;
	}
	return true;
}

/* ---- /auth and /challenge ----------------------------------------------------- */

static void route_auth(struct qsd *q, const struct qsd_request *rq,
		       struct qsd_answer *a)
{
	xmlDocPtr doc;
	xmlNodePtr root, n;
	xmlChar *code = NULL;
	char token[QSD_TOKEN_LEN + 1], m[MSG_LEN];
	bool has_dtd;

	/* No DTDs (so no entities at all), no network: a hostile body is refused. */
	if (memmem(rq->body, rq->body_len, "<!DOCTYPE", 9) != NULL) {
		qsd_answer_error(a, 400, ONSHI_EPERM,
				 "a DOCTYPE is not accepted", NULL);
		return;
	}
	doc = xmlReadMemory(rq->body, (int)rq->body_len, "auth.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		qsd_answer_error(a, 400, ONSHI_EPROTO,
				 "AuthRequest is not well-formed XML", NULL);
		return;
	}
	root = xmlDocGetRootElement(doc);
	has_dtd = doc->intSubset != NULL;
	if (has_dtd || root == NULL ||
	    xmlStrcmp(root->name, BAD_CAST "AuthRequest") != 0) {
		xmlFreeDoc(doc);
		qsd_answer_error(a, 400, has_dtd ? ONSHI_EPERM : ONSHI_EPROTO,
				 "want <AuthRequest> without a DOCTYPE", NULL);
		return;
	}
	for (n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(n->name, BAD_CAST "MedicalInstitutionCode") == 0)
			code = xmlNodeGetContent(n);
	xmlFreeDoc(doc);
	if (code == NULL || xmlStrlen(code) != 10 ||
	    strspn((const char *)code, "0123456789") != 10) {
		xmlFree(code);
		qsd_answer_error(a, 400, ONSHI_EINVAL,
				 "AuthRequest needs MedicalInstitutionCode (10 digits)",
				 NULL);
		return;
	}
	if (strcmp((const char *)code, rq->institution) != 0) {
		snprintf(m, sizeof(m),
			 "MedicalInstitutionCode %s does not match the client certificate (%s)",
			 (const char *)code, rq->institution);
		xmlFree(code);
		qsd_answer_error(a, 403, ONSHI_EPERM, m, NULL);
		return;
	}
	if (qsd_token_issue(q->sessions, (const char *)code, token) != ONSHI_OK) {
		xmlFree(code);
		qsd_answer_error(a, 500, ONSHI_ENOMEM, "cannot issue a token", NULL);
		return;
	}
	snprintf(m, sizeof(m),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuthResponse>"
		 "<AccessToken>%s</AccessToken><TokenType>Bearer</TokenType>"
		 "<ExpiresIn>%u</ExpiresIn><MedicalInstitutionCode>%s</MedicalInstitutionCode>"
		 "</AuthResponse>\n",
		 token, qsd_sessions_token_ttl(q->sessions), (const char *)code);
	xmlFree(code);
	answer_text(a, 200, m);
	a->content_type = NULL;
}

static void route_challenge(struct qsd *q, const struct qsd_request *rq,
			    struct qsd_answer *a)
{
	char inst[11], nonce[QSD_NONCE_LEN + 1], m[MSG_LEN];

	if (check_token(q, rq, a, inst) != ONSHI_OK)
		return;
	if (qsd_nonce_issue(q->sessions, inst, nonce) != ONSHI_OK) {
		qsd_answer_error(a, 500, ONSHI_ENOMEM, "cannot issue a nonce", NULL);
		return;
	}
	snprintf(m, sizeof(m),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChallengeResponse>"
		 "<Nonce>%s</Nonce><ExpiresIn>%u</ExpiresIn></ChallengeResponse>\n",
		 nonce, QSD_NONCE_TTL);
	answer_text(a, 200, m);
	a->content_type = NULL;
}

/* ---- /qualification ------------------------------------------------------------ */

static int set_status(struct onshi_inquiry_result *r, enum onshi_validity v)
{
	int rc = ONSHI_OK;

	r->qualification_validity = v;
	r->processing_result_status = ONSHI_STATUS_NORMAL;
	if (v == ONSHI_VALIDITY_NOT_FOUND || v == ONSHI_VALIDITY_AMBIGUOUS) {
		r->processing_result_status = ONSHI_STATUS_ERROR;
		rc = onshi_msg_set(&r->processing_result_code,
				   v == ONSHI_VALIDITY_NOT_FOUND ? "1001" : "1002");
		if (rc == ONSHI_OK)
			rc = onshi_msg_set(&r->processing_result_message,
					   v == ONSHI_VALIDITY_NOT_FOUND
						   ? "該当資格なし"
						   : "複数の資格が該当");
	}
	return rc;
}

/* Consent choices made at the reader, echoed into the result record. */
static int set_consents(struct onshi_qualification *q,
			const struct onshi_card_auth *ca)
{
	char now[16], until[16];
	time_t t = time(NULL), t2 = t + 24 * 3600;
	struct tm tm;
	int rc = ONSHI_OK;

	strftime(now, sizeof(now), "%Y%m%d%H%M%S", localtime_r(&t, &tm));
	strftime(until, sizeof(until), "%Y%m%d%H%M%S", localtime_r(&t2, &tm));
	for (int k = 0; k < ONSHI_CONSENT_KINDS && rc == ONSHI_OK; k++) {
		char flg[2] = { 0, 0 };

		if (ca->consent[k] == ONSHI_CONSENT_ABSENT)
			continue;
		flg[0] = (char)('0' + ca->consent[k]);
		rc = onshi_msg_set(&q->consent[k].flg, flg);
		if (rc == ONSHI_OK && ca->consent[k] == ONSHI_CONSENT_YES)
			rc = onshi_msg_set(&q->consent[k].time, now);
		if (rc == ONSHI_OK && ca->consent[k] == ONSHI_CONSENT_YES)
			rc = onshi_msg_set(&q->consent[k].available_time, until);
	}
	return rc;
}

/* QualificationConfirmationKey of a card read: 32 hex characters derived
 * from the nonce and the card (a fresh key per read, like the real one). */
static int set_confirmation_key(struct onshi_qualification *q,
				const char *nonce, const char *serial)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[33], in[256];
	int n = snprintf(in, sizeof(in), "%s/%s", nonce != NULL ? nonce : "", serial);

	SHA256((const unsigned char *)in,
	       n > 0 && (size_t)n < sizeof(in) ? (size_t)n : 0, md);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	return onshi_msg_set(&q->qualification_confirmation_key, hex);
}

/* My Number Card: nonce, certificate, proof, then the linked person. */
static void inquiry_by_card(struct qsd *q, const struct qsd_request *rq,
			    const struct onshi_msg *req, struct onshi_msg *res,
			    struct qsd_answer *a)
{
	const struct onshi_card_auth *ca = &req->u.inquiry_request.card_auth;
	struct onshi_inquiry_result *r = &res->u.inquiry_result;
	const struct qsd_record *rec;
	struct onshi_qualification *qual;
	char serial[40], m[MSG_LEN];
	int rc;

	/* The nonce is spent before anything is checked: no retries on one nonce. */
	rc = qsd_nonce_consume(q->sessions, rq->institution, ca->nonce);
	if (rc != ONSHI_OK) {
		snprintf(m, sizeof(m), "nonce %s: %s",
			 ca->nonce != NULL ? ca->nonce : "(none)",
			 rc == ONSHI_EEXIST     ? "already used"
			 : rc == ONSHI_ETIMEOUT ? "expired: POST /challenge again"
						: "not issued to this institution");
		qsd_answer_error(a, 422, ONSHI_ESTATE, m, req);
		return;
	}
	rc = qsd_cardcheck_verify(q->cards, ca, serial, m, sizeof(m));
	if (rc != ONSHI_OK) {
		qsd_answer_error(a, rc == ONSHI_EINVAL ? 400 : 422, rc, m, req);
		return;
	}
	rec = qsd_dataset_by_serial(&q->ds, serial);
	if (rec == NULL) {
		rc = set_status(r, ONSHI_VALIDITY_NOT_FOUND);
	} else {
		rc = set_status(r, (enum onshi_validity)rec->validity);
		qual = rc == ONSHI_OK ? onshi_inquiry_result_add(r) : NULL;
		rc = qual != NULL ? qsd_record_to_result(rec, qual) : ONSHI_ENOMEM;
		if (rc == ONSHI_OK)
			rc = qsd_refnum_apply(q->refnums, rq->institution, rec, qual);
		if (rc == ONSHI_OK)
			rc = set_consents(qual, ca);
		if (rc == ONSHI_OK)
			rc = set_confirmation_key(qual, ca->nonce, serial);
	}
	if (rc != ONSHI_OK)
		qsd_answer_error(a, 500, rc, "cannot build the result", req);
}

static void inquiry_by_keys(struct qsd *q, const struct qsd_request *rq,
			    const struct onshi_msg *req, struct onshi_msg *res,
			    struct qsd_answer *a)
{
	const struct onshi_inquiry_request *ir = &req->u.inquiry_request;
	struct onshi_inquiry_result *r = &res->u.inquiry_result;
	size_t first = 0, n;
	int rc;

	n = qsd_dataset_find(&q->ds, &ir->search, &first);
	rc = set_status(r, n == 0  ? ONSHI_VALIDITY_NOT_FOUND
			   : n > 1 ? ONSHI_VALIDITY_AMBIGUOUS
				   : (enum onshi_validity)q->ds
					     .rec[q->ds.by_keys[first]]
					     .validity);
	for (size_t i = 0; i < n && rc == ONSHI_OK; i++) {
		struct onshi_qualification *qual = onshi_inquiry_result_add(r);

		rc = qual != NULL
			     ? qsd_record_to_result(&q->ds.rec[q->ds.by_keys[first + i]],
						    qual)
			     : ONSHI_ENOMEM;
		if (rc == ONSHI_OK)
			rc = qsd_refnum_apply(q->refnums, rq->institution,
					      &q->ds.rec[q->ds.by_keys[first + i]],
					      qual);
	}
	if (rc != ONSHI_OK)
		qsd_answer_error(a, 500, rc, "cannot build the result", req);
}

static void route_qualification(struct qsd *q, const struct qsd_request *rq,
				struct qsd_answer *a)
{
	struct onshi_msg req, res;
	char inst[11];
	int rc;

	if (!take_request(q, rq, a, ONSHI_MSG_INQUIRY_REQUEST, inst, &req))
		return;
	rc = onshi_msg_result_for(&req, &res);
	if (rc != ONSHI_OK) {
		qsd_answer_error(a, 500, rc, "cannot start the result", &req);
	} else {
		if (req.u.inquiry_request.hdr.reference_classification ==
		    ONSHI_REFCLASS_MYNUMBER)
			inquiry_by_card(q, rq, &req, &res, a);
		else
			inquiry_by_keys(q, rq, &req, &res, a);
		/* Answer in the request's own encoding. */
		if (a->body == NULL)
			answer_msg(a, &res, req.source_charset);
	}
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

/* ---- /reference-number ----------------------------------------------------------- */

static void route_refnum(struct qsd *q, const struct qsd_request *rq,
			 struct qsd_answer *a)
{
	struct onshi_msg req, res;
	char inst[11];
	int rc;

	if (!take_request(q, rq, a, ONSHI_MSG_REFNUM_REQUEST, inst, &req))
		return;
	rc = onshi_msg_result_for(&req, &res);
	if (rc == ONSHI_OK)
		rc = qsd_refnum_register(q->refnums, &q->ds, rq->institution,
					 &req.u.refnum_request.info,
					 &res.u.refnum_result.unit);
	if (rc != ONSHI_OK)
		qsd_answer_error(a, 500, rc,
				 "cannot register the reference number", &req);
	else
		answer_msg(a, &res, req.source_charset);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

/* ---- /info/drug and /info/checkup ------------------------------------------------- */

/*
 * Drug history or check-up results of one person. Refusals a receipt
 * computer must show (no consent, nobody or several found) are ordinary
 * results with ResultCode other than 1 and MessageContents, as clients of
 * the real terminal read them; only malformed calls get an error document.
 */
static void route_info(struct qsd *q, const struct qsd_request *rq,
		       struct qsd_answer *a, enum onshi_msg_kind kind)
{
	int drug = kind == ONSHI_MSG_DRUG_REQUEST;
	struct onshi_msg req, res;
	struct onshi_info_result *r;
	char inst[11];
	size_t first = 0, n;
	int rc;

	if (!take_request(q, rq, a, kind, inst, &req))
		return;
	rc = onshi_msg_result_for(&req, &res);
	if (rc != ONSHI_OK) {
		qsd_answer_error(a, 500, rc, "cannot start the result", &req);
		onshi_msg_clear(&req);
		return;
	}
	r = &res.u.info_result;
	n = qsd_dataset_find(&q->ds, &req.u.info_request.search, &first);
	if (n != 1) {
		rc = onshi_msg_set(&r->result_code, n == 0 ? "3" : "4");
		if (rc == ONSHI_OK)
			rc = onshi_msg_set(&r->message_contents,
					   n == 0 ? "該当する資格情報が存在しません"
						  : "複数の資格情報が該当するため特定できません");
	} else {
		const struct qsd_record *rec = &q->ds.rec[q->ds.by_keys[first]];

		if (!qsd_health_consented(rec, drug)) {
			rc = onshi_msg_set(&r->result_code, "2");
			if (rc == ONSHI_OK)
				rc = onshi_msg_set(&r->message_contents,
						   drug ? "薬剤情報の閲覧について本人の同意が得られていません"
							: "特定健診情報の閲覧について本人の同意が得られていません");
		} else {
			rc = qsd_health_fill(rec, drug,
					     req.u.info_request.hdr.qualification_confirmation_date,
					     r);
		}
	}
	if (rc != ONSHI_OK)
		qsd_answer_error(a, 500, rc, "cannot build the result", &req);
	else
		answer_msg(a, &res, req.source_charset);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

/* ---- /bulk and /bulk/result ------------------------------------------------------ */

static bool good_key(const char *k)
{
	size_t n = k != NULL ? strlen(k) : 0;

	if (n == 0 || n > 128)
		return false;
	for (; *k; k++)
		if (*k < 0x21 || *k > 0x7e)
			return false;
	return true;
}

/* The persons an upload names (a batch by period names none). */
static size_t bulk_persons(const struct onshi_msg *req)
{
	if (req->kind == ONSHI_MSG_BULK_REQUEST)
		return req->u.bulk_request.n_search;
	if (req->kind == ONSHI_MSG_REFNUM_BULK_REQUEST)
		return req->u.refnum_bulk_request.n_info;
	return 0;
}

static void route_bulk(struct qsd *q, const struct qsd_request *rq,
		       struct qsd_answer *a, enum onshi_msg_kind kind)
{
	struct onshi_parse_limits lim = { .max_bytes = QSD_MAX_BULK_BODY };
	struct onshi_msg req, res;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char inst[11], number[16], m[MSG_LEN];
	int rc;

	if (check_token(q, rq, a, inst) != ONSHI_OK)
		return;
	if (!good_key(rq->idempotency_key)) {
		qsd_answer_error(a, 400, ONSHI_EINVAL,
				 "Idempotency-Key header missing or not 1-128 visible ASCII "
				 "characters",
				 NULL);
		return;
	}
	rc = onshi_msg_parse(kind, rq->body, rq->body_len, &lim, &req, m, sizeof(m));
	if (rc != ONSHI_OK) {
		qsd_answer_error(a, parse_status(rc), rc, m, &req);
		onshi_msg_clear(&req);
		return;
	}
	if (!check_institution(rq, &req,
			       kind == ONSHI_MSG_BULK_REQUEST
				       ? req.u.bulk_request.hdr.medical_institution_code
			       : kind == ONSHI_MSG_REFNUM_BULK_REQUEST
				       ? req.u.refnum_bulk_request.hdr.medical_institution_code
				       : req.u.period_bulk_request.hdr.medical_institution_code,
			       a)) {
		onshi_msg_clear(&req);
		return;
	}
	if (q->opt.bulk_max_persons > 0 &&
	    bulk_persons(&req) > q->opt.bulk_max_persons) {
		snprintf(m, sizeof(m),
			 "a batch of %zu persons is over this service's limit of %u persons per upload",
			 bulk_persons(&req), q->opt.bulk_max_persons);
		qsd_answer_error(a, 413, ONSHI_ETOOBIG, m, &req);
		onshi_msg_clear(&req);
		return;
	}
	rc = onshi_msg_result_for(&req, &res);
	if (rc != ONSHI_OK) {
		qsd_answer_error(a, 500, rc, "cannot start the result", &req);
		onshi_msg_clear(&req);
		return;
	}
	SHA256((const unsigned char *)rq->body, rq->body_len, digest);
	/* Reference numbers take effect at upload (a retried upload just
	 * registers the same numbers again). */
	for (size_t i = 0; kind == ONSHI_MSG_REFNUM_BULK_REQUEST &&
			   i < req.u.refnum_bulk_request.n_info;
	     i++)
		qsd_refnum_register(q->refnums, &q->ds, rq->institution,
				    &req.u.refnum_bulk_request.info[i], NULL);
	rc = qsd_bulk_accept(q->bulk, rq->institution, rq->idempotency_key,
			     digest, &req, number);
	if (rc == ONSHI_ESTATE) {
		snprintf(m, sizeof(m),
			 "Idempotency-Key %s was used for another batch (reception %s)",
			 rq->idempotency_key, number);
		qsd_answer_error(a, 422, ONSHI_ESTATE, m, &req);
	} else if (rc != ONSHI_OK && rc != ONSHI_EEXIST) {
		qsd_answer_error(a, 500, rc, "cannot store the batch", NULL);
	} else if (onshi_msg_set(&res.u.bulk_reception.hdr.reception_number,
				 number) != ONSHI_OK) {
		qsd_answer_error(a, 500, ONSHI_ENOMEM, "out of memory", NULL);
	} else {
		res.u.bulk_reception.processing_result_status = ONSHI_STATUS_NORMAL;
		answer_msg(a, &res, res.source_charset);
	}
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

static void route_bulk_result(struct qsd *q, const struct qsd_request *rq,
			      struct qsd_answer *a, enum onshi_msg_kind fetch,
			      enum onshi_msg_kind upload)
{
	struct onshi_msg req, res;
	char inst[11], m[MSG_LEN];
	int rc;

	if (!take_request(q, rq, a, fetch, inst, &req))
		return;
	rc = onshi_msg_result_for(&req, &res);
	if (rc == ONSHI_OK)
		rc = qsd_bulk_fetch(q->bulk, &q->ds, q->refnums, rq->institution,
				    upload, req.u.bulk_fetch.hdr.reception_number,
				    &res, m, sizeof(m));
	if (rc == ONSHI_ENOTFOUND)
		qsd_answer_error(a, 404, rc, m, &req);
	else if (rc != ONSHI_OK)
		qsd_answer_error(a, 500, rc, "cannot build the batch result", &req);
	else
		answer_msg(a, &res, req.source_charset);
	onshi_msg_clear(&res);
	onshi_msg_clear(&req);
}

/* ---- /_admin ------------------------------------------------------------------------ */

static void route_admin(struct qsd *q, const struct qsd_request *rq,
			struct qsd_answer *a)
{
	char spec[256], m[MSG_LEN];
	struct qsd_fault_plan plan;
	size_t n;

	if (strcmp(rq->path, "/_admin/faults") == 0) {
		if (rq->body != NULL) {
			n = rq->body_len < sizeof(spec) ? rq->body_len
							: sizeof(spec) - 1;
			memcpy(spec, rq->body, n);
			while (n > 0 && (spec[n - 1] == '\n' ||
					 spec[n - 1] == '\r' || spec[n - 1] == ' '))
				n--;
			spec[n] = '\0';
			if (qsd_faults_parse(spec, &plan, m, sizeof(m)) != ONSHI_OK) {
				strncat(m, "\n", sizeof(m) - strlen(m) - 1);
				answer_text(a, 400, m);
				return;
			}
			qsd_faults_set(&q->faults, &plan, spec);
			qsd_log(q, "faults now: %s", spec[0] ? spec : "none");
		}
		qsd_faults_describe(&q->faults, spec, sizeof(spec));
		snprintf(m, sizeof(m), "%s\n", spec);
		answer_text(a, 200, m);
		return;
	}
	/* For test reports: how many faults the current plan has injected. */
	if (strcmp(rq->path, "/_admin/faults/injected") == 0) {
		snprintf(m, sizeof(m), "%llu\n",
			 (unsigned long long)qsd_faults_injected(&q->faults));
		answer_text(a, 200, m);
		return;
	}
	if (strcmp(rq->path, "/_admin/bulk-delay") == 0 && rq->body != NULL) {
		char *end;
		unsigned long v;

		n = rq->body_len < sizeof(spec) ? rq->body_len : sizeof(spec) - 1;
		memcpy(spec, rq->body, n);
		spec[n] = '\0';
		v = strtoul(spec, &end, 10);
		if (end == spec || v > 86400) {
			answer_text(a, 400, "want a number of seconds (0-86400)\n");
			return;
		}
		qsd_bulk_set_delay(q->bulk, (unsigned)v);
		snprintf(m, sizeof(m), "%lu\n", v);
		answer_text(a, 200, m);
		return;
	}
	answer_text(a, 404,
		    "admin calls: /_admin/faults, /_admin/faults/injected, /_admin/bulk-delay\n");
}

/* ---- maintenance server stand-in: static files and a report sink ---- */

#define MAX_SERVED_FILE (16u * 1024 * 1024)

static bool plain_file_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '.')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._-") == n;
}

static void route_file(struct qsd *q, const struct qsd_request *rq,
		       struct qsd_answer *a)
{
	const char *name = rq->path + 7;
	char path[4096];
	FILE *f;
	long len;

	if (q->opt.serve_dir == NULL || !plain_file_name(name)) {
		answer_text(a, 404, "no such file\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", q->opt.serve_dir, name);
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    (unsigned long)len > MAX_SERVED_FILE || fseek(f, 0, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		answer_text(a, 404, "no such file\n");
		return;
	}
	a->body = malloc((size_t)len + 1);
	if (a->body == NULL || fread(a->body, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(a->body);
		a->body = NULL;
		answer_text(a, 500, "cannot read the file\n");
		return;
	}
	fclose(f);
	a->status = 200;
	a->body_len = (size_t)len;
	a->content_type = "application/octet-stream";
}

static void route_report(struct qsd *q, const struct qsd_request *rq,
			 struct qsd_answer *a)
{
	char path[4096], tmp[4200];
	unsigned n;
	FILE *f;

	if (q->opt.report_dir == NULL || rq->body == NULL) {
		answer_text(a, 404, "no report sink (--report-dir)\n");
		return;
	}
	/* Numbered in arrival order; written whole, then renamed. */
	n = __atomic_add_fetch(&q->reports, 1, __ATOMIC_SEQ_CST);
	snprintf(path, sizeof(path), "%s/report-%06u.xml", q->opt.report_dir, n);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (f != NULL) {
		bool ok = fwrite(rq->body, 1, rq->body_len, f) == rq->body_len;

		if (fclose(f) != 0 || !ok)
			f = NULL;
	}
	if (f == NULL || rename(tmp, path) != 0) {
		answer_text(a, 500, "cannot store the report\n");
		return;
	}
	qsd_log(q, "status report %u stored (%zu bytes)", n, rq->body_len);
	answer_text(a, 200, "stored\n");
}

void qsd_route(struct qsd *q, const struct qsd_request *rq, struct qsd_answer *a)
{
	char m[MSG_LEN];
	size_t bi = 0;

	if (strncmp(rq->path, "/files/", 7) == 0) {
		route_file(q, rq, a);
		return;
	}
	if (strcmp(rq->path, "/_report") == 0) {
		route_report(q, rq, a);
		return;
	}

	if (strncmp(rq->path, "/_admin/", 8) == 0) {
		route_admin(q, rq, a);
		return;
	}
	if (rq->body == NULL) {
		qsd_answer_error(a, 405, ONSHI_EINVAL, "only POST is accepted", NULL);
		return;
	}
	switch (qsd_route_endpoint(rq->path)) {
	case QSD_EP_AUTH: route_auth(q, rq, a); break;
	case QSD_EP_CHALLENGE: route_challenge(q, rq, a); break;
	case QSD_EP_BULK:
		qsd_route_batch(rq->path, &bi);
		route_bulk(q, rq, a, batch_calls[bi].upload);
		break;
	case QSD_EP_BULK_RESULT:
		qsd_route_batch(rq->path, &bi);
		route_bulk_result(q, rq, a, batch_calls[bi].fetch,
				  batch_calls[bi].upload);
		break;
	case QSD_EP_QUAL:
		if (strcmp(rq->path, "/reference-number") == 0)
			route_refnum(q, rq, a);
		else
			route_qualification(q, rq, a);
		break;
	case QSD_EP_INFO:
		route_info(q, rq, a,
			   strcmp(rq->path, "/info/drug") == 0
				   ? ONSHI_MSG_DRUG_REQUEST
				   : ONSHI_MSG_CHECKUP_REQUEST);
		break;
	default:
		snprintf(m, sizeof(m), "no such call: %s", rq->path);
		qsd_answer_error(a, 404, ONSHI_ENOTFOUND, m, NULL);
		break;
	}
}
