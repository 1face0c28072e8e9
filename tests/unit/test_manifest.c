/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_manifest.c — the maintenance manifest end to end with real keys: the
 * group setup makes two Ed25519 key pairs and a P-256 key with the openssl
 * command, and manifests are signed the way maintenance staff sign them
 * (`openssl pkeyutl -sign -rawin`). Cases cover the signature (good, other
 * key, tampered, truncated, empty, wrong key type), the hardened parse
 * (DOCTYPE, XXE, entity bomb, unknown names, every malformed field, limits),
 * the checks against this installation (replay, rollback, institution,
 * expiry, unknown module) and the last-applied-serial state file; each
 * refusal is checked by its code and by the words of its reason.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <onshi/error.h>

#include "manifest.h"
#include "testutil.h"

/* 2026-12-31T00:00:00Z */
#define T_NOT_AFTER ((time_t)1798675200)
#define CODE "1312345678"

struct keys {
	char *tmp; /* removed at teardown */
	char maint_pub[4200];
	char other_pub[4200];
	char ec_pub[4200];
	char maint_key[4200];
	char other_key[4200];
};

static void assert_msg_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

static const char *openssl_cmd(void)
{
	const char *o = getenv("OPENSSL");

	return o != NULL && o[0] != '\0' ? o : "openssl";
}

static int run(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		return -1;
	}
	return 0;
}

static int make_keys(struct keys *k)
{
	const char *o = openssl_cmd();
	char cmd[9000];

	snprintf(k->maint_key, sizeof(k->maint_key), "%s/maint.key", k->tmp);
	snprintf(k->maint_pub, sizeof(k->maint_pub), "%s/maint.pub", k->tmp);
	snprintf(k->other_key, sizeof(k->other_key), "%s/maint-other.key", k->tmp);
	snprintf(k->other_pub, sizeof(k->other_pub), "%s/maint-other.pub", k->tmp);
	snprintf(k->ec_pub, sizeof(k->ec_pub), "%s/ec.pub", k->tmp);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && %s genpkey -algorithm ed25519 -out maint.key && "
		 "%s pkey -in maint.key -pubout -out maint.pub && "
		 "%s genpkey -algorithm ed25519 -out maint-other.key && "
		 "%s pkey -in maint-other.key -pubout -out maint-other.pub && "
		 "%s genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
		 "-out ec.key && %s pkey -in ec.key -pubout -out ec.pub",
		 k->tmp, o, o, o, o, o, o);
	return run(cmd);
}

static int group_setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return -1;
	k->tmp = test_tmpdir();
	if (make_keys(k) != 0) {
		test_rmtree(k->tmp);
		free(k);
		return -1;
	}
	*state = k;
	return 0;
}

