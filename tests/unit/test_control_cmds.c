/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_control_cmds.c — real control commands run through the real
 * dispatcher against a small fake core: VERSION, STATUS, LIST, ENABLE,
 * DISABLE, RELOAD (control_cmds.c) and BATCH SUBMIT / FETCH
 * (control_batch.c, with control_national.c's refusal lines). Good input,
 * bad arguments with their one-line reason, and hostile words (over-long,
 * not UTF-8, control bytes): each reply is checked whole, and what the
 * command did (or did not do) to the modules and the national service.
 *
 * Real: control_dispatch.c, control_cmds.c, control_batch.c,
 * control_national.c, control_reply.c, the status model and its XML
 * rendering, module_status.c (LIST's lines), the configuration reader
 * and the codec. Faked (link-time substitution): the modules
 * (fake_modules.c: ENABLE/DISABLE/RELOAD record what they were asked),
 * the national link (fake_national.c), and below, the control server's
 * side of a client (the body that came with a request, holding a client
 * and answering it later) and the batch size limit (inquiry.c's, with a
 * small limit the test sets).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <onshi/message.h>
#include <onshi/plugin.h>

#include "conf.h"
#include "control.h"
#include "core.h"
#include "fake_modules.h"
#include "fake_national.h"
#include "inquiry.h"
#include "status.h"
#include "testutil.h"

/* ---- the control server's side of a client, faked ---- */

struct onshi_control_client {
	const char *body; /* what came after the request line (bytes=N) */
	size_t len;
	int held;           /* held by a command waiting for the service */
	unsigned answers;   /* replies sent later with onshi_control_answer */
	char answer[16384]; /* the last of them */
};

char *onshi_control_upload(struct onshi_control_client *client, int argc,
			   char **argv, size_t *len, struct onshi_strbuf *reply)
{
	static char copy[8192];
	int announced = 0;

	for (int i = 2; i < argc; i++)
		announced |= strncmp(argv[i], "bytes=", 6) == 0;
	*len = 0;
	if (!announced || !client->body) {
		onshi_strbuf_printf(reply, "-1 fake server: no body\n");
		return NULL;
	}
	/* Writable, NUL-terminated, as the server's. */
	assert_true(client->len < sizeof(copy));
	memcpy(copy, client->body, client->len);
	copy[client->len] = '\0';
	*len = client->len;
	return copy;
}

struct onshi_control_client *onshi_control_hold(struct onshi_control_client *c)
{
	c->held++;
	return c;
}

void onshi_control_answer(struct onshi_control_client *c,
			  const struct onshi_strbuf *reply)
{
	c->held--;
	c->answers++;
	snprintf(c->answer, sizeof(c->answer), "%.*s", (int)reply->len,
		 reply->data ? reply->data : "");
}

void onshi_control_answer_file(struct onshi_control_client *c,
			       const struct onshi_strbuf *head, int fd)
{
	size_t at = 0;
	ssize_t n;

	c->held--;
	c->answers++;
	at = (size_t)snprintf(c->answer, sizeof(c->answer), "%.*s",
			      (int)head->len, head->data ? head->data : "");
	/* The rest from fd, as the server sends it. */
	while (at < sizeof(c->answer) - 1 &&
	       (n = read(fd, c->answer + at, sizeof(c->answer) - 1 - at)) > 0)
		at += (size_t)n;
	c->answer[at] = '\0';
	close(fd);
}

/* inquiry.c's limit, at a size a test can reach. */
static size_t batch_limit = 1000;

const char *onshi_batch_size_refusal(const struct onshi_core *core, size_t n,
				     char *why, size_t whylen)
{
	(void)core;
	if (n <= batch_limit)
		return NULL;
	snprintf(why, whylen, "a batch of %zu persons is over the limit of %zu",
		 n, batch_limit);
	return why;
}

/* ---- documents ---- */

#define CODE "1311111111"

static const char reception_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>1</SegmentOfResult>"
	"<ReceptionNumber>R20250401000042</ReceptionNumber>"
	"</MessageHeader><MessageBody>"
	"<ProcessingResultStatus>1</ProcessingResultStatus>"
	"</MessageBody></XmlMsg>\n";

static const char processing_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>2</SegmentOfResult>"
	"<ReceptionNumber>R20250401000042</ReceptionNumber>"
	"</MessageHeader><MessageBody/></XmlMsg>\n";

/* The service ended the batch abnormally (SegmentOfResult 9). */
static const char abnormal_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>9</SegmentOfResult>"
	"<ErrorCode>EQ9001</ErrorCode><ErrorMessage>batch failed</ErrorMessage>"
	"<ReceptionNumber>R20250401000042</ReceptionNumber>"
	"</MessageHeader><MessageBody/></XmlMsg>\n";

static const char ready_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<XmlMsg><MessageHeader>"
	"<ProcessExecutionTime>20250401093000</ProcessExecutionTime>"
	"<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"
	"<SegmentOfResult>1</SegmentOfResult>"
	"<ReceptionNumber>R20250401000042</ReceptionNumber>"
	"<NumberOfProcessingResult>2</NumberOfProcessingResult>"
	"<NumberOfNormalProcessing>1</NumberOfNormalProcessing>"
	"<NumberOfError>1</NumberOfError>"
	"</MessageHeader><MessageBody>"
	"<BulkConfirmUnit><QualificationConfirmSearchInfo>"
	"<InsurerNumber>06139999</InsurerNumber>"
	"<InsuredCardSymbol>12</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>1</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>00</InsuredBranchNumber>"
	"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
	"<ProcessingResultStatus>1</ProcessingResultStatus>"
	"<QualificationValidity>1</QualificationValidity>"
	"<ResultOfQualificationConfirmation>"
	"<InsurerNumber>06139999</InsurerNumber><Name>TAKAHASHI HANAKO</Name>"
	"</ResultOfQualificationConfirmation></BulkConfirmUnit>"
	"<BulkConfirmUnit><QualificationConfirmSearchInfo>"
	"<InsurerNumber>123456</InsurerNumber>"
	"<InsuredCardSymbol>12</InsuredCardSymbol>"
	"<InsuredIdentificationNumber>2</InsuredIdentificationNumber>"
	"<InsuredBranchNumber>00</InsuredBranchNumber>"
	"<Birthdate>19900215</Birthdate></QualificationConfirmSearchInfo>"
	"<ProcessingResultStatus>2</ProcessingResultStatus>"
	"<ProcessingResultMessage>no such qualification</ProcessingResultMessage>"
	"<QualificationValidity>4</QualificationValidity></BulkConfirmUnit>"
	"</MessageBody></XmlMsg>\n";

/* A result whose count is not a number. */
static const char malformed_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<XmlMsg><MessageHeader>"
				    "<SegmentOfResult>1</SegmentOfResult>"
				    "<ReceptionNumber>R20250401000042</ReceptionNumber>"
				    "<NumberOfError>many</NumberOfError>"
				    "</MessageHeader><MessageBody/></XmlMsg>\n";

static const char refusal_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				  "<XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult>"
				  "<ErrorCode>EQ2001</ErrorCode>"
				  "<ErrorMessage>no such reception</ErrorMessage>"
				  "</MessageHeader><MessageBody/></XmlMsg>\n";

static const char csv_two[] = "# insurer,symbol,number,branch,birth\n"
			      "06139999,1234,4260,01,20010327\n"
			      "\n"
			      "39131234,12,3,00,19400704\r\n";

/* ---- the fixture: a core with a configuration, modules, a link ---- */

struct fixture {
	char *dir;
	struct onshi_core *core;
	struct onshi_control_commands *cmds;
	struct onshi_control_client client;
	char reply[16384];
};

/* The status model's one provider here: a daemon line. */
static void daemon_line(struct onshi_status_snapshot *s, void *ctx)
{
	(void)ctx;
	onshi_status_line_begin(s, "daemon", "onshid");
	onshi_status_put(s, "state", "running");
	onshi_status_put(s, "note", "two words");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct onshi_diag diag = { 0 };
	char path[4200], msg[256];

	assert_non_null(f);
	f->dir = test_tmpdir();
	test_write(f->dir, "onshid.ini",
		   "[institution main]\ncode = " CODE "\nname = Test Clinic\n");
	snprintf(path, sizeof(path), "%s/onshid.ini", f->dir);
	f->core = calloc(1, sizeof(*f->core));
	assert_non_null(f->core);
	assert_int_equal(onshi_config_load(path, &f->core->config, &diag), ONSHI_OK);
	onshi_diag_clear(&diag);
	fake_national_reset();
	assert_int_equal(onshi_national_open(f->core->loop, &f->core->log,
					     f->core->config, &f->core->national,
					     msg, sizeof(msg)),
			 ONSHI_OK);
	fake_module_add(f->core, "reader:desk", CODE, 1);
	fake_module_add(f->core, "rececon:ws9", CODE, 0);
	assert_int_equal(onshi_status_register(&f->core->status, "daemon",
					       daemon_line, NULL),
			 ONSHI_OK);
	assert_int_equal(onshi_control_commands_new(f->core, &f->cmds), ONSHI_OK);
	assert_int_equal(onshi_control_commands_add(f->cmds, onshi_control_cmds),
			 ONSHI_OK);
	assert_int_equal(onshi_control_commands_add(f->cmds, onshi_control_batch_cmds),
			 ONSHI_OK);
	batch_limit = 1000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	onshi_control_commands_free(f->cmds);
	onshi_status_registry_free(&f->core->status);
	onshi_national_close(f->core->national);
	fake_national_reset();
	fake_modules_free(f->core);
	onshi_config_free(f->core->config);
	free(f->core);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

/* The reply to one request line (as the server hands it: no newline). */
static const char *ask(struct fixture *f, const char *request)
{
	struct onshi_strbuf reply = { 0 };
	char line[ONSHI_CONTROL_MAX_LINE + 1];

	assert_true(strlen(request) <= ONSHI_CONTROL_MAX_LINE);
	snprintf(line, sizeof(line), "%s", request);
	onshi_control_dispatch(f->cmds, &f->client, line, &reply);
	snprintf(f->reply, sizeof(f->reply), "%s", reply.data ? reply.data : "");
	onshi_strbuf_free(&reply);
	return f->reply;
}

/* The same with a body (bytes=N and N bytes, as onshictl sends a file). */
static const char *ask_with(struct fixture *f, const char *request, const char *body)
{
	f->client.body = body;
	f->client.len = strlen(body);
	ask(f, request);
	f->client.body = NULL;
	f->client.len = 0;
	return f->reply;
}

/* One line: "-1 reason\n" and nothing after it. */
static void assert_one_line_refusal(const char *reply)
{
	assert_true(strncmp(reply, "-1 ", 3) == 0);
	assert_non_null(strchr(reply, '\n'));
	assert_string_equal(strchr(reply, '\n'), "\n");
}

/* SHA-256 of code then body, in hex: BATCH SUBMIT's Idempotency-Key. */
static void key_of(const char *code, const char *body, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_true(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		    EVP_DigestUpdate(ctx, code, strlen(code)) &&
		    EVP_DigestUpdate(ctx, body, strlen(body)) &&
		    EVP_DigestFinal_ex(ctx, md, &mdlen));
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- VERSION, STATUS, LIST ---- */

static void test_version(void **state)
{
	struct fixture *f = *state;
	char expect[128];

	snprintf(expect, sizeof(expect), "1 version\nonshid=%s abi=%d.%d\n",
		 PACKAGE_VERSION, ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR);
	assert_string_equal(ask(f, "VERSION"), expect);
	assert_string_equal(ask(f, "version extra"), "-1 usage: VERSION\n");
}

static void test_status(void **state)
{
	struct fixture *f = *state;
	const char *r, *body;
	unsigned n = 0, lines = 0;

	assert_string_equal(ask(f, "STATUS"),
			    "1 status\ndaemon=onshid state=running note=\"two words\"\n");
	/* STATUS XML: the same report as a document, its lines counted. */
	r = ask(f, "status xml");
	assert_int_equal(sscanf(r, "%u status-xml\n", &n), 1);
	body = strchr(r, '\n') + 1;
	assert_true(strncmp(body, "<?xml", 5) == 0);
	assert_non_null(strstr(body, "two words"));
	for (const char *p = body; *p; p++)
		lines += *p == '\n';
	assert_int_equal(n, lines);
	assert_int_equal(r[strlen(r) - 1], '\n');

	assert_string_equal(ask(f, "STATUS HTML"),
			    "-1 STATUS takes no argument or XML, not 'HTML'\n");
	assert_string_equal(ask(f, "STATUS XML now"), "-1 usage: STATUS [XML]\n");
}

static void test_list(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask(f, "LIST"),
			    "2 modules\n"
			    "module=reader:desk state=running plugin=fake-reader version=1.0 vendor=\"onshi tests\" institution=" CODE
			    "\n"
			    "module=rececon:ws9 state=disabled\n");
}

/* ---- ENABLE, DISABLE, RELOAD ---- */

static void test_module_actions(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask(f, "ENABLE rececon:ws9"), "0 rececon:ws9: enabled\n");
	assert_string_equal(fake_modules.last_action, "enable rececon:ws9");
	assert_non_null(strstr(ask(f, "LIST"),
			       "module=rececon:ws9 state=running plugin=fake-rececon"));
	assert_string_equal(ask(f, "disable\treader:desk"),
			    "0 reader:desk: disabled\n");
	assert_string_equal(fake_modules.last_action, "disable reader:desk");
	assert_string_equal(ask(f, "RELOAD rececon:ws9"), "0 rececon:ws9: reloaded\n");
	assert_int_equal(fake_modules.actions, 3);

	/* The module's refusal is the reply's reason, on one line. */
	snprintf(fake_modules.refuse, sizeof(fake_modules.refuse),
		 "[rececon ws9] folder: /srv/oqs is not writable");
	assert_string_equal(ask(f, "RELOAD rececon:ws9"),
			    "-1 [rececon ws9] folder: /srv/oqs is not writable\n");
	assert_int_equal(fake_modules.actions, 4);
}

static void test_module_actions_bad_arguments(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask(f, "ENABLE"), "-1 usage: ENABLE MODULE\n");
	assert_string_equal(ask(f, "DISABLE a b"), "-1 usage: DISABLE MODULE\n");
	assert_string_equal(ask(f, "RELOAD"), "-1 usage: RELOAD MODULE\n");
	assert_string_equal(ask(f, "ENABLE ws9"),
			    "-1 no module 'ws9' (modules are named reader:NAME or rececon:NAME; see LIST)\n");
	/* Names are matched exactly. */
	assert_string_equal(ask(f, "ENABLE RECECON:ws9"),
			    "-1 no module 'RECECON:ws9' (modules are named reader:NAME or rececon:NAME; see LIST)\n");
	assert_int_equal(fake_modules.actions, 0);
}

static void test_module_actions_hostile_words(void **state)
{
	struct fixture *f = *state;
	static const char *const words[] = {
		"\xff\xfe\x80",        /* not UTF-8 */
		"reader:\xc3\x28",     /* a broken sequence */
		"reader:desk\x1b[2J",  /* a terminal escape */
		"reader:desk\r",       /* a CR inside the line */
		"reader:desk/../../x", /* a path */
	};
	char line[ONSHI_CONTROL_MAX_LINE + 1];
	size_t n;

	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *r;

		snprintf(line, sizeof(line), "ENABLE %s", words[i]);
		r = ask(f, line);
		assert_one_line_refusal(r);
		assert_true(strncmp(r, "-1 no module '", 14) == 0);
		assert_non_null(strstr(r, "' (modules are named reader:NAME or rececon:NAME; see LIST)\n"));
		/* quoted back as printable ASCII only: no ESC, CR or stray byte */
		for (const unsigned char *p = (const unsigned char *)r; *p; p++)
			assert_true((*p >= 0x20 && *p < 0x7f) || *p == '\n');
	}
	assert_string_equal(ask(f, "ENABLE reader:desk\x1b[2J"),
			    "-1 no module 'reader:desk?[2J' (modules are named reader:NAME or rececon:NAME; see LIST)\n");
	/* The longest line the server passes on, one word: refused on one
	 * line, no longer than the request and the reason. */
	n = snprintf(line, sizeof(line), "DISABLE ");
	memset(line + n, 'A', ONSHI_CONTROL_MAX_LINE - n);
	line[ONSHI_CONTROL_MAX_LINE] = '\0';
	assert_one_line_refusal(ask(f, line));
	/* the word is quoted back cut to 32 bytes */
	assert_non_null(strstr(f->reply, "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'"));
	assert_true(strlen(f->reply) < 200);
	assert_int_equal(fake_modules.actions, 0);
	assert_string_equal(fake_modules.last_action, "");
}

