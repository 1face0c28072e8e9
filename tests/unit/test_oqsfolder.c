/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_oqsfolder.c — the oqsfolder adapter, its sources linked straight in
 * with the shared mock host (test_rececon_mock.[ch], collectd style): real
 * files are dropped into a temporary req/ and the loop is driven by hand
 * (mock_pump for the inotify fd, mock_fire_timers for retries). The mock
 * records every submit() call and returns what each test asks; the codec,
 * the file-name services and the atomic writer are the core's own.
 *
 * Covered: pickup by IN_CLOSE_WRITE and IN_MOVED_TO, the start-up scan
 * (with young files left to settle), delete after ONSHI_OK / ONSHI_EEXIST,
 * keep and retry on errors, hostile names and files (unsafe ids, too long,
 * symlinks, FIFOs, hard links, oversized) refused into failed/ with a reason
 * and an .err where the name allows, non-request names left alone, results,
 * .err and face pushes written atomically in the configured encoding, an
 * answer delivered from inside submit(), a delivery into a missing res/
 * failing so the core offers it again, and stop releasing everything.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <cmocka.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

#include "test_rececon_mock.h"
#include "testutil.h"

/* What the core does with a request it cannot parse: answer at once. */
static void answer_error_now(const char *id, int kind, const void *body, size_t len)
{
	struct onshi_msg req, doc, back;
	struct onshi_delivery d;
	char why[256], *xml = NULL;
	size_t xlen;
	int rc;

	rc = onshi_msg_parse(kind, body, len, NULL, &req, why, sizeof(why));
	assert_int_not_equal(rc, ONSHI_OK);
	assert_int_equal(onshi_msg_error_init(&doc, rc, why, &req), ONSHI_OK);
	/* As the core does: written, spooled, parsed back, delivered. */
	assert_int_equal(onshi_msg_write(&doc, ONSHI_CHARSET_UTF8, &xml, &xlen,
					 NULL, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_ERROR, xml, xlen, NULL,
					 &back, why, sizeof(why)),
			 ONSHI_OK);
	memset(&d, 0, sizeof(d));
	d.request_id = id;
	d.request_kind = kind;
	d.is_error = 1;
	d.result = &back;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	free(xml);
	onshi_msg_clear(&back);
	onshi_msg_clear(&doc);
	onshi_msg_clear(&req);
}

/* ---- helpers ---- */