static int group_teardown(void **state)
{
	struct keys *k = *state;

	test_rmtree(k->tmp);
	free(k);
	return 0;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static unsigned char *read_bytes(const char *path, size_t *len)
{
	unsigned char *buf = malloc(4096);
	FILE *f = fopen(path, "rb");

	assert_non_null(buf);
	assert_non_null(f);
	*len = fread(buf, 1, 4096, f);
	fclose(f);
	return buf;
}

/* Sign text with key as maintenance staff do; the raw signature in sig. */
static void sign(const struct keys *k, const char *key, const void *text,
		 size_t len, unsigned char sig[64])
{
	char in[4300], out[4300], cmd[13000];
	unsigned char *s;
	size_t n;

	snprintf(in, sizeof(in), "%s/manifest.xml", k->tmp);
	snprintf(out, sizeof(out), "%s/manifest.xml.sig", k->tmp);
	write_bytes(in, text, len);
	snprintf(cmd, sizeof(cmd),
		 "%s pkeyutl -sign -rawin -inkey '%s' -in '%s' "
		 "-out '%s'",
		 openssl_cmd(), key, in, out);
	assert_int_equal(run(cmd), 0);
	s = read_bytes(out, &n);
	assert_int_equal(n, 64);
	memcpy(sig, s, 64);
	free(s);
}

#define MANIFEST_FORMAT                                           \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"            \
	"<MaintenanceManifest>\n"                                 \
	"  <Serial>%s</Serial>\n"                                 \
	"  <MedicalInstitutionCode>%s</MedicalInstitutionCode>\n" \
	"  <NotAfter>%s</NotAfter>\n"                             \
	"%s"                                                      \
	"</MaintenanceManifest>\n"

/* A manifest with the given fields and entries (NULL: the good value). */
static char *manifest(const char *serial, const char *code,
		      const char *not_after, const char *entries)
{
	char *text;
	int n;

	if (serial == NULL)
		serial = "42";
	if (code == NULL)
		code = CODE;
	if (not_after == NULL)
		not_after = "2026-12-31T00:00:00Z";
	if (entries == NULL)
		entries = "  <Module name=\"reader:front-desk\" state=\"disabled\"/>\n"
			  "  <Module name=\"reader:exam-room\" state=\"enabled\"/>\n"
			  "  <Reload module=\"rececon:ws9\"/>\n";
	/* Not asprintf: gcc then thinks the result may point at a local. */
	n = snprintf(NULL, 0, MANIFEST_FORMAT, serial, code, not_after, entries);
	text = malloc((size_t)n + 1);
	if (text == NULL)
		abort();
	snprintf(text, (size_t)n + 1, MANIFEST_FORMAT, serial, code, not_after,
		 entries);
	return text;
}

static int parse_text(const char *text, struct onshi_manifest *m, char *msg,
		      size_t msglen)
{
	return onshi_manifest_parse(text, strlen(text), m, msg, msglen);
}

/* Parse a manifest that must be refused with rc and a reason holding needle. */
static void refuse(const char *text, int rc, const char *needle)
{
	struct onshi_manifest *m = malloc(sizeof(*m));
	char msg[512];

	assert_non_null(m);
	msg[0] = '\0';
	if (parse_text(text, m, msg, sizeof(msg)) != rc)
		fail_msg("expected %d for <<%s>>, message \"%s\"", rc, text, msg);
	assert_msg_has(msg, needle);
	/* A refused parse leaves nothing half-filled behind. */
	assert_int_equal(m->n_entries, 0);
	assert_int_equal(m->serial, 0);
	free(m);
}

static void refuse_fields(const char *serial, const char *code, const char *not_after,
			  const char *entries, int rc, const char *needle)
{
	char *text = manifest(serial, code, not_after, entries);

	refuse(text, rc, needle);
	free(text);
}

/* ---- signature ---- */

static void test_sig_good(void **state)
{
	struct keys *k = *state;
	char *text = manifest(NULL, NULL, NULL, NULL), msg[512] = "x";
	unsigned char sig[64];

	sign(k, k->maint_key, text, strlen(text), sig);
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(msg, "");
	free(text);
}

static void test_sig_other_key(void **state)
{
	struct keys *k = *state;
	char *text = manifest(NULL, NULL, NULL, NULL), msg[512];
	unsigned char sig[64];

	sign(k, k->other_key, text, strlen(text), sig);
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "does not match the trust key");
	assert_msg_has(msg, k->maint_pub);
	/* The same signature is good under the key that made it. */
	assert_int_equal(onshi_manifest_verify_sig(k->other_pub, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_OK);
	free(text);
}

static void test_sig_flipped_byte(void **state)
{
	struct keys *k = *state;
	char *text = manifest(NULL, NULL, NULL, NULL), msg[512];
	unsigned char sig[64];
	size_t at;

	sign(k, k->maint_key, text, strlen(text), sig);
	/* The attack that matters: 42 becomes 43, nothing else changes. */
	assert_non_null(strstr(text, "42</Serial>"));
	at = (size_t)(strstr(text, "42</Serial>") - text) + 1;
	text[at] ^= 0x01;
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "changed after signing");
	/* And a flip in the signature itself. */
	text[at] ^= 0x01;
	sig[10] ^= 0x01;
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	free(text);
}

static void test_sig_bad_length(void **state)
{
	struct keys *k = *state;
	char *text = manifest(NULL, NULL, NULL, NULL), msg[512];
	unsigned char sig[128];

	sign(k, k->maint_key, text, strlen(text), sig);
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 63, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "63 bytes, not the 64");
	assert_msg_has(msg, "truncated");
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 0, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "signature file is empty");
	memset(sig + 64, 0, 64);
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 65, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "65 bytes");
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text, strlen(text),
						   sig, 88, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "base64");
	free(text);
}

static void test_sig_empty_manifest(void **state)
{
	struct keys *k = *state;
	unsigned char sig[64];
	char msg[512];

	/* openssl 3.0 will not even sign an empty file; refused before checking. */
	memset(sig, 0, sizeof(sig));
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, "", 0, sig, 64,
						   msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "empty");
}