/* ---- BATCH ---- */

static void test_batch_submit_csv(void **state)
{
	struct fixture *f = *state;
	const struct onshi_national_call *c;
	char key[65], line[64];

	snprintf(line, sizeof(line), "BATCH SUBMIT bytes=%zu", strlen(csv_two));
	/* Nothing yet: the client is held until the service answers. */
	assert_string_equal(ask_with(f, line, csv_two), "");
	assert_int_equal(f->client.held, 1);
	assert_int_equal(fake_national.ncalls, 1);
	c = &fake_national.calls[0];
	assert_string_equal(c->path, "/bulk");
	assert_string_equal(c->institution, CODE);
	/* The key is the institution's and the file's: the same file sent
	 * again is the same reception. */
	key_of(CODE, csv_two, key);
	assert_true(c->has_key);
	assert_string_equal(c->key, key);
	assert_non_null(strstr(c->body, "<MedicalInstitutionCode>" CODE
					"</MedicalInstitutionCode>"));
	assert_non_null(strstr(c->body,
			       "<ArbitraryFileIdentifier>onshictl-batch</ArbitraryFileIdentifier>"));
	assert_non_null(strstr(c->body, "<InsurerNumber>06139999</InsurerNumber>"));
	assert_non_null(strstr(c->body, "<InsurerNumber>39131234</InsurerNumber>"));
	assert_non_null(strstr(c->body, "<Birthdate>19400704</Birthdate>"));

	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, reception_xml, NULL);
	assert_int_equal(f->client.held, 0);
	assert_int_equal(f->client.answers, 1);
	assert_string_equal(f->client.answer,
			    "1 accepted\nreception=R20250401000042 count=2\n");

	assert_string_equal(ask_with(f, line, csv_two), "");
	assert_string_equal(fake_national.calls[1].key, key);
	/* Every held client is answered (the call's record is freed then). */
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, reception_xml, NULL);
	assert_int_equal(f->client.answers, 2);
}