static const char req_utf8[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<QualificationConfirmationDate>20240401</QualificationConfirmationDate>"
	"<MedicalInstitutionCode>1311111111</MedicalInstitutionCode>"
	"<ArbitraryFileIdentifier>RC-0001</ArbitraryFileIdentifier>"
	"</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<InsuredCardSymbol>1234</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>56</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>01</InsuredBranchNumber>"
	"<Birthdate>19800101</Birthdate>"
	"</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n";

static const char req_sjis[] =
	"<?xml version='1.0' encoding='Shift_JIS'?>\n"
	"<XmlMsg><MessageHeader>"
	"<QualificationConfirmationDate>20240401</QualificationConfirmationDate>"
	"<MedicalInstitutionCode>1311111111</MedicalInstitutionCode>"
	"<ArbitraryFileIdentifier>RC-0002</ArbitraryFileIdentifier>"
	"</MessageHeader><MessageBody><QualificationConfirmSearchInfo>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<InsuredCardSymbol/>"
	"<InsuredIdentificationNumber>57</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>01</InsuredBranchNumber>"
	"<Birthdate>19800101</Birthdate>"
	"</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n";

static void path_of(char *out, size_t len, const char *sub, const char *name)
{
	snprintf(out, len, "%s/%s/%s", M.dir, sub, name);
}

/* Write a file directly (arrives by IN_CLOSE_WRITE). */
static void put_file(const char *sub, const char *name, const char *data, size_t len)
{
	char path[4096];
	int fd;

	path_of(path, sizeof(path), sub, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Write elsewhere and rename into req/ (arrives by IN_MOVED_TO). */
static void move_in(const char *name, const char *data, size_t len)
{
	char from[4096], to[4096];
	int fd;

	snprintf(from, sizeof(from), "%s/staging", M.tmp);
	fd = open(from, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	path_of(to, sizeof(to), "req", name);
	assert_int_equal(rename(from, to), 0);
}

static int count_entries(const char *sub, int hidden_only)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", M.dir, sub);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!hidden_only || de->d_name[0] == '.')
			n++;
	}
	closedir(d);
	return n;
}

/* Make a file look old, so that a scan takes it at once. */
static void age(const char *sub, const char *name)
{
	char path[4096];
	struct timeval tv[2];

	path_of(path, sizeof(path), sub, name);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= 3600;
	tv[1] = tv[0];
	assert_int_equal(lutimes(path, tv), 0);
}

/* The one watch the plugin registers (its inotify fd), read-only. */
static int watch_fd(void)
{
	unsigned events = 0;
	int fd = -1;

	assert_true(mock_watch(0, &fd, &events));
	assert_int_equal(events, ONSHI_FD_READ);
	assert_false(mock_watch(1, &fd, &events));
	return fd;
}

/* The interval of the armed timer: one-shot, released by the host. */
static uint64_t timer_ms(void)
{
	uint64_t ms = 0;
	int repeat = 1;

	assert_true(mock_timer(0, &ms, &repeat));
	assert_false(repeat);
	return ms;
}

static void plugin_start(void)
{
	assert_int_equal(onshi_plugin_v1.ops->start(M.state), ONSHI_OK);
	(void)watch_fd();
}

static int setup(void **state)
{
	(void)state;
	mock_setup();
	snprintf(M.dir, sizeof(M.dir), "%s/oqs", M.tmp);
	M.keep_refused = 1; /* every submit() attempt is recorded */
	return 0;
}

static int create_and_start(void)
{
	int rc = onshi_plugin_v1.ops->create(&mock_host, &mock_inst, &M.state);

	if (rc != ONSHI_OK)
		return rc;
	plugin_start();
	return ONSHI_OK;
}

static int teardown(void **state)
{
	(void)state;
	mock_teardown();
	return 0;
}

static void status(char *buf, size_t len)
{
	onshi_plugin_v1.ops->status(M.state, buf, len);
}

/* ---- tests ---- */

static void test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(onshi_plugin_v1.magic, ONSHI_PLUGIN_MAGIC);
	assert_int_equal(onshi_plugin_v1.kind, ONSHI_KIND_RECECON);
	assert_string_equal(onshi_plugin_v1.name, "oqsfolder");
	assert_true(ONSHI_OPS_HAS(onshi_plugin_v1.ops_size, deliver));
	assert_non_null(onshi_plugin_v1.ops->deliver);
	assert_non_null(onshi_plugin_v1.ops->status);
}

static void test_bad_encoding(void **state)
{
	(void)state;
	mock_conf("output_encoding", "latin1");
	assert_int_equal(onshi_plugin_v1.ops->create(&mock_host, &mock_inst, &M.state),
			 ONSHI_EINVAL);
	M.state = NULL;
	assert_non_null(strstr(M.log, "output_encoding 'latin1'"));
}

static void test_missing_service(void **state)
{
	struct onshi_host old = mock_host;

	(void)state;
	old.write_file_staged = NULL;
	assert_int_equal(onshi_plugin_v1.ops->create(&old, &mock_inst, &M.state),
			 ONSHI_EABI);
	M.state = NULL;
	assert_non_null(strstr(M.log, "write_file_staged"));
}

static void test_creates_folders(void **state)
{
	static const char *const subs[] = { "req", "res", "face", "failed" };
	char path[4096];
	struct stat st;
	size_t i;

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", M.dir, subs[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0770);
	}
}

static void test_symlinked_folder_refused(void **state)
{
	char path[4096], other[4096];

	(void)state;
	assert_int_equal(mkdir(M.dir, 0770), 0);
	snprintf(other, sizeof(other), "%s/elsewhere", M.tmp);
	assert_int_equal(mkdir(other, 0700), 0);
	snprintf(path, sizeof(path), "%s/res", M.dir);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(onshi_plugin_v1.ops->create(&mock_host, &mock_inst, &M.state),
			 ONSHI_OK);
	assert_int_equal(onshi_plugin_v1.ops->start(M.state), ONSHI_EPERM);
	assert_non_null(strstr(M.log, "symbolic link"));
}

