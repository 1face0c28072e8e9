/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c — onshi-qsd's HTTPS front: libmicrohttpd with GnuTLS.
 *
 * libmicrohttpd 0.9.75 only *requests* a client certificate when given a
 * trust list, and never verifies it. We want the handshake itself to fail
 * without a trusted clinic certificate, so the server certificate is served
 * through MHD_OPTION_HTTPS_CERT_CALLBACK: GnuTLS calls it for every
 * handshake before the CertificateRequest is sent, which lets us switch the
 * session to GNUTLS_CERT_REQUIRE and to GnuTLS's own peer verification
 * against the national CA (MHD_OPTION_HTTPS_MEM_TRUST). The access handler
 * then reads the verified certificate's CN (the institution code) through
 * MHD_CONNECTION_INFO_GNUTLS_SESSION, caching it per connection.
 *
 * Requests are gathered into a buffer up to the route's limit (413 past
 * it), faults are drawn, injected latency suspends the connection (a timer
 * thread resumes it, so pool threads never sleep), and the route's answer
 * is queued. Dropping a connection is answering MHD_NO.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>
#include <microhttpd.h>

#include <onshi/error.h>

#include "qsd.h"
#include "read_file.h"

/* A connection suspended for injected latency, resumed at due_ms. */
struct qsd_delayed {
	uint64_t due_ms;
	struct MHD_Connection *conn;
};

struct qsd_server {
	struct MHD_Daemon *mhd;
	char *trust_pem;
	pthread_t timer;
	bool timer_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	struct qsd_delayed *delayed;
	size_t n_delayed, cap_delayed;
};

/* Per TCP connection: the institution code of the verified client cert. */
struct qsd_conn {
	bool have_cn;
	char institution[64];
};

enum rstate {
	RS_RECEIVING,
	RS_DELAYED,
	RS_READY
};

/* Per HTTP request. */
struct qsd_req {
	enum rstate state;
	bool seen; /* the header-only first call is done */
	char *body;
	size_t len, cap, limit;
	bool too_big;
	unsigned endpoint;
	struct qsd_fault_draw draw;
};

/*
 * The server certificate and key for the GnuTLS retrieve callback, which
 * has no user pointer: written once before the daemon starts, read-only
 * after, freed after it stops.
 */
static gnutls_pcert_st server_pcert[4];
static unsigned server_pcert_n;
static gnutls_privkey_t server_key;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A PEM file or CA bundle: far below this, whatever the clinic uses. */
#define PEM_FILE_MAX (16u * 1024 * 1024)

static char *read_file(const char *path, size_t *len)
{
	char *buf;
	size_t n;

	if (onshi_read_file(AT_FDCWD, path, PEM_FILE_MAX, 0, &buf, &n, NULL) != ONSHI_OK)
		return NULL;
	if (len != NULL)
		*len = n;
	return buf;
}

/* GnuTLS asks which certificate to present: require and verify the client's. */
static int cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
			 int nreqs, const gnutls_pk_algorithm_t *pk_algos,
			 int pk_algos_length, gnutls_pcert_st **pcert,
			 unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
	/* NULL host name: verify the chain (and dates) against the trust list only. */
	gnutls_session_set_verify_cert(session, NULL, 0);
	*pcert = server_pcert;
	*pcert_length = server_pcert_n;
	*pkey = server_key;
	return 0;
}

static int load_server_identity(const char *pki, char *msg, size_t msglen)
{
	char path[4096];
	gnutls_datum_t d;
	char *pem;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/server.crt", pki);
	pem = read_file(path, &len);
	if (pem == NULL) {
		snprintf(msg, msglen, "cannot read %s: %s (run onshi-pki %s)",
			 path, strerror(errno), pki);
		return ONSHI_ENOTFOUND;
	}
	d.data = (unsigned char *)pem;
	d.size = (unsigned)len;
	server_pcert_n = 4;
	rc = gnutls_pcert_list_import_x509_raw(server_pcert, &server_pcert_n,
					       &d, GNUTLS_X509_FMT_PEM, 0);
	free(pem);
	if (rc < 0) {
		snprintf(msg, msglen, "%s: %s", path, gnutls_strerror(rc));
		server_pcert_n = 0;
		return ONSHI_ECRYPTO;
	}
	snprintf(path, sizeof(path), "%s/server.key", pki);
	pem = read_file(path, &len);
	if (pem == NULL) {
		snprintf(msg, msglen, "cannot read %s: %s", path, strerror(errno));
		return ONSHI_ENOTFOUND;
	}
	d.data = (unsigned char *)pem;
	d.size = (unsigned)len;
	rc = gnutls_privkey_init(&server_key);
	if (rc >= 0)
		rc = gnutls_privkey_import_x509_raw(server_key, &d,
						    GNUTLS_X509_FMT_PEM, NULL, 0);
	free(pem);
	if (rc < 0) {
		snprintf(msg, msglen, "%s: %s", path, gnutls_strerror(rc));
		return ONSHI_ECRYPTO;
	}
	return ONSHI_OK;
}