static void test_batch_submit_xml_header_is_ours(void **state)
{
	struct fixture *f = *state;
	static const char doc[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<XmlMsg><MessageHeader>"
		"<QualificationConfirmationDate>20250401</QualificationConfirmationDate>"
		"<MedicalInstitutionCode>1399999999</MedicalInstitutionCode>"
		"<ArbitraryFileIdentifier>BATCH-1</ArbitraryFileIdentifier>"
		"</MessageHeader><MessageBody>"
		"<QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>"
		"<InsuredCardSymbol>12</InsuredCardSymbol>"
		"<InsuredIdentificationNumber>1</InsuredIdentificationNumber>"
		"<InsuredBranchNumber>00</InsuredBranchNumber>"
		"<Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo>"
		"</MessageBody></XmlMsg>\n";
	char line[64];

	snprintf(line, sizeof(line), "BATCH SUBMIT bytes=%zu", strlen(doc));
	assert_string_equal(ask_with(f, line, doc), "");
	assert_int_equal(fake_national.ncalls, 1);
	/* Sent for the configured institution, whatever the file said; the
	 * file's own identifier is kept. */
	assert_non_null(strstr(fake_national.calls[0].body, CODE));
	assert_null(strstr(fake_national.calls[0].body, "1399999999"));
	assert_non_null(strstr(fake_national.calls[0].body,
			       "<ArbitraryFileIdentifier>BATCH-1</ArbitraryFileIdentifier>"));
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, reception_xml, NULL);
	assert_string_equal(f->client.answer,
			    "1 accepted\nreception=R20250401000042 count=1\n");
}