static void test_pickup(void **state)
{
	char st[512];

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	put_file("req", "OQSsiquc01req_A1.xml", req_utf8, sizeof(req_utf8) - 1);
	mock_pump();
	assert_int_equal(M.nsubs, 1);
	assert_string_equal(M.subs[0].id, "OQSsiquc01req_A1.xml");
	assert_int_equal(M.subs[0].kind, ONSHI_MSG_INQUIRY_REQUEST);
	assert_int_equal(M.subs[0].len, sizeof(req_utf8) - 1);
	assert_memory_equal(M.subs[0].body, req_utf8, M.subs[0].len);
	assert_false(mock_exists("req", "OQSsiquc01req_A1.xml"));

	move_in("OQSmuquc01req_B1.xml", req_utf8, 20);
	move_in("OQSmuquc02req_B1.xml", "x", 1);
	mock_pump();
	assert_int_equal(M.nsubs, 3);
	assert_string_equal(M.subs[1].id, "OQSmuquc01req_B1.xml");
	assert_int_equal(M.subs[1].kind, ONSHI_MSG_BULK_REQUEST);
	assert_int_equal(M.subs[2].kind, ONSHI_MSG_BULK_FETCH);
	assert_int_equal(count_entries("req", 0), 0);
	status(st, sizeof(st));
	assert_non_null(strstr(st, "watching"));
	assert_non_null(strstr(st, "3 accepted"));
	assert_non_null(strstr(st, "0 pending in res/"));
}

static void test_startup_scan(void **state)
{
	char path[4096];

	(void)state;
	assert_int_equal(mkdir(M.dir, 0770), 0);
	snprintf(path, sizeof(path), "%s/req", M.dir);
	assert_int_equal(mkdir(path, 0770), 0);
	put_file("req", "OQSsiquc01req_OLD.xml", req_utf8, sizeof(req_utf8) - 1);
	age("req", "OQSsiquc01req_OLD.xml");
	/* Just written: it may still be open in the writer; wait for it. */
	put_file("req", "OQSsiquc01req_NEW.xml", req_utf8, sizeof(req_utf8) - 1);
	assert_int_equal(create_and_start(), ONSHI_OK);
	assert_int_equal(M.nsubs, 1);
	assert_string_equal(M.subs[0].id, "OQSsiquc01req_OLD.xml");
	assert_true(mock_exists("req", "OQSsiquc01req_NEW.xml"));
	assert_int_equal(mock_active_timers(), 1);
	assert_true(timer_ms() <= 2100);

	age("req", "OQSsiquc01req_NEW.xml");
	mock_fire_timers();
	assert_int_equal(M.nsubs, 2);
	assert_string_equal(M.subs[1].id, "OQSsiquc01req_NEW.xml");
	assert_int_equal(count_entries("req", 0), 0);
	assert_int_equal(mock_active_timers(), 0);
}

static void test_retry_then_ok(void **state)
{
	char st[512];

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	M.submit_rc = ONSHI_EUNAVAIL;
	put_file("req", "OQSsiquc01req_R1.xml", req_utf8, sizeof(req_utf8) - 1);
	mock_pump();
	assert_int_equal(M.nsubs, 1);
	assert_true(mock_exists("req", "OQSsiquc01req_R1.xml"));
	assert_int_equal(mock_active_timers(), 1);
	assert_int_equal(timer_ms(), 1000);
	assert_non_null(strstr(M.log, "not accepted yet"));
	status(st, sizeof(st));
	assert_non_null(strstr(st, "1 waiting to retry"));

	/* Still failing: kept, and the next try waits longer. */
	age("req", "OQSsiquc01req_R1.xml");
	mock_fire_timers();
	assert_int_equal(M.nsubs, 2);
	assert_true(mock_exists("req", "OQSsiquc01req_R1.xml"));
	assert_int_equal(mock_active_timers(), 1);
	assert_int_equal(timer_ms(), 2000);

	M.submit_rc = ONSHI_OK;
	mock_fire_timers();
	assert_int_equal(M.nsubs, 3);
	assert_string_equal(M.subs[2].id, "OQSsiquc01req_R1.xml");
	assert_false(mock_exists("req", "OQSsiquc01req_R1.xml"));
	assert_int_equal(mock_active_timers(), 0);
	status(st, sizeof(st));
	assert_non_null(strstr(st, "0 waiting to retry"));
}

static void test_duplicate_is_done(void **state)
{
	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	M.submit_rc = ONSHI_EEXIST;
	put_file("req", "OQSsiquc01req_D1.xml", req_utf8, sizeof(req_utf8) - 1);
	mock_pump();
	assert_int_equal(M.nsubs, 1);
	assert_false(mock_exists("req", "OQSsiquc01req_D1.xml"));
	assert_int_equal(mock_active_timers(), 0);
}

