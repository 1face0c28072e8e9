/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_xmlmsg_sax.c — onshi_msg_parse() (SAX events) against the tree walk
 * it replaced (xmsg_parse_dom()): every fixture under tests/fixtures, as
 * every message kind, and hostile variants of each (truncated, elements
 * repeated, unknown, mixed into leaves, comments, CDATA and PIs in leaves,
 * blank leaves, too deep, too many list entries, wrong root, DOCTYPE,
 * entities, prefixes, text nodes past libxml2's limit) must give the same
 * code, the same message and, when accepted, the same document written
 * back.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <onshi/message.h>

#include "testutil.h"
#include "xmlmsg_internal.h"

#define MSGLEN 512

struct doc {
	char *name;
	char *buf;
	size_t len;
};

static struct doc *docs;
static size_t ndocs;
static size_t n_cases, n_ok;

/* ---- helpers ---- */

static void collect(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[2048];
		struct stat st;
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			collect(path);
		} else if (n > 4 && strcmp(e->d_name + n - 4, ".xml") == 0) {
			docs = realloc(docs, (ndocs + 1) * sizeof(*docs));
			assert_non_null(docs);
			docs[ndocs].name = strdup(path);
			docs[ndocs].buf = test_read_file(path, &docs[ndocs].len);
			ndocs++;
		}
	}
	closedir(d);
}

static int setup(void **state)
{
	(void)state;
	onshi_xmlmsg_init();
	collect(FIXTURE_DIR);
	return ndocs > 20 ? 0 : -1;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ndocs; i++) {
		free(docs[i].name);
		free(docs[i].buf);
	}
	free(docs);
	print_message("%zu cases compared, %zu accepted\n", n_cases, n_ok);
	return 0;
}

/* Both paths on one input: same code, message and written document. */
static int same(enum onshi_msg_kind kind, const char *buf, size_t len,
		const struct onshi_parse_limits *lim, const char *what)
{
	struct onshi_msg a, b;
	char ma[MSGLEN], mb[MSGLEN];
	int ra, rb;

	memset(ma, 'x', sizeof(ma));
	memset(mb, 'y', sizeof(mb));
	ra = xmsg_parse_dom(kind, buf, len, lim, &a, ma, sizeof(ma));
	rb = onshi_msg_parse(kind, buf, len, lim, &b, mb, sizeof(mb));
	n_cases++;
	if (ra != rb || strcmp(ma, mb) != 0) {
		print_error("differ: %s as %s (%zu bytes, items %zu depth %u)\n"
			    "  dom %d '%s'\n  sax %d '%s'\n",
			    what, onshi_msg_kind_name(kind), len,
			    lim ? lim->max_items : 0, lim ? lim->max_depth : 0,
			    ra, ma, rb, mb);
		assert_int_equal(ra, rb);
		assert_string_equal(ma, mb);
	}
	if (ra == ONSHI_OK) {
		char *oa = NULL, *ob = NULL;
		size_t la = 0, lb = 0;
		int wa, wb;

		n_ok++;
		assert_int_equal(a.source_charset, b.source_charset);
		wa = onshi_msg_write(&a, ONSHI_CHARSET_UTF8, &oa, &la, NULL, ma,
				     sizeof(ma));
		wb = onshi_msg_write(&b, ONSHI_CHARSET_UTF8, &ob, &lb, NULL, mb,
				     sizeof(mb));
		assert_int_equal(wa, wb);
		if (wa == ONSHI_OK) {
			if (la != lb || memcmp(oa, ob, la) != 0)
				print_error("written differently: %s as %s\n",
					    what, onshi_msg_kind_name(kind));
			assert_int_equal(la, lb);
			assert_memory_equal(oa, ob, la);
		} else {
			assert_string_equal(ma, mb);
		}
		free(oa);
		free(ob);
	}
	onshi_msg_clear(&a);
	onshi_msg_clear(&b);
	return ra;
}

static void same_all_kinds(const char *buf, size_t len,
			   const struct onshi_parse_limits *lim, const char *what)
{
	enum onshi_msg_kind k;

	for (k = ONSHI_MSG_INQUIRY_REQUEST; xmsg_root(k) != NULL; k++)
		same(k, buf, len, lim, what);
}

/*
 * The kinds a fixture is worth mutating as: those that accept it, or
 * else the first few whose walk refuses it (the root and syntax passed).
 */