static void test_batch_submit_bad_files(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *body, *reply;
	} cases[] = {
		{ "06139999,1234,4260\n",
		  "-1 the batch file: line 1: want insurer,symbol,number,branch,birth\n" },
		{ "06139999,1234,4260,01,20010327\n1,2,3,4,5,6\n",
		  "-1 the batch file: line 2: want insurer,symbol,number,branch,birth\n" },
		{ "# nothing but a comment\n\n",
		  "-1 the batch file: no searches in the file\n" },
		{ "06139999,1234,4260,01,20010327\n06139999,1234,4261,01,20010327\n",
		  "-1 the batch file: a batch of 2 persons is over the limit of 1\n" },
		/* Each line is checked as it is written: the first bad one. */
		{ "1,2,3,4,5\n",
		  "-1 the batch file: line 1: InsurerNumber '1' is not 6 or 8 digits\n" },
	};
	char line[64];

	batch_limit = 1;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "BATCH SUBMIT bytes=%zu",
			 strlen(cases[i].body));
		assert_string_equal(ask_with(f, line, cases[i].body), cases[i].reply);
	}
	/* Malformed XML: the parser's reason after the same words. */
	ask_with(f, "BATCH SUBMIT bytes=20", "<XmlMsg><MessageHead");
	assert_one_line_refusal(f->reply);
	assert_true(strncmp(f->reply, "-1 the batch file: ", 19) == 0);
	/* No body announced: the server's refusal, nothing sent. */
	assert_string_equal(ask(f, "BATCH SUBMIT /home/clinic/batch.csv"),
			    "-1 fake server: no body\n");
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(f->client.held, 0);
}

