/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_wisestaff9plus.c — the WiseStaff-9 Plus adapter with the mock host
 * and a small HTTP receiver served by the same loop (loopback only): UTF-8
 * results with all four consent triples, a JSON notification per result,
 * .err and face/ file; a receiver answering 503 is retried with backoff
 * until it takes the notification; a receiver that is gone makes the
 * notifier give up after notify_tries while the file stays written and
 * deliver() still succeeds; stop releases every watch and timer.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_rececon_mock.h"
#include "testutil.h"

static const char req_utf8[] =
	"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<QualificationConfirmationDate>20260401</QualificationConfirmationDate>"
	"<MedicalInstitutionCode>1311111111</MedicalInstitutionCode>"
	"<ArbitraryFileIdentifier>P-1</ArbitraryFileIdentifier>"
	"</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<InsuredIdentificationNumber>57</InsuredIdentificationNumber>"
	"<Birthdate>19800101</Birthdate>"
	"</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n";

/* ---- the receiver ---- */

#define MAX_BODIES 16

static struct receiver {
	int lfd, port;
	struct onshi_watch *lw;
	int fail_first; /* answer 503 to this many requests */
	int requests;   /* requests seen */
	int nbodies;    /* bodies answered 204 */
	char bodies[MAX_BODIES][1024];
} R;

struct conn {
	int fd;
	struct onshi_watch *w;
	char buf[8192];
	size_t len;
};

static void on_conn(int fd, unsigned events, void *arg)
{
	struct conn *c = arg;
	const char *hdr_end, *cl;
	ssize_t n;
	size_t want;
	int ok;

	(void)events;
	n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n > 0) {
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
	}
	hdr_end = strstr(c->buf, "\r\n\r\n");
	if (n > 0 && hdr_end == NULL)
		return;
	if (hdr_end != NULL) {
		cl = strcasestr(c->buf, "Content-Length:");
		want = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
		if (n > 0 && c->len < (size_t)(hdr_end + 4 - c->buf) + want)
			return;
		R.requests++;
		ok = R.requests > R.fail_first;
		if (ok && R.nbodies < MAX_BODIES) {
			assert_non_null(strstr(c->buf, "POST /notify HTTP/1.1"));
			assert_non_null(strcasestr(c->buf, "Content-Type: "
							   "application/json"));
			snprintf(R.bodies[R.nbodies++], sizeof(R.bodies[0]),
				 "%s", hdr_end + 4);
		}
		if (ok)
			n = write(fd,
				  "HTTP/1.1 204 No Content\r\nConnection: "
				  "close\r\n\r\n",
				  46);
		else
			n = write(fd,
				  "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n"
				  "Connection: close\r\n\r\n",
				  59);
		(void)n;
	}
	mock_host.unwatch_fd(&mock_inst, c->w);
	close(c->fd);
	free(c);
}

static void on_accept(int fd, unsigned events, void *arg)
{
	struct conn *c;
	int cfd;

	(void)events;
	(void)arg;
	cfd = accept(fd, NULL, NULL);
	if (cfd < 0)
		return;
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->fd = cfd;
	c->w = mock_host.watch_fd(&mock_inst, cfd, ONSHI_FD_READ, on_conn, c);
}