static size_t kinds_of(const struct doc *d, enum onshi_msg_kind *out, size_t max)
{
	enum onshi_msg_kind k;
	size_t n = 0;
	int pass;

	for (pass = 0; pass < 2 && n == 0; pass++) {
		for (k = ONSHI_MSG_INQUIRY_REQUEST;
		     xmsg_root(k) != NULL && n < max; k++) {
			struct onshi_msg m;
			char msg[MSGLEN];
			int rc = xmsg_parse_dom(k, d->buf, d->len, NULL, &m,
						msg, sizeof(msg));

			onshi_msg_clear(&m);
			if (rc == ONSHI_OK || (pass == 1 && (rc == ONSHI_EINVAL ||
							     rc == ONSHI_ETOOBIG)))
				out[n++] = k;
		}
	}
	if (n == 0)
		out[n++] = ONSHI_MSG_INQUIRY_REQUEST;
	return n;
}

/* A growing string for building mutants. */
struct str {
	char *p;
	size_t n;
};

static void put(struct str *s, const char *p, size_t n)
{
	s->p = realloc(s->p, s->n + n + 1);
	assert_non_null(s->p);
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void puts_(struct str *s, const char *p)
{
	put(s, p, strlen(p));
}

/* buf with [at, at + cut) replaced by ins. */
static struct str splice(const char *buf, size_t len, size_t at, size_t cut,
			 const char *ins)
{
	struct str s = { NULL, 0 };

	put(&s, buf, at);
	puts_(&s, ins);
	put(&s, buf + at + cut, len - at - cut);
	return s;
}

/* A leaf: <Name>text</Name> with no markup inside; its span. */
struct leaf {
	size_t start, text, text_end, end; /* <, text, </, after > */
	char name[64];
};

static size_t find_leaves(const char *buf, size_t len, struct leaf *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i + 1 < len && n < max; i++) {
		size_t j, t, nl;
		char close[80];

		if (buf[i] != '<' || buf[i + 1] == '/' || buf[i + 1] == '!' ||
		    buf[i + 1] == '?')
			continue;
		for (j = i + 1; j < len && buf[j] != '>' && buf[j] != ' ' &&
				buf[j] != '/' && buf[j] != '\n';
		     j++)
			;
		if (j >= len || buf[j] != '>')
			continue;
		nl = j - i - 1;
		if (nl == 0 || nl >= sizeof(out[n].name))
			continue;
		t = j + 1;
		while (t < len && buf[t] != '<')
			t++;
		snprintf(close, sizeof(close), "</%.*s>", (int)nl, buf + i + 1);
		if (t >= len || strncmp(buf + t, close, strlen(close)) != 0)
			continue;
		out[n].start = i;
		out[n].text = j + 1;
		out[n].text_end = t;
		out[n].end = t + strlen(close);
		memcpy(out[n].name, buf + i + 1, nl);
		out[n].name[nl] = '\0';
		n++;
	}
	return n;
}

/* The span of the element starting at the '<' at i (no same-name nesting). */
static size_t element_end(const char *buf, size_t len, size_t i)
{
	char name[64], close[80];
	size_t j = i + 1, nl;
	const char *e;

	while (j < len && buf[j] != '>' && buf[j] != ' ' && buf[j] != '/' &&
	       buf[j] != '\n')
		j++;
	nl = j - i - 1;
	if (nl == 0 || nl >= sizeof(name) || j >= len)
		return 0;
	if (buf[j] == '/')
		return j + 2 <= len ? j + 2 : 0;
	memcpy(name, buf + i + 1, nl);
	name[nl] = '\0';
	snprintf(close, sizeof(close), "</%s>", name);
	e = memmem(buf + j, len - j, close, strlen(close));
	return e != NULL ? (size_t)(e - buf) + strlen(close) : 0;
}

/* ---- tests ---- */

/* Every fixture as every kind, as is and under small limits. */
static void test_fixtures_all_kinds(void **state)
{
	static const size_t items[] = { 1, 2, 3, 5 };
	static const unsigned depths[] = { 1, 2, 3, 4, 5, 6 };
	size_t i, j;

	(void)state;
	for (i = 0; i < ndocs; i++) {
		same_all_kinds(docs[i].buf, docs[i].len, NULL, docs[i].name);
		for (j = 0; j < sizeof(items) / sizeof(items[0]); j++) {
			struct onshi_parse_limits lim = { 0, 0, items[j] };

			same_all_kinds(docs[i].buf, docs[i].len, &lim, docs[i].name);
		}
		for (j = 0; j < sizeof(depths) / sizeof(depths[0]); j++) {
			struct onshi_parse_limits lim = { 0, depths[j], 0 };

			same_all_kinds(docs[i].buf, docs[i].len, &lim, docs[i].name);
		}
	}
}