static void test_batch_submit_hostile_bytes(void **state)
{
	struct fixture *f = *state;
	static const char not_utf8[] = "\xff\xfe\x80,1234,4260,01,20010327\n";
	static const char markup[] = "<x>&amp;,1234,4260,01,20010327\n";
	char line[64];

	/* Bytes that are not UTF-8 never reach the national service. */
	snprintf(line, sizeof(line), "BATCH SUBMIT bytes=%zu", strlen(not_utf8));
	assert_string_equal(ask_with(f, line, not_utf8),
			    "-1 the batch file: line 1: InsurerNumber holds bytes that are not valid UTF-8 (at byte 0)\n");
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(f->client.held, 0);
	/* CSV with markup in it is text, not XML: refused by the parser
	 * (it has a '<'), on one line. */
	snprintf(line, sizeof(line), "BATCH SUBMIT bytes=%zu", strlen(markup));
	assert_one_line_refusal(ask_with(f, line, markup));
	assert_true(strncmp(f->reply, "-1 the batch file: ", 19) == 0);
	assert_int_equal(fake_national.ncalls, 0);
}

static void test_batch_fetch_answers(void **state)
{
	struct fixture *f = *state;
	char why[512], expect[700];
	struct onshi_msg m;

	assert_string_equal(ask(f, "BATCH FETCH R20250401000042"), "");
	assert_int_equal(fake_national.ncalls, 1);
	assert_string_equal(fake_national.calls[0].path, "/bulk/result");
	assert_false(fake_national.calls[0].has_key);
	assert_non_null(strstr(fake_national.calls[0].body,
			       "<ReceptionNumber>R20250401000042</ReceptionNumber>"));
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, processing_xml, NULL);
	assert_string_equal(f->client.answer, "1 processing\nsegment=2\n");

	ask(f, "batch fetch R20250401000042");
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, ready_xml, NULL);
	assert_string_equal(f->client.answer,
			    "3 ready\n"
			    "segment=1 results=2 normal=1 errors=1\n"
			    "unit=1 validity=1 status=1 insurer=06139999 number=1 name=\"TAKAHASHI HANAKO\"\n"
			    "unit=2 validity=4 status=2 insurer=\"  123456\" number=2 message=\"no such qualification\"\n");

	/* Ended abnormally: its reason, never an empty "ready". */
	ask(f, "BATCH FETCH R20250401000042");
	fake_national_answer(2, ONSHI_NATIONAL_ANSWER, 200, abnormal_xml, NULL);
	assert_string_equal(f->client.answer,
			    "-1 the national service ended batch R20250401000042 abnormally (EQ9001): batch failed\n");

	ask(f, "BATCH FETCH R1");
	fake_national_answer(3, ONSHI_NATIONAL_REFUSED, 404, refusal_xml, "HTTP 404");
	assert_string_equal(f->client.answer,
			    "-1 refused by the national service (HTTP 404, EQ2001): no such reception\n");
	ask(f, "BATCH FETCH R1");
	fake_national_answer(4, ONSHI_NATIONAL_REFUSED, 403, "Forbidden",
			     "HTTP 403 from the national service: Forbidden");
	assert_string_equal(f->client.answer,
			    "-1 HTTP 403 from the national service: Forbidden\n");
	ask(f, "BATCH FETCH R1");
	fake_national_answer(5, ONSHI_NATIONAL_UNAVAILABLE, 0, NULL,
			     "no answer within 30 s");
	assert_string_equal(f->client.answer,
			    "-1 national service unavailable: no answer within 30 s\n");
	ask(f, "BATCH FETCH R1");
	fake_national_answer(6, ONSHI_NATIONAL_ANSWER, 200, malformed_xml, NULL);
	assert_int_not_equal(onshi_msg_parse(ONSHI_MSG_BULK_RESULT, malformed_xml,
					     strlen(malformed_xml), NULL, &m,
					     why, sizeof(why)),
			     ONSHI_OK);
	onshi_msg_clear(&m);
	/* Read as a stream: the message names where (MessageHeader). */
	snprintf(expect, sizeof(expect),
		 "-1 the national service answered with a malformed document: MessageHeader: %s\n",
		 why);
	assert_string_equal(f->client.answer, expect);
	assert_int_equal(f->client.answers, 7);
	assert_int_equal(f->client.held, 0);
}