static void receiver_start(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	R.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(R.lfd >= 0);
	assert_int_equal(bind(R.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(R.lfd, 16), 0);
	assert_int_equal(getsockname(R.lfd, (struct sockaddr *)&sa, &sl), 0);
	R.port = ntohs(sa.sin_port);
	R.lw = mock_host.watch_fd(&mock_inst, R.lfd, ONSHI_FD_READ, on_accept, NULL);
}

static void receiver_stop(void)
{
	if (R.lw != NULL)
		mock_host.unwatch_fd(&mock_inst, R.lw);
	R.lw = NULL;
	if (R.lfd >= 0)
		close(R.lfd);
	R.lfd = -1;
}

static char url[64];

static int setup(void **state)
{
	(void)state;
	mock_setup();
	memset(&R, 0, sizeof(R));
	receiver_start();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/notify", R.port);
	mock_conf("notify_url", url);
	mock_conf("notify_retry_ms", "50");
	mock_conf("notify_timeout_ms", "2000");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	receiver_stop();
	mock_teardown();
	return 0;
}

static int nsubs_target, nbodies_target;

static int enough_subs(void)
{
	return M.nsubs >= nsubs_target;
}

static int enough_bodies(void)
{
	return R.nbodies >= nbodies_target;
}

static int gave_up(void)
{
	return strstr(M.log, "giving up") != NULL;
}

static int settled(void)
{
	char buf[512];

	onshi_plugin_v1.ops->status(M.state, buf, sizeof(buf));
	return strstr(buf, " 0 pending") != NULL;
}

/* The receiver and then the plugin: mock_stop() checks every fd is gone. */
static void stop_all(void)
{
	receiver_stop();
	mock_stop();
}

static void deliver_answer(int idx)
{
	struct onshi_msg res;
	struct onshi_delivery d;

	mock_answer(M.subs[idx].body, M.subs[idx].len, "髙橋　太郎😀",
		    "ﾀｶﾊｼ ﾀﾛｳ", &res);
	memset(&d, 0, sizeof(d));
	d.request_id = M.subs[idx].id;
	d.request_kind = M.subs[idx].kind;
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
}

static void take_one(const char *name)
{
	mock_put("req", name, req_utf8, sizeof(req_utf8) - 1);
	nsubs_target = M.nsubs + 1;
	assert_true(mock_run(3000, enough_subs));
}

static void test_descriptor(void **state)
{
	(void)state;
	assert_string_equal(onshi_plugin_v1.name, "wisestaff9plus");
	assert_true(ONSHI_OPS_HAS(onshi_plugin_v1.ops_size, deliver));
}

static void test_bad_url(void **state)
{
	(void)state;
	mock_conf("notify_url", "file:///etc/passwd");
	assert_int_equal(mock_create_and_start(), ONSHI_EINVAL);
	assert_non_null(strstr(M.log, "is not an http:// or https:// URL"));
}

static void test_utf8_result_notified(void **state)
{
	struct onshi_msg res;
	struct onshi_delivery d;
	char *raw, buf[512], face[600];

	(void)state;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	take_one("OQSsiquc01req_p1.xml");
	deliver_answer(0);
	/* Written before any notification went out. */
	raw = mock_slurp("res", "OQSsiquc01res_p1.xml", NULL);
	assert_int_equal(R.nbodies, 0);
	assert_non_null(strstr(raw, "encoding=\"UTF-8\""));
	assert_non_null(strstr(raw, "<CharacterCodeIdentifier>0<"));
	assert_non_null(strstr(raw, "髙橋　太郎😀"));
	assert_non_null(strstr(raw, "<ArbitraryFileIdentifier>P-1<"));
	assert_non_null(strstr(raw, "<PharmacistsInfoConsFlg>1<"));
	assert_non_null(strstr(raw, "<SpecificHealthCheckupsInfoConsFlg>1<"));
	assert_non_null(strstr(raw, "<DiagnosisInfoConsFlg>1<"));
	assert_non_null(strstr(raw, "<OperationInfoConsFlg>1<"));
	free(raw);
	nbodies_target = 1;
	assert_true(mock_run(3000, enough_bodies));
	assert_non_null(strstr(R.bodies[0], "\"event\":\"result\""));
	assert_non_null(strstr(R.bodies[0], "\"folder\":\"res\""));
	assert_non_null(strstr(R.bodies[0], "\"file\":\"OQSsiquc01res_p1.xml\""));
	assert_non_null(strstr(R.bodies[0], "/res/OQSsiquc01res_p1.xml\""));
	assert_non_null(strstr(R.bodies[0], "\"module\":\"rececon:test\""));

	/* A face push is notified as such. */
	mock_answer(req_utf8, sizeof(req_utf8) - 1, "山田", "ﾔﾏﾀﾞ", &res);
	memset(&d, 0, sizeof(d));
	d.push = 1;
	d.push_id = "f1";
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
	snprintf(face, sizeof(face), "\"file\":\"%s\"", mock_face_name("f1"));
	nbodies_target = 2;
	assert_true(mock_run(3000, enough_bodies));
	assert_non_null(strstr(R.bodies[1], "\"event\":\"face\""));
	assert_non_null(strstr(R.bodies[1], face));
	assert_true(mock_run(3000, settled));
	onshi_plugin_v1.ops->status(M.state, buf, sizeof(buf));
	assert_non_null(strstr(buf, "notifications 2 sent, 0 pending"));
	stop_all();
}

static void test_retry_until_taken(void **state)
{
	char buf[512];

	(void)state;
	R.fail_first = 2;
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	take_one("OQSsiquc01req_p2.xml");
	deliver_answer(0);
	assert_true(mock_exists("res", "OQSsiquc01res_p2.xml"));
	nbodies_target = 1;
	assert_true(mock_run(5000, enough_bodies));
	assert_int_equal(R.requests, 3);
	assert_non_null(strstr(M.log, "failed (HTTP 503); try 2 of 5 in 50 ms"));
	assert_non_null(strstr(M.log, "failed (HTTP 503); try 3 of 5 in 100 ms"));
	assert_true(mock_run(3000, settled));
	onshi_plugin_v1.ops->status(M.state, buf, sizeof(buf));
	assert_non_null(strstr(buf, "1 sent, 0 pending, 2 retried, 0 given up"));
	stop_all();
}

static void test_receiver_gone(void **state)
{
	char buf[512];

	(void)state;
	receiver_stop(); /* nobody listens on that port any more */
	mock_conf("notify_tries", "3");
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	take_one("OQSsiquc01req_p3.xml");
	deliver_answer(0);
	assert_true(mock_run(5000, gave_up));
	assert_non_null(strstr(M.log, "failed 3 times"));
	assert_true(mock_exists("res", "OQSsiquc01res_p3.xml"));
	onshi_plugin_v1.ops->status(M.state, buf, sizeof(buf));
	assert_non_null(strstr(buf, "0 sent, 0 pending, 2 retried, 1 given up"));
	stop_all();
}

static void test_stop_with_pending(void **state)
{
	(void)state;
	R.fail_first = 100;
	mock_conf("notify_retry_ms", "60000");
	assert_int_equal(mock_create_and_start(), ONSHI_OK);
	take_one("OQSsiquc01req_p4.xml");
	deliver_answer(0);
	mock_run(300, NULL);
	assert_int_equal(R.requests, 1);
	/* Waiting 60 s to retry: stop cancels it, the file stays. */
	stop_all();
	assert_non_null(strstr(M.log, "1 notifications not sent at stop"));
	assert_true(mock_exists("res", "OQSsiquc01res_p4.xml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bad_url),
		T(test_utf8_result_notified),
		T(test_retry_until_taken),
		T(test_receiver_gone),
		T(test_stop_with_pending),
#undef T
	};

	onshi_xmlmsg_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