static void free_server_identity(void)
{
	for (unsigned i = 0; i < server_pcert_n; i++)
		gnutls_pcert_deinit(&server_pcert[i]);
	server_pcert_n = 0;
	if (server_key != NULL)
		gnutls_privkey_deinit(server_key);
	server_key = NULL;
}

/* ---- latency: suspended connections and the thread that resumes them ---- */

static void *timer_main(void *arg)
{
	struct qsd_server *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		uint64_t now = now_ms(), next = UINT64_MAX;
		size_t i = 0;

		while (i < s->n_delayed) {
			if (s->delayed[i].due_ms <= now) {
				MHD_resume_connection(s->delayed[i].conn);
				s->delayed[i] = s->delayed[--s->n_delayed];
				continue;
			}
			if (s->delayed[i].due_ms < next)
				next = s->delayed[i].due_ms;
			i++;
		}
		if (next == UINT64_MAX) {
			pthread_cond_wait(&s->cond, &s->lock);
		} else {
			struct timespec ts;
			uint64_t wait = next - now;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)(wait / 1000u);
			ts.tv_nsec += (long)(wait % 1000u) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&s->cond, &s->lock, &ts);
		}
	}
	/* Resume everything left so MHD can close those connections. */
	for (size_t i = 0; i < s->n_delayed; i++)
		MHD_resume_connection(s->delayed[i].conn);
	s->n_delayed = 0;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static bool delay_connection(struct qsd_server *s, struct MHD_Connection *conn,
			     unsigned ms)
{
	bool ok = true;

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		ok = false;
	} else if (s->n_delayed == s->cap_delayed) {
		size_t ncap = s->cap_delayed ? s->cap_delayed * 2 : 64;
		struct qsd_delayed *nd = realloc(s->delayed, ncap * sizeof(*nd));

		if (nd == NULL) {
			ok = false;
		} else {
			s->delayed = nd;
			s->cap_delayed = ncap;
		}
	}
	if (ok) {
		/* Suspend under the lock so the timer cannot resume it first. */
		MHD_suspend_connection(conn);
		s->delayed[s->n_delayed].due_ms = now_ms() + ms;
		s->delayed[s->n_delayed].conn = conn;
		s->n_delayed++;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

/* ---- per-connection and per-request state ------------------------------ */

static void notify_connection(void *cls, struct MHD_Connection *connection,
			      void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)connection;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct qsd_conn));
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_context);
		*socket_context = NULL;
	}
}

/* The CN of the (already verified) client certificate, cached per connection. */
static const char *client_institution(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct qsd_conn *c;
	gnutls_session_t session;
	const gnutls_datum_t *peers;
	unsigned n_peers = 0;
	gnutls_x509_crt_t crt;
	size_t size;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = ci != NULL ? ci->socket_context : NULL;
	if (c != NULL && c->have_cn)
		return c->institution;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return "";
	session = (gnutls_session_t)ci->tls_session;
	/* The handshake verified the chain; refuse here too if it somehow did not. */
	if (gnutls_session_get_verify_cert_status(session) != 0)
		return "";
	peers = gnutls_certificate_get_peers(session, &n_peers);
	if (peers == NULL || n_peers == 0 || c == NULL)
		return "";
	if (gnutls_x509_crt_init(&crt) < 0)
		return "";
	size = sizeof(c->institution);
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  0, c->institution, &size) < 0)
		c->institution[0] = '\0';
	gnutls_x509_crt_deinit(crt);
	c->have_cn = true;
	return c->institution;
}

static bool peer_is_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return false;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

static void request_completed(void *cls, struct MHD_Connection *connection,
			      void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct qsd_req *r = *con_cls;

	(void)cls;
	(void)connection;
	(void)toe;
	if (r != NULL) {
		free(r->body);
		free(r);
	}
	*con_cls = NULL;
}

/* ---- answers ------------------------------------------------------------- */