static void test_batch_bad_arguments(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask(f, "BATCH"),
			    "-1 usage: BATCH SUBMIT bytes=N (N bytes follow) | BATCH SUBMIT - kind=.. | BATCH FETCH RECEPTION [institution=NAME] [kind=online|home-visit|medical-aid] [from=YYYYMMDD to=YYYYMMDD [by=consent]] [month=YYYYMM] [flag=N]\n");
	assert_string_equal(ask(f, "BATCH RESUBMIT x"),
			    "-1 usage: BATCH SUBMIT bytes=N (then N bytes) | BATCH SUBMIT - kind=.. | BATCH FETCH RECEPTION [institution=NAME]\n");
	assert_string_equal(ask(f, "BATCH FETCH R1 kind=weekly"),
			    "-1 no batch kind 'weekly': qualification, online, home-visit or medical-aid\n");
	assert_string_equal(ask(f, "BATCH FETCH R1 institution=branch"),
			    "-1 no [institution branch]\n");
	/* The writer's reason; the value is masked as in every message. */
	assert_string_equal(ask(f, "BATCH SUBMIT - kind=online from=2025 to=20250131"),
			    "-1 ExaminationDateFrom '****' is not a date YYYYMMDD\n");
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(f->client.held, 0);

	/* Without a link the reply says so, and nothing waits. */
	onshi_national_close(f->core->national);
	f->core->national = NULL;
	assert_string_equal(ask(f, "BATCH FETCH R1"),
			    "-1 not configured (fake national link)\n");
	assert_int_equal(f->client.held, 0);
}