static void test_hostile_names(void **state)
{
	static const char *const refused[] = {
		"OQSsiquc01req_..xml",            /* id "." */
		"OQSsiquc01req_a..b.xml",         /* ".." */
		"OQSsiquc01req_.hidden.xml",      /* id starting with '.' */
		"OQSsiquc01req_a b.xml",          /* space */
		"OQSsiquc01req_\xe9\xab\x99.xml", /* not in the safe alphabet */
		"OQSsiquc01req_.xml",             /* empty id */
	};
	static const char *const ignored[] = {
		".OQSsiquc01req_T1.xml",    /* a writer's hidden temp file */
		"OQSsiquc01req_T1.xml.tmp", /* another temp convention */
		"OQSsiquc01res_T1.xml",     /* a result */
		"OQSsiquc01req_T1.err",     /* an error result */
		"notes.txt",
	};
	char longname[300], *reason, path[4096];
	struct dirent *de;
	size_t i;
	DIR *d;
	int reasons = 0;

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		put_file("req", refused[i], req_utf8, 10);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		put_file("req", ignored[i], req_utf8, 10);
	/* Longest possible name: no room for ".reason" beside it. */
	memcpy(longname, "OQSsiquc01req_", 14);
	memset(longname + 14, 'a', 237);
	memcpy(longname + 251, ".xml", 5);
	put_file("req", longname, req_utf8, 10);
	mock_pump();

	assert_int_equal(M.nsubs, 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_false(mock_exists("req", refused[i]));
		assert_true(mock_exists("failed", refused[i]));
		snprintf(path, sizeof(path), "%s.reason", refused[i]);
		reason = mock_slurp("failed", path, NULL);
		assert_non_null(strstr(reason, "reason: "));
		free(reason);
	}
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		assert_true(mock_exists("req", ignored[i]));
	assert_false(mock_exists("req", longname));
	/* The too-long one got a made-up name; its reason names it. */
	snprintf(path, sizeof(path), "%s/failed", M.dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "refused-", 8) != 0 ||
		    !strstr(de->d_name, ".reason"))
			continue;
		reason = mock_slurp("failed", de->d_name, NULL);
		assert_non_null(strstr(reason, "aaaaaaaa"));
		assert_non_null(strstr(reason, "over 100"));
		free(reason);
		reasons++;
	}
	closedir(d);
	assert_int_equal(reasons, 1);
	/* Escaped in the log, never raw bytes. */
	assert_non_null(strstr(M.log, "\\xe9\\xab\\x99"));
	/* Never silent: each got an .err named after its own name, then a
	 * copy of itself beside it (the client waits for the copy). */
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(path, sizeof(path), "%.*s.err",
			 (int)strlen(refused[i]) - 4, refused[i]);
		assert_true(mock_exists("res", path));
		assert_true(mock_exists("res", refused[i]));
	}
	assert_true(mock_exists("res", longname));
	assert_int_equal(count_entries("res", 0),
			 2 * (1 + (int)(sizeof(refused) / sizeof(refused[0]))));
	assert_int_equal(count_entries("tmp", 0), 0);
}

static void check_err_file(const char *name, const char *code,
			   const char *needle, int with_institution)
{
	struct onshi_msg m;
	char why[256], *xml;
	size_t len;

	xml = mock_slurp("res", name, &len);
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_ERROR, xml, len, NULL, &m,
					 why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(m.u.error.hdr.segment_of_result, ONSHI_SEGMENT_ABNORMAL);
	assert_string_equal(m.u.error.hdr.error_code, code);
	if (strstr(m.u.error.hdr.error_message, needle) == NULL)
		fail_msg("'%s' not in '%s'", needle, m.u.error.hdr.error_message);
	if (with_institution)
		assert_string_equal(m.u.error.hdr.medical_institution_code,
				    "1311111111");
	onshi_msg_clear(&m);
	free(xml);
}