/* Cut short at many points. */
static void test_truncated(void **state)
{
	size_t i, j, at;

	(void)state;
	for (i = 0; i < ndocs; i++) {
		enum onshi_msg_kind kinds[4];
		size_t nk = kinds_of(&docs[i], kinds, 2);
		size_t step = docs[i].len / 150 + 1;

		for (at = 0; at < docs[i].len; at += (at < 300 ? 1 : step))
			for (j = 0; j < nk; j++)
				same(kinds[j], docs[i].buf, at, NULL, "truncated");
	}
}

/* Each leaf changed in each hostile way, with and without small limits. */
static void test_leaf_mutants(void **state)
{
	static const char *const texts[] = {
		"",
		"   \n\t ",
		"<X/>",
		"a<X>b</X>c",
		"<!-- c -->",
		"1<!-- c -->2",
		"<![CDATA[12]]>",
		"<![CDATA[]]>",
		"1<![CDATA[<b>]]>2",
		"<?pi data?>",
		"1<?pi data?>2",
		"&amp;&lt;&#x41;&#12354;",
		"&undefined;",
		"\xef\xbc\x91\xef\xbc\x92",
		" 12345678 ",
		"abc",
		"<a:X xmlns:a=\"urn:x\"/>",
		"<b:X/>",
		"0",
		"99999999999999999999999",
		"-1",
		"20240230",
	};
	size_t i, j, t, l;

	(void)state;
	for (i = 0; i < ndocs; i++) {
		enum onshi_msg_kind kinds[4];
		size_t nk = kinds_of(&docs[i], kinds, 2);
		struct leaf leaves[48];
		size_t nl = find_leaves(docs[i].buf, docs[i].len, leaves, 48);

		for (l = 0; l < nl; l++) {
			const struct leaf *lf = &leaves[l];
			char tmp[256];
			struct str s;

			for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
				s = splice(docs[i].buf, docs[i].len, lf->text,
					   lf->text_end - lf->text, texts[t]);
				for (j = 0; j < nk; j++)
					same(kinds[j], s.p, s.n, NULL, texts[t]);
				free(s.p);
			}
			/* empty element, removed, repeated, renamed */
			snprintf(tmp, sizeof(tmp), "<%s/>", lf->name);
			s = splice(docs[i].buf, docs[i].len, lf->start,
				   lf->end - lf->start, tmp);
			for (j = 0; j < nk; j++)
				same(kinds[j], s.p, s.n, NULL, "empty element");
			free(s.p);
			s = splice(docs[i].buf, docs[i].len, lf->start,
				   lf->end - lf->start, "");
			for (j = 0; j < nk; j++)
				same(kinds[j], s.p, s.n, NULL, "leaf removed");
			free(s.p);
			{
				struct str d = { NULL, 0 };

				put(&d, docs[i].buf, lf->end);
				put(&d, docs[i].buf + lf->start, lf->end - lf->start);
				put(&d, docs[i].buf + lf->end, docs[i].len - lf->end);
				for (j = 0; j < nk; j++)
					same(kinds[j], d.p, d.n, NULL,
					     "leaf repeated");
				free(d.p);
			}
			snprintf(tmp, sizeof(tmp),
				 "<Unknown%zu><%s>x</%s><Deeper><A/></Deeper></Unknown%zu>",
				 l, lf->name, lf->name, l);
			s = splice(docs[i].buf, docs[i].len, lf->end, 0, tmp);
			for (j = 0; j < nk; j++)
				same(kinds[j], s.p, s.n, NULL, "unknown element");
			free(s.p);
			snprintf(tmp, sizeof(tmp), "<p:%s xmlns:p=\"urn:p\">",
				 lf->name);
			s = splice(docs[i].buf, docs[i].len, lf->start,
				   lf->text - lf->start, tmp);
			{
				/* matching end tag */
				struct str e;
				size_t at = lf->text_end + (s.n - docs[i].len);

				snprintf(tmp, sizeof(tmp), "</p:%s>", lf->name);
				e = splice(s.p, s.n, at, strlen(lf->name) + 3, tmp);
				for (j = 0; j < nk; j++)
					same(kinds[j], e.p, e.n, NULL,
					     "prefixed leaf");
				free(e.p);
			}
			free(s.p);
			/* an undeclared prefix: the tree names it p:Name */
			snprintf(tmp, sizeof(tmp), "<q:%s>1</q:%s>", lf->name,
				 lf->name);
			s = splice(docs[i].buf, docs[i].len, lf->start,
				   lf->end - lf->start, tmp);
			for (j = 0; j < nk; j++)
				same(kinds[j], s.p, s.n, NULL, "undeclared prefix");
			free(s.p);
		}
	}
}