static void test_batch_cannot_start_call(void **state)
{
	struct fixture *f = *state;

	fake_national.refuse_posts = 1;
	assert_string_equal(ask(f, "BATCH FETCH R1"), "");
	/* Held, then answered at once: the client is not left waiting. */
	assert_int_equal(f->client.held, 0);
	assert_int_equal(f->client.answers, 1);
	assert_string_equal(f->client.answer, "-1 cannot start the national call\n");
}

static void test_batch_by_period(void **state)
{
	struct fixture *f = *state;
	const struct onshi_national_call *c;

	assert_string_equal(ask(f, "BATCH SUBMIT - kind=online from=20250101 to=20250131"),
			    "");
	assert_int_equal(fake_national.ncalls, 1);
	c = &fake_national.calls[0];
	assert_string_equal(c->path, "/bulk/online");
	assert_true(c->has_key); /* derived from the document sent */
	assert_int_equal(strlen(c->key), 64);
	assert_non_null(strstr(c->body, "20250101"));
	assert_non_null(strstr(c->body, "20250131"));
	fake_national_answer(0, ONSHI_NATIONAL_ANSWER, 200, reception_xml, NULL);
	assert_string_equal(f->client.answer,
			    "1 accepted\nreception=R20250401000042 count=0\n");
	ask(f, "BATCH FETCH R20250401000042 kind=medical-aid");
	assert_string_equal(fake_national.calls[1].path, "/bulk/medicalaid/result");
	fake_national_answer(1, ONSHI_NATIONAL_ANSWER, 200, processing_xml, NULL);
	assert_string_equal(f->client.answer, "1 processing\nsegment=2\n");
}