static void test_symlink_refused(void **state)
{
	char secret[4096], staged[4096], to[4096], *reason, *buf;
	struct stat st;

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	snprintf(secret, sizeof(secret), "%s/secret", M.tmp);
	test_write(M.tmp, "secret", "top secret");
	snprintf(staged, sizeof(staged), "%s/link", M.tmp);
	assert_int_equal(symlink(secret, staged), 0);
	path_of(to, sizeof(to), "req", "OQSsiquc01req_S1.xml");
	assert_int_equal(rename(staged, to), 0);
	mock_pump();

	assert_int_equal(M.nsubs, 0);
	assert_false(mock_exists("req", "OQSsiquc01req_S1.xml"));
	path_of(to, sizeof(to), "failed", "OQSsiquc01req_S1.xml");
	assert_int_equal(lstat(to, &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* moved as the link it is */
	reason = mock_slurp("failed", "OQSsiquc01req_S1.xml.reason", NULL);
	assert_non_null(strstr(reason, "symbolic link"));
	free(reason);
	check_err_file("OQSsiquc01req_S1.err", "OE0006", "symbolic link", 1);
	buf = mock_slurp("..", "secret", NULL);
	assert_string_equal(buf, "top secret");
	free(buf);
	assert_int_equal(count_entries("res", 1), 0);
}

static void test_fifo_and_hardlink_refused(void **state)
{
	char path[4096], other[4096];

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	mock_stop();
	/* Made while stopped: the start-up scan meets them. */
	path_of(path, sizeof(path), "req", "OQSsiquc01req_F1.xml");
	assert_int_equal(mkfifo(path, 0600), 0);
	test_write(M.tmp, "elsewhere", "not a request");
	snprintf(other, sizeof(other), "%s/elsewhere", M.tmp);
	path_of(path, sizeof(path), "req", "OQSsiquc01req_H1.xml");
	assert_int_equal(link(other, path), 0);
	age("req", "OQSsiquc01req_H1.xml");
	path_of(path, sizeof(path), "req", "OQSsiquc01req_DIR.xml");
	assert_int_equal(mkdir(path, 0700), 0);
	plugin_start();

	/* The second name may be a link() + unlink() publication half done:
	 * judged once its names are as old as the settle time. */
	assert_int_equal(count_entries("req", 0), 1);
	assert_true(mock_exists("req", "OQSsiquc01req_H1.xml"));
	usleep(2100 * 1000);
	mock_fire_timers();
	assert_int_equal(M.nsubs, 0);
	assert_int_equal(count_entries("req", 0), 0);
	check_err_file("OQSsiquc01req_F1.err", "OE0006", "named pipe", 1);
	check_err_file("OQSsiquc01req_H1.err", "OE0006", "hard links", 1);
	check_err_file("OQSsiquc01req_DIR.err", "OE0006", "a folder", 1);
	assert_true(mock_exists("failed", "OQSsiquc01req_F1.xml"));
	assert_true(mock_exists("failed", "OQSsiquc01req_H1.xml.reason"));
}

static void test_oversized(void **state)
{
	char big[2048], *reason, st[512];

	(void)state;
	mock_conf("max_request_bytes", "1024");
	assert_int_equal(create_and_start(), ONSHI_OK);
	memset(big, 'x', sizeof(big));
	put_file("req", "OQSsiquc01req_BIG.xml", big, sizeof(big));
	/* Batch files have their own, larger limit. */
	put_file("req", "OQSmuquc01req_BIG.xml", big, sizeof(big));
	mock_pump();

	/* Not XML and written just now: maybe half of what its writer
	 * means, so it waits to settle before it is taken as it is. */
	assert_int_equal(M.nsubs, 0);
	assert_int_equal(M.partial_refusals, 1);
	assert_true(mock_exists("req", "OQSmuquc01req_BIG.xml"));
	age("req", "OQSmuquc01req_BIG.xml");
	mock_fire_timers();
	assert_int_equal(M.nsubs, 1);
	assert_string_equal(M.subs[0].id, "OQSmuquc01req_BIG.xml");
	assert_true(mock_exists("failed", "OQSsiquc01req_BIG.xml"));
	reason = mock_slurp("failed", "OQSsiquc01req_BIG.xml.reason", NULL);
	assert_non_null(strstr(reason, "2048 bytes, over the limit of 1024"));
	free(reason);
	check_err_file("OQSsiquc01req_BIG.err", "OE0007", "over the limit", 1);
	/* The .err, then a copy of the request (a second name, not read). */
	assert_true(mock_exists("res", "OQSsiquc01req_BIG.xml"));
	status(st, sizeof(st));
	assert_non_null(strstr(st, "2 pending in res/"));
	assert_non_null(strstr(st, "1 refused to failed/"));
}

/* A result for the request parsed from req_xml, naming 髙橋 﨑子. */
static void make_result(const char *req_xml, struct onshi_msg *res)
{
	struct onshi_msg req;
	struct onshi_qualification *q;
	char why[256];

	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_REQUEST, req_xml,
					 strlen(req_xml), NULL, &req, why,
					 sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(onshi_msg_result_for(&req, res), ONSHI_OK);
	res->u.inquiry_result.processing_result_status = ONSHI_STATUS_NORMAL;
	res->u.inquiry_result.qualification_validity = ONSHI_VALIDITY_VALID;
	q = onshi_inquiry_result_add(&res->u.inquiry_result);
	assert_non_null(q);
	assert_int_equal(onshi_msg_set(&q->name, "髙橋　﨑子"), ONSHI_OK);
	assert_int_equal(onshi_msg_set(&q->insurer_number, "06139999"), ONSHI_OK);
	onshi_msg_clear(&req);
}

/* Read a result file back: its charset and the person's name. */
static void check_result_file(const char *sub, const char *name, int cs,
			      const char *afi)
{
	struct onshi_msg m;
	char why[256], *xml;
	size_t len;

	xml = mock_slurp(sub, name, &len);
	if (cs == ONSHI_CHARSET_CP932)
		assert_non_null(strstr(xml, "encoding=\"Shift_JIS\""));
	else
		assert_non_null(strstr(xml, "encoding=\"UTF-8\""));
	assert_int_equal(onshi_msg_parse(ONSHI_MSG_INQUIRY_RESULT, xml, len,
					 NULL, &m, why, sizeof(why)),
			 ONSHI_OK);
	assert_int_equal(m.source_charset, cs);
	assert_int_equal(m.u.inquiry_result.hdr.character_code, cs);
	assert_int_equal(m.u.inquiry_result.n_results, 1);
	assert_string_equal(m.u.inquiry_result.results[0].name, "髙橋　﨑子");
	if (afi)
		assert_string_equal(m.u.inquiry_result.hdr.arbitrary_file_identifier,
				    afi);
	onshi_msg_clear(&m);
	free(xml);
}

static void deliver_result(const char *id, const char *req_xml)
{
	struct onshi_delivery d;
	struct onshi_msg res;

	make_result(req_xml, &res);
	memset(&d, 0, sizeof(d));
	d.request_id = id;
	d.request_kind = ONSHI_MSG_INQUIRY_REQUEST;
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
}

static void test_deliver_same_encoding(void **state)
{
	struct stat st;
	char path[4096];

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	put_file("req", "OQSsiquc01req_U1.xml", req_utf8, sizeof(req_utf8) - 1);
	put_file("req", "OQSsiquc01req_S1.xml", req_sjis, sizeof(req_sjis) - 1);
	mock_pump();
	assert_int_equal(M.nsubs, 2);

	deliver_result("OQSsiquc01req_S1.xml", req_sjis);
	deliver_result("OQSsiquc01req_U1.xml", req_utf8);
	check_result_file("res", "OQSsiquc01res_S1.xml", ONSHI_CHARSET_CP932,
			  "RC-0002");
	check_result_file("res", "OQSsiquc01res_U1.xml", ONSHI_CHARSET_UTF8,
			  "RC-0001");
	path_of(path, sizeof(path), "res", "OQSsiquc01res_U1.xml");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	/* Never seen (a restart): the answer's own encoding, UTF-8 here. */
	deliver_result("OQSsiquc01req_X9.xml", req_sjis);
	check_result_file("res", "OQSsiquc01res_X9.xml", ONSHI_CHARSET_UTF8, NULL);
	assert_int_equal(count_entries("res", 1), 0);
}

static void test_deliver_fixed_encoding(void **state)
{
	(void)state;
	mock_conf("output_encoding", "shift_jis");
	assert_int_equal(create_and_start(), ONSHI_OK);
	put_file("req", "OQSsiquc01req_U2.xml", req_utf8, sizeof(req_utf8) - 1);
	mock_pump();
	deliver_result("OQSsiquc01req_U2.xml", req_utf8);
	check_result_file("res", "OQSsiquc01res_U2.xml", ONSHI_CHARSET_CP932,
			  "RC-0001");
}

static void test_deliver_error_and_push(void **state)
{
	struct onshi_delivery d;
	struct onshi_msg doc, res;

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	assert_int_equal(onshi_msg_error_init(&doc, ONSHI_EPROTO,
					      "line 1: not well-formed", NULL),
			 ONSHI_OK);
	memset(&d, 0, sizeof(d));
	d.request_id = "OQSmuquc02req_E1.xml";
	d.request_kind = ONSHI_MSG_BULK_FETCH;
	d.is_error = 1;
	d.result = &doc;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&doc);
	check_err_file("OQSmuquc02req_E1.err", "OE0009", "not well-formed", 0);

	make_result(req_utf8, &res);
	memset(&d, 0, sizeof(d));
	d.push = 1;
	d.push_id = "CARD42";
	d.result = &res;
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
	check_result_file("face", mock_face_name("CARD42"), ONSHI_CHARSET_UTF8,
			  "RC-0001");
	assert_int_equal(count_entries("res", 0), 1);
	assert_int_equal(count_entries("face", 1), 0);
}

static void test_answer_inside_submit(void **state)
{
	static const char broken[] = "<?xml version=\"1.0\"?><XmlMsg><Mess";

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	M.in_submit = answer_error_now;
	put_file("req", "OQSsiquc01req_BAD.xml", broken, sizeof(broken) - 1);
	mock_pump();
	/* Broken and written just now: its writer gets the settle time. */
	assert_int_equal(M.nsubs, 0);
	assert_true(mock_exists("req", "OQSsiquc01req_BAD.xml"));
	age("req", "OQSsiquc01req_BAD.xml");
	mock_fire_timers();
	assert_int_equal(M.nsubs, 1);
	assert_false(mock_exists("req", "OQSsiquc01req_BAD.xml"));
	assert_true(mock_exists("res", "OQSsiquc01req_BAD.err"));
	check_err_file("OQSsiquc01req_BAD.err", "OE0009", "", 0);
}

static void test_deliver_res_missing(void **state)
{
	struct onshi_delivery d;
	struct onshi_msg res;
	char path[4096];

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	snprintf(path, sizeof(path), "%s/res", M.dir);
	assert_int_equal(rmdir(path), 0);
	make_result(req_utf8, &res);
	memset(&d, 0, sizeof(d));
	d.request_id = "OQSsiquc01req_M1.xml";
	d.request_kind = ONSHI_MSG_INQUIRY_REQUEST;
	d.result = &res;
	assert_int_not_equal(mock_deliver(&d), ONSHI_OK);
	assert_non_null(strstr(M.log, "kept and written later"));
	/* The folder is back: the core's next offer succeeds. */
	assert_int_equal(mkdir(path, 0770), 0);
	assert_int_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
	check_result_file("res", "OQSsiquc01res_M1.xml", ONSHI_CHARSET_UTF8,
			  "RC-0001");
	/* A request id that cannot name a file is refused, not written. */
	make_result(req_utf8, &res);
	d.request_id = "../../etc/passwd";
	assert_int_not_equal(mock_deliver(&d), ONSHI_OK);
	onshi_msg_clear(&res);
}

static void test_stop_releases(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(create_and_start(), ONSHI_OK);
	M.submit_rc = ONSHI_EIO;
	put_file("req", "OQSsiquc01req_Z1.xml", req_utf8, sizeof(req_utf8) - 1);
	mock_pump();
	assert_int_equal(mock_active_timers(), 1);
	fd = watch_fd();
	mock_stop();
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	/* Kept across the stop, taken on the next start. */
	assert_true(mock_exists("req", "OQSsiquc01req_Z1.xml"));
	M.submit_rc = ONSHI_OK;
	age("req", "OQSsiquc01req_Z1.xml");
	plugin_start();
	assert_false(mock_exists("req", "OQSsiquc01req_Z1.xml"));
	assert_int_equal(M.nsubs, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bad_encoding),
		T(test_missing_service),
		T(test_creates_folders),
		T(test_symlinked_folder_refused),
		T(test_pickup),
		T(test_startup_scan),
		T(test_retry_then_ok),
		T(test_duplicate_is_done),
		T(test_hostile_names),
		T(test_symlink_refused),
		T(test_fifo_and_hardlink_refused),
		T(test_oversized),
		T(test_deliver_same_encoding),
		T(test_deliver_fixed_encoding),
		T(test_deliver_error_and_push),
		T(test_answer_inside_submit),
		T(test_deliver_res_missing),
		T(test_stop_releases),
#undef T
	};

	onshi_xmlmsg_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