static void test_sig_wrong_key_type(void **state)
{
	struct keys *k = *state;
	char *text = manifest(NULL, NULL, NULL, NULL), msg[512], path[4300];
	unsigned char sig[64];

	sign(k, k->maint_key, text, strlen(text), sig);
	assert_int_equal(onshi_manifest_verify_sig(k->ec_pub, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "not an Ed25519 key");
	assert_msg_has(msg, "EC");
	/* The private key where the public one belongs. */
	assert_int_equal(onshi_manifest_verify_sig(k->maint_key, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "not a PEM public key");
	snprintf(path, sizeof(path), "%s/garbage.pub", k->tmp);
	write_bytes(path, "hello\n", 6);
	assert_int_equal(onshi_manifest_verify_sig(path, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "not a PEM public key");
	snprintf(path, sizeof(path), "%s/absent.pub", k->tmp);
	assert_int_equal(onshi_manifest_verify_sig(path, text, strlen(text),
						   sig, 64, msg, sizeof(msg)),
			 ONSHI_EIO);
	assert_msg_has(msg, "cannot read the trust key");
	assert_msg_has(msg, "No such file");
	free(text);
}

static void test_sig_oversized(void **state)
{
	struct keys *k = *state;
	size_t len = ONSHI_MANIFEST_MAX_BYTES + 1;
	char *big = malloc(len), msg[512];
	unsigned char sig[64];

	assert_non_null(big);
	memset(big, ' ', len);
	memset(sig, 0, sizeof(sig));
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, big, len, sig,
						   64, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	assert_msg_has(msg, "65537 bytes, over the limit of 65536");
	free(big);
}

/* ---- parsing ---- */

static void test_parse_good(void **state)
{
	struct onshi_manifest *m = malloc(sizeof(*m));
	char *text = manifest(NULL, NULL, NULL, NULL), msg[512] = "x";

	(void)state;
	assert_non_null(m);
	assert_int_equal(parse_text(text, m, msg, sizeof(msg)), ONSHI_OK);
	assert_string_equal(msg, "");
	assert_int_equal(m->serial, 42);
	assert_string_equal(m->institution_code, CODE);
	assert_int_equal(m->not_after, T_NOT_AFTER);
	assert_string_equal(m->not_after_text, "2026-12-31T00:00:00Z");
	assert_int_equal(m->n_entries, 3);
	assert_string_equal(m->entries[0].module, "reader:front-desk");
	assert_int_equal(m->entries[0].action, ONSHI_MANIFEST_DISABLE);
	assert_string_equal(m->entries[1].module, "reader:exam-room");
	assert_int_equal(m->entries[1].action, ONSHI_MANIFEST_ENABLE);
	assert_string_equal(m->entries[2].module, "rececon:ws9");
	assert_int_equal(m->entries[2].action, ONSHI_MANIFEST_RELOAD);
	free(text);

	/* No entries, no declaration, fields in another order, comments. */
	assert_int_equal(parse_text("<MaintenanceManifest><!-- staff note -->"
				    "<NotAfter>2024-02-29T23:59:59Z</NotAfter>"
				    "<Serial>9223372036854775807</Serial>"
				    "<MedicalInstitutionCode>0000000001"
				    "</MedicalInstitutionCode>"
				    "</MaintenanceManifest>",
				    m, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_true(m->serial == ONSHI_MANIFEST_SERIAL_MAX);
	assert_int_equal(m->n_entries, 0);
	assert_int_equal(m->not_after, (time_t)1709251199);
	free(m);
}

static void test_parse_doctype(void **state)
{
	(void)state;
	refuse("<?xml version=\"1.0\"?>\n"
	       "<!DOCTYPE MaintenanceManifest [\n"
	       "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
	       "]>\n"
	       "<MaintenanceManifest><Serial>&xxe;</Serial></MaintenanceManifest>\n",
	       ONSHI_EPERM, "DOCTYPE");
	refuse("<!DOCTYPE MaintenanceManifest SYSTEM "
	       "\"http://attacker.invalid/m.dtd\">\n"
	       "<MaintenanceManifest/>\n",
	       ONSHI_EPERM, "DOCTYPE");
	refuse("<!DOCTYPE MaintenanceManifest [\n"
	       "  <!ENTITY % p SYSTEM \"http://attacker.invalid/p.dtd\"> %p;\n"
	       "]>\n<MaintenanceManifest/>\n",
	       ONSHI_EPERM, "DOCTYPE");
	refuse("<!DOCTYPE MaintenanceManifest>\n<MaintenanceManifest/>\n",
	       ONSHI_EPERM, "DOCTYPE");
}

static void test_parse_entity_bomb(void **state)
{
	(void)state;
	refuse("<?xml version=\"1.0\"?>\n"
	       "<!DOCTYPE lolz [\n"
	       " <!ENTITY lol \"lol\">\n"
	       " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	       " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	       " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	       " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	       " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	       " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	       " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	       " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	       " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	       "]>\n"
	       "<MaintenanceManifest><Serial>&lol9;</Serial></MaintenanceManifest>\n",
	       ONSHI_EPERM, "DOCTYPE");
	/* Without a DTD an entity reference is simply not well-formed. */
	refuse_fields("&lol9;", NULL, NULL, NULL, ONSHI_EPROTO, "not well-formed");
}

static void test_parse_not_xml(void **state)
{
	struct onshi_manifest m;
	char msg[512];

	(void)state;
	assert_int_equal(onshi_manifest_parse("", 0, &m, msg, sizeof(msg)),
			 ONSHI_EPROTO);
	assert_msg_has(msg, "empty");
	refuse("<MaintenanceManifest><Serial>42</Serial>", ONSHI_EPROTO,
	       "not well-formed XML at line 1");
	refuse("just text\n", ONSHI_EPROTO, "not well-formed");
	refuse("<Manifest/>", ONSHI_EPROTO, "root element is <Manifest>");
	assert_int_equal(onshi_manifest_parse("<Maint\0enanceManifest/>", 23,
					      &m, msg, sizeof(msg)),
			 ONSHI_EPROTO);
}

static void test_parse_unknown_element(void **state)
{
	(void)state;
	refuse_fields(NULL, NULL, NULL, "<Command>rm -rf /</Command>\n",
		      ONSHI_EINVAL, "unknown element <Command>");
	refuse_fields(NULL, NULL, NULL,
		      "<Module name=\"reader:a\" state=\"enabled\">"
		      "<Extra/></Module>\n",
		      ONSHI_EINVAL, "unknown element <Extra>");
	refuse_fields("<Low>42</Low>", NULL, NULL, NULL, ONSHI_EINVAL,
		      "unknown element <Low> inside <Serial>");
	refuse_fields(NULL, NULL, NULL, "<?run me?>\n", ONSHI_EINVAL,
		      "processing instruction <?run?>");
	refuse("<?xml version=\"1.0\"?><?xml-stylesheet href=\"x\"?>"
	       "<MaintenanceManifest/>",
	       ONSHI_EINVAL, "processing instruction <?xml-stylesheet?>");
	refuse_fields(NULL, NULL, NULL, "free text\n", ONSHI_EINVAL,
		      "free text?' inside <MaintenanceManifest>");
	refuse_fields(NULL, NULL, NULL,
		      "<m:Module xmlns:m=\"urn:x\" "
		      "name=\"reader:a\" state=\"enabled\"/>\n",
		      ONSHI_EINVAL, "namespace");
	refuse("<MaintenanceManifest xmlns=\"urn:onshi\"><Serial>1</Serial>"
	       "</MaintenanceManifest>",
	       ONSHI_EINVAL, "namespace");
}

static void test_parse_unknown_attribute(void **state)
{
	(void)state;
	refuse_fields(NULL, NULL, NULL,
		      "<Module name=\"reader:a\" state=\"enabled\" "
		      "force=\"yes\"/>\n",
		      ONSHI_EINVAL, "unknown attribute force on <Module>");
	refuse_fields(NULL, NULL, NULL,
		      "<Reload module=\"reader:a\" "
		      "state=\"enabled\"/>\n",
		      ONSHI_EINVAL, "unknown attribute state on <Reload>");
	refuse_fields(NULL, NULL, NULL, "<Reload name=\"reader:a\"/>\n",
		      ONSHI_EINVAL, "unknown attribute name on <Reload>");
	refuse("<MaintenanceManifest version=\"2\"/>", ONSHI_EINVAL,
	       "unknown attribute version on <MaintenanceManifest>");
	refuse("<MaintenanceManifest><Serial base=\"16\">2a</Serial>"
	       "</MaintenanceManifest>",
	       ONSHI_EINVAL, "unknown attribute base on <Serial>");
	refuse_fields(NULL, NULL, NULL,
		      "<Module xmlns:x=\"urn:x\" x:name=\"r\" "
		      "name=\"reader:a\" state=\"enabled\"/>\n",
		      ONSHI_EINVAL, "namespace");
}

static void test_parse_bad_serial(void **state)
{
	static const char *const bad[] = {
		"-1",
		" 42",
		"42 ",
		"42a",
		"+42",
		"4 2",
		"0x2a",
		"42.0",
		"&#32;42",
		"\n42\n",
		"\xef\xbc\x94\xef\xbc\x92", /* fullwidth ４２ */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse_fields(bad[i], NULL, NULL, NULL, ONSHI_EINVAL,
			      "is not a positive decimal integer");
	refuse_fields("99999999999999999999", NULL, NULL, NULL, ONSHI_EINVAL,
		      "larger than the maximum 9223372036854775807");
	refuse_fields("9223372036854775808", NULL, NULL, NULL, ONSHI_EINVAL,
		      "larger than the maximum");
	refuse_fields("18446744073709551616", NULL, NULL, NULL, ONSHI_EINVAL,
		      "larger than the maximum");
	refuse_fields("0", NULL, NULL, NULL, ONSHI_EINVAL, "positive integer");
	refuse_fields("042", NULL, NULL, NULL, ONSHI_EINVAL, "leading zeros");
	refuse_fields("", NULL, NULL, NULL, ONSHI_EINVAL,
		      "<Serial> at line 3 is empty");
	refuse("<MaintenanceManifest><Serial>1</Serial><Serial>2</Serial>"
	       "</MaintenanceManifest>",
	       ONSHI_EINVAL, "<Serial> appears twice");
	refuse("<MaintenanceManifest><MedicalInstitutionCode>1312345678"
	       "</MedicalInstitutionCode><NotAfter>2026-12-31T00:00:00Z</NotAfter>"
	       "</MaintenanceManifest>",
	       ONSHI_EINVAL, "has no <Serial>");
}

static void test_parse_bad_code(void **state)
{
	static const char *const bad[] = {
		"131234567",   "13123456789", "131234567a",
		" 1312345678", "-312345678",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse_fields(NULL, bad[i], NULL, NULL, ONSHI_EINVAL,
			      "is not 10 digits");
	refuse("<MaintenanceManifest><Serial>1</Serial>"
	       "<NotAfter>2026-12-31T00:00:00Z</NotAfter></MaintenanceManifest>",
	       ONSHI_EINVAL, "has no <MedicalInstitutionCode>");
}

static void test_parse_bad_not_after(void **state)
{
	static const char *const bad_form[] = {
		"2026-12-31",
		"2026-12-31T00:00:00",
		"2026-12-31 00:00:00Z",
		"2026-12-31T00:00:00+09:00",
		"2026-12-31T00:00:00.000Z",
		"2026-1-31T00:00:00Z",
		"2026-12-31t00:00:00Z",
		"2026-12-31T00:00:00z",
		"2026/12/31T00:00:00Z",
		" 2026-12-31T00:00:00Z",
		"tomorrow",
		"+026-12-31T00:00:00Z",
		"2026-12-31T0:00:00Z ",
	};
	static const char *const not_real[] = {
		"2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-12-00T00:00:00Z",
		"2026-12-31T24:00:00Z", "2026-12-31T23:60:00Z",
		"2026-12-31T23:59:60Z", "1969-12-31T23:59:59Z",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad_form) / sizeof(bad_form[0]); i++)
		refuse_fields(NULL, NULL, bad_form[i], NULL, ONSHI_EINVAL,
			      "is not of the form YYYY-MM-DDTHH:MM:SSZ");
	for (size_t i = 0; i < sizeof(not_real) / sizeof(not_real[0]); i++)
		refuse_fields(NULL, NULL, not_real[i], NULL, ONSHI_EINVAL,
			      "is not a real date and time");
	refuse("<MaintenanceManifest><Serial>1</Serial><MedicalInstitutionCode>"
	       "1312345678</MedicalInstitutionCode></MaintenanceManifest>",
	       ONSHI_EINVAL, "has no <NotAfter>");
}

static void test_parse_bad_module(void **state)
{
	static const char *const bad[] = {
		"front-desk",
		"reader:",
		"reader:../etc",
		"printer:x",
		"reader:a b",
		"reader:-x",
		"reader:a/b",
		"Reader:x",
		"reader:x;y",
		"rececon::x",
		"reader:\xe5\x8f\x97\xe4\xbb\x98", /* 受付 */
	};
	char entry[512], name[128], msg[512], *text;
	struct onshi_manifest m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(entry, sizeof(entry),
			 "<Module name=\"%s\" state=\"enabled\"/>\n", bad[i]);
		refuse_fields(NULL, NULL, NULL, entry, ONSHI_EINVAL,
			      "a module name is reader:NAME or rececon:NAME");
	}
	/* 72 characters in all is the limit, 73 is refused. */
	snprintf(name, sizeof(name), "rececon:%064d", 0);
	snprintf(entry, sizeof(entry), "<Reload module=\"%s\"/>\n", name);
	text = manifest(NULL, NULL, NULL, entry);
	assert_int_equal(parse_text(text, &m, msg, sizeof(msg)), ONSHI_OK);
	assert_string_equal(m.entries[0].module, name);
	free(text);
	snprintf(entry, sizeof(entry), "<Reload module=\"%s0\"/>\n", name);
	refuse_fields(NULL, NULL, NULL, entry, ONSHI_EINVAL,
		      "attribute module on <Reload> at line 6 is longer than 72");
	refuse_fields(NULL, NULL, NULL, "<Reload module=\"ws9\"/>\n",
		      ONSHI_EINVAL, "<Reload module=\"ws9\">");
	refuse_fields(NULL, NULL, NULL,
		      "<Module name=\"reader:a\" state=\"Enabled\"/>\n", ONSHI_EINVAL,
		      "state 'Enabled' is neither enabled nor disabled");
	refuse_fields(NULL, NULL, NULL, "<Module name=\"reader:a\" state=\"on\"/>\n",
		      ONSHI_EINVAL, "neither enabled nor disabled");
	refuse_fields(NULL, NULL, NULL, "<Module name=\"reader:a\" state=\"\"/>\n",
		      ONSHI_EINVAL, "neither enabled nor disabled");
	refuse_fields(NULL, NULL, NULL,
		      "<Module name=\"reader:a\" state=\" enabled\"/>\n",
		      ONSHI_EINVAL, "neither enabled nor disabled");
	refuse_fields(NULL, NULL, NULL, "<Module name=\"reader:a\"/>\n",
		      ONSHI_EINVAL, "has no state attribute");
	refuse_fields(NULL, NULL, NULL, "<Module state=\"enabled\"/>\n",
		      ONSHI_EINVAL, "has no name attribute");
	refuse_fields(NULL, NULL, NULL, "<Reload/>\n", ONSHI_EINVAL,
		      "has no module attribute");
	refuse_fields(NULL, NULL, NULL,
		      "<Module name=\"reader:a\" state=\"enabled"
		      "enabledenabledenabled\"/>\n",
		      ONSHI_EINVAL, "longer than");
}

static void test_parse_duplicate_module(void **state)
{
	(void)state;
	refuse_fields(NULL, NULL, NULL,
		      "<Module name=\"reader:a\" state=\"enabled\"/>\n"
		      "<Module name=\"reader:a\" state=\"disabled\"/>\n",
		      ONSHI_EINVAL,
		      "module reader:a is named twice (again at line 7)");
	refuse_fields(NULL, NULL, NULL,
		      "<Module name=\"rececon:ws9\" state=\"disabled\"/>\n"
		      "<Reload module=\"rececon:ws9\"/>\n",
		      ONSHI_EINVAL, "module rececon:ws9 is named twice");
	refuse_fields(NULL, NULL, NULL,
		      "<Reload module=\"rececon:ws9\"/><Reload module=\"rececon:ws9\"/>\n",
		      ONSHI_EINVAL, "named twice");
}

/* n distinct <Module> entries. */
static char *many_entries(size_t n)
{
	size_t cap = n * 64 + 1, used = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, cap - used,
					 "<Module name=\"reader:r%zu\" state=\"enabled\"/>\n",
					 i);
	return s;
}

static void test_parse_limits(void **state)
{
	struct onshi_manifest *m = malloc(sizeof(*m));
	char *entries, *text, *big, msg[512];
	size_t len;

	(void)state;
	assert_non_null(m);
	entries = many_entries(ONSHI_MANIFEST_MAX_ENTRIES);
	text = manifest(NULL, NULL, NULL, entries);
	assert_int_equal(parse_text(text, m, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(m->n_entries, ONSHI_MANIFEST_MAX_ENTRIES);
	assert_string_equal(m->entries[255].module, "reader:r255");
	free(text);
	free(entries);

	entries = many_entries(ONSHI_MANIFEST_MAX_ENTRIES + 1);
	refuse_fields(NULL, NULL, NULL, entries, ONSHI_ETOOBIG,
		      "more than 256 <Module>/<Reload> entries");
	free(entries);

	/* Over 64 KiB: a comment pads a manifest that is otherwise fine. */
	len = ONSHI_MANIFEST_MAX_BYTES + 1;
	big = malloc(len + 1);
	assert_non_null(big);
	text = manifest(NULL, NULL, NULL, "<!--");
	memset(big, 'x', len);
	memcpy(big, text, strlen(text) - strlen("</MaintenanceManifest>\n"));
	memcpy(big + len - 26, "--></MaintenanceManifest>\n", 26);
	big[len] = '\0';
	assert_int_equal(onshi_manifest_parse(big, len, m, msg, sizeof(msg)),
			 ONSHI_ETOOBIG);
	assert_msg_has(msg, "over the limit of 65536");
	/* One byte less is accepted. */
	memcpy(big + len - 27, "--></MaintenanceManifest>\n", 26);
	assert_int_equal(onshi_manifest_parse(big, len - 1, m, msg, sizeof(msg)),
			 ONSHI_OK);
	free(big);
	free(text);
	free(m);
}

/* Hostile bytes in a value must not reach the log as they are. */
static void test_parse_message_is_printable(void **state)
{
	struct onshi_manifest m;
	char msg[512];
	/* A newline and a right-to-left override, both legal XML text. */
	char *text = manifest("4\n\xe2\x80\xae"
			      "2",
			      NULL, NULL, NULL);

	(void)state;
	assert_int_equal(parse_text(text, &m, msg, sizeof(msg)), ONSHI_EINVAL);
	for (const char *p = msg; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	free(text);
}

/* ---- checks against this installation ---- */

static const char *const codes[] = { CODE, "1312345679" };
static const char *const modules[] = {
	"reader:front-desk",
	"reader:exam-room",
	"rececon:ws9",
};

static void parsed(const char *serial, const char *code, const char *not_after,
		   const char *entries, struct onshi_manifest *m)
{
	char *text = manifest(serial, code, not_after, entries), msg[512];

	if (parse_text(text, m, msg, sizeof(msg)) != ONSHI_OK)
		fail_msg("parse failed: %s", msg);
	free(text);
}

static int check(const struct onshi_manifest *m, uint64_t last, time_t now,
		 char *msg, size_t msglen)
{
	return onshi_manifest_check(m, last, codes, 2, modules, 3, now, msg, msglen);
}

static void test_check_good(void **state)
{
	struct onshi_manifest m;
	char msg[512] = "x";

	(void)state;
	parsed(NULL, NULL, NULL, NULL, &m);
	assert_int_equal(check(&m, 0, T_NOT_AFTER - 86400, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(msg, "");
	assert_int_equal(check(&m, 41, T_NOT_AFTER, msg, sizeof(msg)), ONSHI_OK);
	parsed(NULL, "1312345679", NULL, NULL, &m);
	assert_int_equal(check(&m, 41, T_NOT_AFTER, msg, sizeof(msg)), ONSHI_OK);
}

static void test_check_rollback(void **state)
{
	struct onshi_manifest m;
	char msg[512];

	(void)state;
	parsed("41", NULL, NULL, NULL, &m);
	assert_int_equal(check(&m, 42, T_NOT_AFTER - 60, msg, sizeof(msg)),
			 ONSHI_ESTATE);
	assert_msg_has(msg, "serial 41 is not newer than the last applied 42");
	assert_msg_has(msg, "rollback");
	parsed("42", NULL, NULL, NULL, &m);
	assert_int_equal(check(&m, 42, T_NOT_AFTER - 60, msg, sizeof(msg)),
			 ONSHI_ESTATE);
	assert_msg_has(msg, "serial 42 is not newer than the last applied 42");
	assert_msg_has(msg, "replayed");
}

static void test_check_institution(void **state)
{
	struct onshi_manifest m;
	char msg[512];

	(void)state;
	parsed(NULL, "1399999999", NULL, NULL, &m);
	assert_int_equal(check(&m, 0, T_NOT_AFTER - 60, msg, sizeof(msg)),
			 ONSHI_EPERM);
	assert_msg_has(msg, "for institution 1399999999, which this installation "
			    "does not serve (it serves 1312345678 and others)");
	assert_int_equal(onshi_manifest_check(&m, 0, NULL, 0, modules, 3,
					      T_NOT_AFTER - 60, msg, sizeof(msg)),
			 ONSHI_EPERM);
	assert_msg_has(msg, "no institution configured");
}

static void test_check_expired(void **state)
{
	struct onshi_manifest m;
	char msg[512];

	(void)state;
	parsed(NULL, NULL, NULL, NULL, &m);
	assert_int_equal(check(&m, 0, T_NOT_AFTER + 1, msg, sizeof(msg)),
			 ONSHI_ETIMEOUT);
	assert_msg_has(msg, "expired at 2026-12-31T00:00:00Z (NotAfter) and it is "
			    "now 2026-12-31T00:00:01Z");
}

static void test_check_unknown_module(void **state)
{
	struct onshi_manifest m;
	char msg[512];

	(void)state;
	parsed(NULL, NULL, NULL,
	       "<Module name=\"reader:front-desk\" state=\"disabled\"/>\n"
	       "<Reload module=\"rececon:ghost\"/>\n",
	       &m);
	assert_int_equal(check(&m, 0, T_NOT_AFTER - 60, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_msg_has(msg, "unknown module rececon:ghost");
	assert_msg_has(msg, "whole manifest is refused");
}

/* The order the poller uses: verify, parse, check. */
static void test_pipeline(void **state)
{
	struct keys *k = *state;
	struct onshi_manifest m;
	char *text = manifest("43", NULL, NULL, NULL), msg[512];
	unsigned char sig[64];

	sign(k, k->maint_key, text, strlen(text), sig);
	assert_int_equal(onshi_manifest_verify_sig(k->maint_pub, text,
						   strlen(text), sig,
						   sizeof(sig), msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(parse_text(text, &m, msg, sizeof(msg)), ONSHI_OK);
	assert_int_equal(check(&m, 42, T_NOT_AFTER - 3600, msg, sizeof(msg)),
			 ONSHI_OK);
	free(text);
}

/* ---- the state file ---- */

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_state_missing_and_good(void **state)
{
	char *dir = test_tmpdir(), path[4200], msg[512] = "x";
	uint64_t serial = 99;
	struct stat st;
	size_t n;
	unsigned char *text;

	(void)state;
	snprintf(path, sizeof(path), "%s/manifest.serial", dir);
	assert_int_equal(onshi_manifest_state_load(path, &serial, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(serial, 0);
	assert_string_equal(msg, "");

	assert_int_equal(onshi_manifest_state_save(path, 42, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_manifest_state_load(path, &serial, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(serial, 42);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	text = read_bytes(path, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(text, "42\n", 3);
	free(text);

	/* Replaced in place, and no temporary file left beside it. */
	assert_int_equal(onshi_manifest_state_save(path, ONSHI_MANIFEST_SERIAL_MAX,
						   msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(onshi_manifest_state_load(path, &serial, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_true(serial == ONSHI_MANIFEST_SERIAL_MAX);
	assert_int_equal(count_entries(dir), 1);

	assert_int_equal(onshi_manifest_state_save(path, ONSHI_MANIFEST_SERIAL_MAX + 1,
						   msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "over the maximum");
	test_rmtree(dir);
}

static void test_state_corrupt(void **state)
{
	static const char *const bad[] = {
		"",
		"42",
		"42\n\n",
		"abc\n",
		"-1\n",
		" 42\n",
		"42 \n",
		"042\n",
		"00\n",
		"\n",
		"+1\n",
		"4\x00"
		"2\n",
		"99999999999999999999\n",
		"9223372036854775808\n",
		"42\r\n",
		"1111111111111111111111111111111111111111111111111111111111\n",
	};
	static const size_t bad_len[] = { 0, 2, 4, 4, 3,  4,  4, 4,
					  3, 1, 3, 4, 21, 20, 4, 59 };
	char *dir = test_tmpdir(), path[4200], msg[512];
	uint64_t serial;

	(void)state;
	snprintf(path, sizeof(path), "%s/manifest.serial", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_bytes(path, bad[i], bad_len[i]);
		chmod(path, 0600);
		serial = 7;
		if (onshi_manifest_state_load(path, &serial, msg, sizeof(msg)) !=
		    ONSHI_EINVAL)
			fail_msg("state file case %zu was accepted", i);
		assert_msg_has(msg, "is corrupt");
		assert_msg_has(msg, "rather than starting again from serial 0");
		/* Never a silent 0: the caller must not use serial at all. */
		assert_int_equal(serial, 0);
	}
	write_bytes(path, "0\n", 2);
	chmod(path, 0600);
	assert_int_equal(onshi_manifest_state_load(path, &serial, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(serial, 0);
	test_rmtree(dir);
}

static void test_state_unsafe(void **state)
{
	char *dir = test_tmpdir(), path[4200], link[4300], msg[512];
	uint64_t serial;

	(void)state;
	snprintf(path, sizeof(path), "%s/manifest.serial", dir);
	assert_int_equal(onshi_manifest_state_save(path, 5, msg, sizeof(msg)),
			 ONSHI_OK);
	chmod(path, 0620);
	assert_int_equal(onshi_manifest_state_load(path, &serial, msg, sizeof(msg)),
			 ONSHI_EPERM);
	assert_msg_has(msg, "writable by group or others (mode 620)");
	chmod(path, 0600);

	snprintf(link, sizeof(link), "%s/link.serial", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(onshi_manifest_state_load(link, &serial, msg, sizeof(msg)),
			 ONSHI_EPERM);
	assert_msg_has(msg, "symbolic link");

	assert_int_equal(onshi_manifest_state_load(dir, &serial, msg, sizeof(msg)),
			 ONSHI_EIO);
	assert_msg_has(msg, "not a regular file");

	snprintf(path, sizeof(path), "%s/absent/manifest.serial", dir);
	assert_int_equal(onshi_manifest_state_save(path, 5, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(onshi_manifest_state_save(path, 5, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "names a folder");
	test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_good),
		cmocka_unit_test(test_sig_other_key),
		cmocka_unit_test(test_sig_flipped_byte),
		cmocka_unit_test(test_sig_bad_length),
		cmocka_unit_test(test_sig_empty_manifest),
		cmocka_unit_test(test_sig_wrong_key_type),
		cmocka_unit_test(test_sig_oversized),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_doctype),
		cmocka_unit_test(test_parse_entity_bomb),
		cmocka_unit_test(test_parse_not_xml),
		cmocka_unit_test(test_parse_unknown_element),
		cmocka_unit_test(test_parse_unknown_attribute),
		cmocka_unit_test(test_parse_bad_serial),
		cmocka_unit_test(test_parse_bad_code),
		cmocka_unit_test(test_parse_bad_not_after),
		cmocka_unit_test(test_parse_bad_module),
		cmocka_unit_test(test_parse_duplicate_module),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_message_is_printable),
		cmocka_unit_test(test_check_good),
		cmocka_unit_test(test_check_rollback),
		cmocka_unit_test(test_check_institution),
		cmocka_unit_test(test_check_expired),
		cmocka_unit_test(test_check_unknown_module),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_state_missing_and_good),
		cmocka_unit_test(test_state_corrupt),
		cmocka_unit_test(test_state_unsafe),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