static void test_batch_hostile_words(void **state)
{
	struct fixture *f = *state;
	char line[ONSHI_CONTROL_MAX_LINE + 1];
	size_t n;

	/* A reception number that is not UTF-8 is not sent. */
	assert_string_equal(ask(f, "BATCH FETCH R\xff\xfe"),
			    "-1 ReceptionNumber holds bytes that are not valid UTF-8 (at byte 1)\n");
	assert_int_equal(fake_national.ncalls, 0);
	assert_one_line_refusal(ask(f, "BATCH FETCH R1 kind=\xff"));
	assert_string_equal(f->reply,
			    "-1 no batch kind '?': qualification, online, home-visit or medical-aid\n");
	/* An over-long institution name: its reason cut to a bounded line. */
	n = snprintf(line, sizeof(line), "BATCH FETCH R1 institution=");
	memset(line + n, 'B', ONSHI_CONTROL_MAX_LINE - n);
	line[ONSHI_CONTROL_MAX_LINE] = '\0';
	assert_one_line_refusal(ask(f, line));
	assert_true(strncmp(f->reply, "-1 no [institution BBBB", 23) == 0);
	assert_true(strlen(f->reply) < 600);
	/* An over-long reception number. */
	n = snprintf(line, sizeof(line), "BATCH FETCH ");
	memset(line + n, '7', ONSHI_CONTROL_MAX_LINE - n);
	line[ONSHI_CONTROL_MAX_LINE] = '\0';
	assert_string_equal(ask(f, line),
			    "-1 ReceptionNumber is longer than 64 bytes\n");
	assert_int_equal(fake_national.ncalls, 0);
	assert_int_equal(f->client.held, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_version),
		T(test_status),
		T(test_list),
		T(test_module_actions),
		T(test_module_actions_bad_arguments),
		T(test_module_actions_hostile_words),
		T(test_batch_submit_csv),
		T(test_batch_submit_xml_header_is_ours),
		T(test_batch_submit_bad_files),
		T(test_batch_submit_hostile_bytes),
		T(test_batch_fetch_answers),
		T(test_batch_bad_arguments),
		T(test_batch_cannot_start_call),
		T(test_batch_by_period),
		T(test_batch_hostile_words),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