/* Elements (groups, list entries) repeated, wrapped and nested deep,
 * under small item and depth limits, with a fault after them. */
static void test_element_mutants(void **state)
{
	static const size_t items[] = { 0, 1, 2, 3, 4, 7 };
	static const unsigned depths[] = { 0, 3, 5 };
	size_t i, j, a, b, c;

	(void)state;
	for (i = 0; i < ndocs; i++) {
		const char *buf = docs[i].buf;
		size_t len = docs[i].len, done = 0;
		enum onshi_msg_kind kinds[4];
		size_t nk = kinds_of(&docs[i], kinds, 2);

		for (a = 0; a + 1 < len && done < 40; a++) {
			size_t end;
			struct str s = { NULL, 0 };

			if (buf[a] != '<' || buf[a + 1] == '/' ||
			    buf[a + 1] == '!' || buf[a + 1] == '?')
				continue;
			end = element_end(buf, len, a);
			if (end == 0)
				continue;
			done++;
			/* three copies, the middle one broken (an empty
			 * required leaf cannot be guessed: a junk child) */
			put(&s, buf, end);
			put(&s, buf + a, end - a);
			put(&s, buf + a, end - a);
			put(&s, buf + end, len - end);
			for (b = 0; b < sizeof(items) / sizeof(items[0]); b++)
				for (c = 0;
				     c < sizeof(depths) / sizeof(depths[0]); c++) {
					struct onshi_parse_limits lim = {
						0, depths[c], items[b]
					};

					for (j = 0; j < nk; j++)
						same(kinds[j], s.p, s.n, &lim,
						     "element x3");
				}
			free(s.p);
			/* copies with a fault between them */
			s.p = NULL;
			s.n = 0;
			put(&s, buf, end);
			puts_(&s, "<MessageHeader/><X>");
			put(&s, buf + a, end - a);
			puts_(&s, "</X>");
			put(&s, buf + a, end - a);
			put(&s, buf + end, len - end);
			for (b = 0; b < sizeof(items) / sizeof(items[0]); b++) {
				struct onshi_parse_limits lim = { 0, 0, items[b] };

				for (j = 0; j < nk; j++)
					same(kinds[j], s.p, s.n, &lim,
					     "fault between");
			}
			free(s.p);
			/* nested deep inside an unknown wrapper */
			s.p = NULL;
			s.n = 0;
			put(&s, buf, a);
			puts_(&s, "<W><W><W><W><W><W>");
			put(&s, buf + a, end - a);
			puts_(&s, "</W></W></W></W></W></W>");
			put(&s, buf + end, len - end);
			for (j = 0; j < nk; j++)
				same(kinds[j], s.p, s.n, NULL, "deep");
			free(s.p);
			/* then ill-formed at the very end */
			s.p = NULL;
			s.n = 0;
			put(&s, buf, end);
			put(&s, buf + a, end - a);
			put(&s, buf + end, len - end);
			puts_(&s, "<");
			for (b = 0; b < 3; b++) {
				struct onshi_parse_limits lim = { 0, 0, items[b] };

				for (j = 0; j < nk; j++)
					same(kinds[j], s.p, s.n, &lim,
					     "ill-formed tail");
			}
			free(s.p);
		}
	}
}