static enum MHD_Result queue_answer(struct MHD_Connection *conn, struct qsd_answer *a)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char num[32];

	resp = MHD_create_response_from_buffer(a->body_len,
					       a->body != NULL ? a->body : "",
					       a->body != NULL
						       ? MHD_RESPMEM_MUST_FREE
						       : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(a->body);
		return MHD_NO;
	}
	a->body = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				a->content_type != NULL
					? a->content_type
					: "application/xml; charset=UTF-8");
	if (a->retry_after > 0) {
		snprintf(num, sizeof(num), "%u", a->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (a->www_authenticate)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"onshi-qsd\"");
	ret = MHD_queue_response(conn, a->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The start of a well-formed answer, cut off mid-element. */
static void malformed_answer(struct qsd_answer *a)
{
	static const char text[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader>"
				   "<ProcessExecutionTime>2025";

	a->status = MHD_HTTP_OK;
	a->body = strdup(text);
	a->body_len = a->body != NULL ? strlen(text) : 0;
}

/* Oversized answers are generated on the fly: no memory held. */
struct oversize_gen {
	uint64_t total;
};

static const char oversize_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader>"
	"<ErrorMessage>";
static const char oversize_tail[] = "</ErrorMessage></MessageHeader></XmlMsg>\n";

static ssize_t oversize_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct oversize_gen *g = cls;
	uint64_t head = sizeof(oversize_head) - 1, tail = sizeof(oversize_tail) - 1;
	size_t n = 0;

	while (n < max && pos < g->total) {
		if (pos < head)
			buf[n] = oversize_head[pos];
		else if (pos >= g->total - tail)
			buf[n] = oversize_tail[pos - (g->total - tail)];
		else
			buf[n] = 'x';
		n++;
		pos++;
	}
	return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static enum MHD_Result queue_oversize(struct MHD_Connection *conn, size_t limit)
{
	struct oversize_gen *g = malloc(sizeof(*g));
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (g == NULL)
		return MHD_NO;
	g->total = (uint64_t)limit + 4096;
	resp = MHD_create_response_from_callback(g->total, 64 * 1024,
						 oversize_read, g, free);
	if (resp == NULL) {
		free(g);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/xml; charset=UTF-8");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- the access handler ---------------------------------------------------- */

static bool body_append(struct qsd_req *r, const char *data, size_t n)
{
	if (r->too_big || r->len + n > r->limit) {
		r->too_big = true;
		return true;
	}
	if (r->len + n + 1 > r->cap) {
		size_t ncap = r->cap ? r->cap : 4096;
		char *nb;

		while (ncap < r->len + n + 1)
			ncap *= 2;
		nb = realloc(r->body, ncap);
		if (nb == NULL)
			return false;
		r->body = nb;
		r->cap = ncap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return true;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct qsd *q = cls;
	struct qsd_req *r = *con_cls;
	struct qsd_answer a = { 0 };
	struct qsd_request rq = { 0 };
	const char *path = url;

	(void)version;
	if (r == NULL)
		return MHD_NO;
	if (!r->seen) {
		r->seen = true;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!body_append(r, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The whole body is here (or was refused as too big). */
	if (r->state == RS_RECEIVING) {
		r->state = RS_READY;
		r->endpoint = qsd_route_endpoint(path);
		if (r->endpoint != 0)
			qsd_faults_draw(&q->faults, r->endpoint, &r->draw);
		if (r->draw.delay_ms > 0 &&
		    delay_connection(q->server, conn, r->draw.delay_ms)) {
			r->state = RS_DELAYED;
			return MHD_YES;
		}
	}
	switch (r->draw.fault) {
	case QSD_FAULT_DROP: return MHD_NO;
	case QSD_FAULT_ERROR:
	case QSD_FAULT_MAINTENANCE:
		qsd_answer_error(&a, (unsigned)r->draw.status, ONSHI_EUNAVAIL,
				 r->draw.fault == QSD_FAULT_MAINTENANCE
					 ? "national service under maintenance (simulated)"
					 : "national service error (simulated)",
				 NULL);
		a.retry_after = r->draw.retry_after_s;
		return queue_answer(conn, &a);
	case QSD_FAULT_MALFORMED:
		malformed_answer(&a);
		return queue_answer(conn, &a);
	case QSD_FAULT_OVERSIZE:
		return queue_oversize(conn, r->endpoint == QSD_EP_BULK_RESULT
						    ? QSD_MAX_BULK_BODY
						    : QSD_MAX_BODY);
	case QSD_FAULT_NONE: break;
	}
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0 &&
	    !(strcmp(method, MHD_HTTP_METHOD_GET) == 0 &&
	      (strncmp(path, "/_admin/", 8) == 0 || strncmp(path, "/files/", 7) == 0))) {
		qsd_answer_error(&a, MHD_HTTP_METHOD_NOT_ALLOWED, ONSHI_EINVAL,
				 "only POST is accepted", NULL);
		return queue_answer(conn, &a);
	}
	if (strncmp(path, "/_admin/", 8) == 0 && !peer_is_loopback(conn)) {
		qsd_answer_error(&a, MHD_HTTP_FORBIDDEN, ONSHI_EPERM,
				 "the admin calls answer loopback clients only",
				 NULL);
		return queue_answer(conn, &a);
	}
	if (r->too_big) {
		char m[128];

		snprintf(m, sizeof(m), "request body over %zu bytes", r->limit);
		qsd_answer_error(&a, MHD_HTTP_CONTENT_TOO_LARGE, ONSHI_ETOOBIG,
				 m, NULL);
		return queue_answer(conn, &a);
	}
	rq.path = path;
	rq.body = r->body != NULL ? r->body : "";
	rq.body_len = r->len;
	rq.institution = client_institution(conn);
	rq.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	rq.idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 "Idempotency-Key");
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
		rq.body = NULL;
	qsd_route(q, &rq, &a);
	return queue_answer(conn, &a);
}

/* Set the body limit as soon as the URL is known (first call). */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct qsd_req *r = calloc(1, sizeof(*r));

	(void)cls;
	(void)conn;
	if (r != NULL)
		r->limit = qsd_route_body_limit(uri);
	return r;
}

/* ---- start and stop ---------------------------------------------------------- */

static int parse_listen(const char *spec, struct sockaddr_storage *ss,
			socklen_t *sl, bool allow_remote, char *msg, size_t msglen)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	long port;
	char *end;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host)) {
		snprintf(msg, msglen, "--listen '%s': want HOST:PORT", spec);
		return ONSHI_EINVAL;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535) {
		snprintf(msg, msglen, "--listen '%s': bad port", spec);
		return ONSHI_EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*sl = sizeof(*in);
		if (!allow_remote && (ntohl(in->sin_addr.s_addr) >> 24) != 127)
			goto remote;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*in6);
		if (!allow_remote && !IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			goto remote;
	} else {
		snprintf(msg, msglen,
			 "--listen '%s': '%s' is not an IP address", spec, host);
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
remote:
	snprintf(msg, msglen,
		 "--listen '%s' is not a loopback address: add --allow-remote if you mean it",
		 spec);
	return ONSHI_EPERM;
}

int qsd_server_start(struct qsd *q, char *msg, size_t msglen)
{
	struct qsd_server *s;
	struct sockaddr_storage ss;
	socklen_t sl;
	char path[4096];
	const union MHD_DaemonInfo *di;
	unsigned flags;
	int rc;

	rc = parse_listen(q->opt.listen, &ss, &sl, q->opt.allow_remote, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ONSHI_ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	q->server = s;
	snprintf(path, sizeof(path), "%s/national-ca.crt", q->opt.pki_dir);
	s->trust_pem = read_file(path, NULL);
	if (s->trust_pem == NULL) {
		snprintf(msg, msglen, "cannot read %s: %s (run onshi-pki %s)",
			 path, strerror(errno), q->opt.pki_dir);
		return ONSHI_ENOTFOUND;
	}
	rc = load_server_identity(q->opt.pki_dir, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (pthread_create(&s->timer, NULL, timer_main, s) != 0) {
		snprintf(msg, msglen, "cannot start the timer thread");
		return ONSHI_EIO;
	}
	s->timer_started = true;
	/* epoll where the library has it, poll() otherwise. */
	flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	for (int attempt = 0; attempt < 2 && s->mhd == NULL; attempt++) {
		s->mhd = MHD_start_daemon(flags | (attempt == 0 ? MHD_USE_EPOLL
								: MHD_USE_POLL),
					  0, NULL, NULL, handle, q,
					  MHD_OPTION_SOCK_ADDR,
					  (struct sockaddr *)&ss,
					  MHD_OPTION_HTTPS_CERT_CALLBACK,
					  cert_callback, MHD_OPTION_HTTPS_MEM_TRUST,
					  s->trust_pem, MHD_OPTION_HTTPS_PRIORITIES,
					  q->opt.tls_priority
						  ? q->opt.tls_priority
						  : "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
					  MHD_OPTION_THREAD_POOL_SIZE, q->opt.threads,
					  MHD_OPTION_CONNECTION_LIMIT, 4096u,
					  MHD_OPTION_CONNECTION_TIMEOUT, 60u,
					  MHD_OPTION_NOTIFY_CONNECTION,
					  notify_connection, q,
					  MHD_OPTION_NOTIFY_COMPLETED,
					  request_completed, q,
					  MHD_OPTION_URI_LOG_CALLBACK,
					  uri_logger, q, MHD_OPTION_END);
	}
	if (s->mhd == NULL) {
		snprintf(msg, msglen, "cannot listen on %s (address in use%s?)",
			 q->opt.listen,
			 q->opt.tls_priority ? ", or a bad --tls-priority" : "");
		return ONSHI_EIO;
	}
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	q->port = di != NULL ? di->port : 0;
	return ONSHI_OK;
}

void qsd_server_stop(struct qsd *q)
{
	struct qsd_server *s = q->server;

	if (s == NULL)
		return;
	if (s->timer_started) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->timer, NULL);
	}
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd);
	free_server_identity();
	free(s->delayed);
	free(s->trust_pem);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
	q->server = NULL;
}