/* Whole-document faults. */
static void test_documents(void **state)
{
	static const char *const texts[] = {
		"",
		" ",
		"<!-- only a comment -->",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg/>",
		"<XmlMsg/>",
		"<XmlMsg></XmlMsg>",
		"<xmlmsg/>",
		"<a:XmlMsg/>",
		"<a:XmlMsg xmlns:a=\"urn:a\"/>",
		"<XmlMsg xmlns=\"urn:x\"><MessageHeader/></XmlMsg>",
		"<Other><MessageHeader/></Other>",
		"<Other><<</Other>",
		"<Other/><XmlMsg/>",
		"<XmlMsg/><XmlMsg/>",
		"<XmlMsg>&undefined;</XmlMsg>",
		"<XmlMsg><MessageHeader>&undefined;</MessageHeader></XmlMsg>",
		"<XmlMsg><MessageBody><a>&amp;</a></MessageBody></XmlMsg>",
		"<!DOCTYPE XmlMsg><XmlMsg/>",
		"<!DOCTYPE XmlMsg [<!ENTITY e \"x\">]><XmlMsg>&e;</XmlMsg>",
		"<!DOCTYPE XmlMsg SYSTEM \"http://example.com/x.dtd\"><XmlMsg/>",
		"<XmlMsg><MessageHeader><MessageHeader/></MessageHeader></XmlMsg>",
		"<XmlMsg><MessageHeader/><MessageHeader/></XmlMsg>",
		"<XmlMsg><MessageHeader/><MessageHeader/><Bad</XmlMsg>",
		"<XmlMsg><a><b><c><d><e><f><g><h><i><j><k><l><m><n><o><p><q>"
		"</q></p></o></n></m></l></k></j></i></h></g></f></e></d></c></b>"
		"</a></XmlMsg>",
		"<XmlMsg><MessageHeader/><a><b><c><d><e><f><g><h><i><j><k><l><m>"
		"<n><o><p><q></q></p></o></n></m></l></k></j></i></h></g></f></e>"
		"</d></c></b></a>",
		"<XmlMsg attr=\"1\" attr=\"2\"/>",
		"<XmlMsg xml:id=\"1 2\"><MessageHeader xml:id=\"a\"/></XmlMsg>",
		"<XmlMsg><?pi?><!--c--><![CDATA[x]]></XmlMsg>",
		"<XmlMsg>\xff</XmlMsg>",
		"\xef\xbb\xbf<XmlMsg/>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct onshi_parse_limits lim = { 0, 3, 1 };

		same_all_kinds(texts[i], strlen(texts[i]), NULL, texts[i]);
		same_all_kinds(texts[i], strlen(texts[i]), &lim, texts[i]);
	}
	/* a DOCTYPE, entities and depth past libxml2's own limit */
	{
		struct str s = { NULL, 0 };

		for (i = 0; i < 300; i++)
			puts_(&s, "<d>");
		same(ONSHI_MSG_INQUIRY_REQUEST, s.p, s.n, NULL, "300 deep");
		free(s.p);
		s.p = NULL;
		s.n = 0;
		puts_(&s, "<XmlMsg>");
		for (i = 0; i < 257; i++)
			puts_(&s, "<d>");
		for (i = 0; i < 257; i++)
			puts_(&s, "</d>");
		puts_(&s, "</XmlMsg>");
		same(ONSHI_MSG_INQUIRY_REQUEST, s.p, s.n, NULL, "258 deep");
		free(s.p);
	}
}

/*
 * A text node past libxml2's XML_MAX_TEXT_LENGTH (10,000,000 bytes): the
 * tree builder stops there without calling the document ill-formed, in a
 * leaf, between elements and in an unknown element, at the end and with
 * more after it. Batch documents may be that big.
 */
static void test_huge_text(void **state)
{
	static const char *const tails[] = {
		"",
		"</ArbitraryFileIdentifier></MessageHeader></XmlMsg>",
		"</ArbitraryFileIdentifier>",
		"  ",
	};
	static const char *const heads[] = {
		"<XmlMsg><MessageHeader><ArbitraryFileIdentifier>",
		"<XmlMsg><MessageHeader><Unknown>",
		"<XmlMsg><MessageHeader>",
	};
	size_t big = 10000000 + 4096, h, t;
	char *fill = malloc(big);

	(void)state;
	assert_non_null(fill);
	memset(fill, 'a', big);
	for (h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
		for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
			struct str s = { NULL, 0 };

			puts_(&s, heads[h]);
			/* in pieces: a character reference makes a second
			 * chunk; blanks only for the between-elements case */
			if (h == 2) {
				memset(fill, ' ', big);
				put(&s, fill, big);
				memset(fill, 'a', big);
			} else {
				put(&s, fill, 5000000);
				puts_(&s, "&#x41;");
				put(&s, fill, big - 5000000);
			}
			puts_(&s, tails[t]);
			same(ONSHI_MSG_BULK_RESULT, s.p, s.n, NULL, "huge text");
			same(ONSHI_MSG_BULK_REQUEST, s.p, s.n, NULL, "huge text");
			free(s.p);
		}
	}
	free(fill);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_all_kinds),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_leaf_mutants),
		cmocka_unit_test(test_element_mutants),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_huge_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
