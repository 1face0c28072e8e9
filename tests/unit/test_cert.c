/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cert.c — the certificate checks against a real test PKI: the group
 * setup runs tools/onshi-pki once into a temporary folder, and every case
 * (valid, expired, not yet valid, wrong key, wrong CA, expiring, PKCS#12,
 * CSR round trip through a CA, install checks, JPKI cards, PIN signatures,
 * face attestations) uses the certificates it made, checking both the
 * return code and the words of the operator's message.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cert.h"
#include "mask.h"
#include "testutil.h"

struct pki {
	char *tmp;      /* removed at teardown */
	char dir[4200]; /* tmp/pki */
};

/* Which messages must contain: fail with the message when they do not. */
static void assert_msg_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

/*
 * A path in the PKI. The result lives until the fourth call after this
 * one: enough for the arguments of one call. Keep a path longer with
 * pki_keep().
 */
/* Compare an onshi_err result, showing the message (msg in scope) if off. */
#define assert_onshi_err(call, want)                                           \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != (want))                                             \
			fail_msg("got %d, want %d (%s): %s", rc_, (int)(want), \
				 #want, msg);                                  \
	} while (0)

static const char *pki_path(const struct pki *p, const char *rel)
{
	static char buf[4][4400];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", p->dir, rel);
	return b;
}

static void pki_keep(const struct pki *p, const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", p->dir, rel);
}

static int group_setup(void **state)
{
	struct pki *p = calloc(1, sizeof(*p));
	char cmd[8800];

	if (p == NULL)
		return -1;
	p->tmp = test_tmpdir();
	snprintf(p->dir, sizeof(p->dir), "%s/pki", p->tmp);
	snprintf(cmd, sizeof(cmd), "'%s' -q --cards 3 '%s'", PKI_TOOL, p->dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "onshi-pki failed: %s\n", cmd);
		test_rmtree(p->tmp);
		free(p);
		return -1;
	}
	*state = p;
	return 0;
}

static int group_teardown(void **state)
{
	struct pki *p = *state;

	test_rmtree(p->tmp);
	free(p);
	return 0;
}

/* The DER bytes of a PEM certificate file. */
static unsigned char *cert_der(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	unsigned char *der = NULL;
	int n;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	n = i2d_X509(x, &der);
	X509_free(x);
	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	return k;
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

/* SHA-256 signature with key (PKCS#1 v1.5 for RSA, DER ECDSA for EC). */
static unsigned char *sign(const char *keypath, const void *data, size_t len,
			   size_t *siglen)
{
	EVP_PKEY *k = load_key(keypath);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned char *sig;

	assert_non_null(m);
	assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(m, NULL, siglen, data, len), 1);
	sig = malloc(*siglen);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(m, sig, siglen, data, len), 1);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(k);
	return sig;
}

/* A card's serial as listed in jpki/cards.tsv (column 4). */
static void tsv_serial(const struct pki *p, const char *cert, char *out, size_t size)
{
	FILE *f = fopen(pki_path(p, "jpki/cards.tsv"), "r");
	char line[1024], c[256], s[64];

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%*s %255s %*s %63s", c, s) == 2 &&
		    strcmp(c, cert) == 0)
			snprintf(out, size, "%s", s);
	fclose(f);
	assert_true(out[0] != '\0');
}

/* ---- the clinic certificate ---- */

static int check_pem(const struct pki *p, const char *crt, const char *key,
		     int with_ca, time_t now, struct onshi_cert_info *info,
		     char *msg, size_t msglen)
{
	return onshi_cert_check_client(pki_path(p, crt), pki_path(p, key), NULL, NULL,
				       with_ca ? pki_path(p, "national-ca.crt") : NULL,
				       now, info, msg, msglen);
}

static void test_client_valid(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512];
	time_t now = time(NULL);

	assert_onshi_err(check_pem(p, "clinic.crt", "clinic.key", 1, now, &info,
				   msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(info.cn, "1312345678");
	assert_msg_has(info.subject, "O=Onshi Test Clinic");
	assert_msg_has(info.subject, "CN=1312345678");
	assert_msg_has(info.issuer, "onshi TEST national CA");
	assert_true(strlen(info.serial_hex) > 0);
	assert_true(info.not_before <= now && now < info.not_after);
	assert_true(info.days_left >= 363 && info.days_left <= 365);
	assert_int_equal(info.warning, 0);
	assert_msg_has(msg, "valid until");
	assert_msg_has(msg, "1312345678");

	assert_onshi_err(onshi_cert_check_institution(&info, "1312345678", msg,
						      sizeof(msg)),
			 ONSHI_OK);
	assert_onshi_err(onshi_cert_check_institution(&info, "1312345679", msg,
						      sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "is for institution code 1312345678");
	assert_msg_has(msg, "[institution] code is 1312345679");

	/* Without a CA bundle, the chain is not checked: wrong CA passes. */
	assert_onshi_err(check_pem(p, "clinic-wrongca.crt", "clinic-wrongca.key",
				   0, now, &info, msg, sizeof(msg)),
			 ONSHI_OK);
	/* The dental certificate under the same CA. */
	assert_onshi_err(check_pem(p, "clinic-dental.crt", "clinic-dental.key",
				   1, now, &info, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(info.cn, "1312345679");
}

static void test_client_expired(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512], day[16];
	struct tm tm;
	time_t now = time(NULL);

	assert_onshi_err(check_pem(p, "clinic-expired.crt", "clinic-expired.key",
				   1, now, &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "client certificate expired on ");
	assert_msg_has(msg, "run `onshictl cert csr`");
	/* info is filled anyway, for `status`. */
	assert_string_equal(info.cn, "1312345678");
	assert_true(info.days_left < 0);
	gmtime_r(&info.not_after, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	assert_msg_has(msg, day);

	/* The same good certificate at a later `now`. */
	assert_onshi_err(check_pem(p, "clinic.crt", "clinic.key", 1,
				   now + 400L * 86400, &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "expired on");
}

static void test_client_notyet(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512];

	assert_onshi_err(check_pem(p, "clinic-notyet.crt", "clinic-notyet.key",
				   1, time(NULL), &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "client certificate not valid before 20");
	assert_msg_has(msg, "UTC");
	assert_msg_has(msg, "system clock");
	assert_true(info.not_before > time(NULL));
}

static void test_client_wrong_key(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512];

	assert_onshi_err(check_pem(p, "clinic.crt", "clinic-wrongkey.key", 1,
				   time(NULL), &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "client key ");
	assert_msg_has(msg, "clinic-wrongkey.key does not match the certificate");
	assert_msg_has(msg, info.serial_hex);
}

static void test_client_wrong_ca(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512];

	assert_onshi_err(check_pem(p, "clinic-wrongca.crt", "clinic-wrongca.key",
				   1, time(NULL), &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "client certificate was not issued by a CA in ");
	assert_msg_has(msg, "national-ca.crt");
	assert_msg_has(msg, "onshi TEST wrong CA");
}

static void test_client_expiring(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512];
	time_t now = time(NULL);

	assert_onshi_err(check_pem(p, "clinic-expiring.crt", "clinic-expiring.key",
				   1, now, &info, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_true(info.days_left == 9 || info.days_left == 10);
	assert_int_equal(info.warning, 1);
	assert_msg_has(info.warning_msg, "client certificate expires in ");
	assert_msg_has(info.warning_msg, "run `onshictl cert csr`");
	assert_string_equal(msg, info.warning_msg);

	/* The valid one enters the window 30 days out, not before. */
	assert_onshi_err(check_pem(p, "clinic.crt", "clinic.key", 1,
				   now + 300L * 86400, &info, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(info.warning, 0);
	assert_onshi_err(check_pem(p, "clinic.crt", "clinic.key", 1,
				   info.not_after - 29L * 86400 - 10, &info,
				   msg, sizeof(msg)),
			 ONSHI_OK);
	assert_int_equal(info.warning, 1);
	assert_int_equal(info.days_left, 29);
	assert_msg_has(msg, "expires in 29 days");
}

static void test_client_p12(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512];
	char p12[4400], ca[4400];

	pki_keep(p, "clinic.p12", p12, sizeof(p12));
	pki_keep(p, "national-ca.crt", ca, sizeof(ca));

	assert_onshi_err(onshi_cert_check_client(NULL, NULL, p12, "", ca, time(NULL),
						 &info, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(info.cn, "1312345678");
	assert_onshi_err(onshi_cert_check_client(NULL, NULL, p12, NULL, ca,
						 time(NULL), &info, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_onshi_err(onshi_cert_check_client(NULL, NULL, p12, "secret", ca,
						 time(NULL), &info, msg, sizeof(msg)),
			 ONSHI_EPERM);
	assert_msg_has(msg, "wrong password");
	assert_msg_has(msg, "clinic.p12");
	/* A PEM file is not a PKCS#12 file. */
	assert_onshi_err(onshi_cert_check_client(NULL, NULL, pki_path(p, "clinic.crt"),
						 "", ca, time(NULL), &info, msg,
						 sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "is not a PKCS#12");
}

static void test_client_bad_files(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512];

	assert_onshi_err(check_pem(p, "nosuch.crt", "clinic.key", 1, time(NULL),
				   &info, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_msg_has(msg, "nosuch.crt");
	assert_onshi_err(check_pem(p, "clinic.crt", "nosuch.key", 1, time(NULL),
				   &info, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_msg_has(msg, "client key");
	/* A key where the certificate belongs, and the other way round. */
	assert_onshi_err(check_pem(p, "clinic.key", "clinic.key", 1, time(NULL),
				   &info, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "is not a PEM certificate");
	assert_onshi_err(check_pem(p, "clinic.crt", "clinic.crt", 1, time(NULL),
				   &info, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "is not a private key");
	assert_onshi_err(onshi_cert_check_client(pki_path(p, "clinic.crt"),
						 pki_path(p, "clinic.key"), NULL,
						 NULL, pki_path(p, "nosuch-ca.crt"),
						 time(NULL), &info, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_msg_has(msg, "nosuch-ca.crt");
	assert_onshi_err(onshi_cert_check_client(NULL, NULL, NULL, NULL, NULL,
						 time(NULL), NULL, msg, sizeof(msg)),
			 ONSHI_EINVAL);
}

/* ---- CSR and install ---- */

/* Sign a CSR with the national CA, as the issuer would. */
static void issue(const struct pki *p, const char *csr_path, const char *out_path)
{
	X509 *ca = load_cert(pki_path(p, "national-ca.crt"));
	EVP_PKEY *cakey = load_key(pki_path(p, "national-ca.key"));
	FILE *f = fopen(csr_path, "r");
	X509_REQ *req;
	X509 *x = X509_new();

	assert_non_null(f);
	req = PEM_read_X509_REQ(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(req);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 424242), 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(ca)), 1);
	assert_int_equal(X509_set_subject_name(x, X509_REQ_get_subject_name(req)), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 400L * 86400));
	assert_int_equal(X509_set_pubkey(x, X509_REQ_get0_pubkey(req)), 1);
	assert_true(X509_sign(x, cakey, EVP_sha256()) > 0);
	f = fopen(out_path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
	X509_REQ_free(req);
	EVP_PKEY_free(cakey);
	X509_free(ca);
}

static void name_field(X509_NAME *n, int nid, char *out, size_t size)
{
	assert_true(X509_NAME_get_text_by_NID(n, nid, out, (int)size) > 0);
}

static void test_csr_roundtrip(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char key[4400], csr[4400], crt[4400], msg[512], field[256];
	const char *org = "オンシ内科クリニック";
	struct stat st;
	X509_REQ *req;
	EVP_PKEY *k;
	FILE *f;

	snprintf(key, sizeof(key), "%s/new.key", p->tmp);
	snprintf(csr, sizeof(csr), "%s/new.csr", p->tmp);
	snprintf(crt, sizeof(crt), "%s/new.crt", p->tmp);
	assert_onshi_err(onshi_cert_make_csr(key, csr, "1312345678", org, msg,
					     sizeof(msg)),
			 ONSHI_OK);
	assert_msg_has(msg, "send the CSR to the issuer");
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(csr, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	f = fopen(csr, "r");
	assert_non_null(f);
	req = PEM_read_X509_REQ(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(req);
	assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	name_field(X509_REQ_get_subject_name(req), NID_commonName, field,
		   sizeof(field));
	assert_string_equal(field, "1312345678");
	name_field(X509_REQ_get_subject_name(req), NID_countryName, field,
		   sizeof(field));
	assert_string_equal(field, "JP");
	k = load_key(key);
	assert_int_equal(EVP_PKEY_get_base_id(k), EVP_PKEY_EC);
	assert_int_equal(EVP_PKEY_get_bits(k), 256);
	assert_int_equal(EVP_PKEY_eq(k, X509_REQ_get0_pubkey(req)), 1);
	EVP_PKEY_free(k);
	X509_REQ_free(req);

	/* The issuer signs it; install accepts it with the new key only. */
	issue(p, csr, crt);
	assert_onshi_err(onshi_cert_check_install(crt, key,
						  pki_path(p, "national-ca.crt"),
						  time(NULL), &info, msg,
						  sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(info.cn, "1312345678");
	assert_msg_has(info.subject, org); /* UTF-8 kept readable */
	assert_string_equal(info.serial_hex, "067932");
	assert_msg_has(msg, "passes every check");
	assert_onshi_err(onshi_cert_check_install(crt, pki_path(p, "clinic.key"),
						  pki_path(p, "national-ca.crt"),
						  time(NULL), &info, msg,
						  sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "does not match the key");

	/* Re-running replaces both files completely. */
	assert_onshi_err(onshi_cert_make_csr(key, csr, "1312345678", NULL, msg,
					     sizeof(msg)),
			 ONSHI_OK);
	assert_onshi_err(onshi_cert_check_install(crt, key,
						  pki_path(p, "national-ca.crt"),
						  time(NULL), &info, msg,
						  sizeof(msg)),
			 ONSHI_ECRYPTO);
}

static void test_csr_errors(void **state)
{
	struct pki *p = *state;
	char key[4400], csr[4400], msg[512], org[200];

	snprintf(key, sizeof(key), "%s/bad.key", p->tmp);
	snprintf(csr, sizeof(csr), "%s/bad.csr", p->tmp);
	assert_onshi_err(onshi_cert_make_csr(key, csr, "131234567", NULL, msg,
					     sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "is not 10 digits");
	assert_onshi_err(onshi_cert_make_csr(key, csr, "13123456x8", NULL, msg,
					     sizeof(msg)),
			 ONSHI_EINVAL);
	assert_onshi_err(onshi_cert_make_csr(key, key, "1312345678", NULL, msg,
					     sizeof(msg)),
			 ONSHI_EINVAL);
	memset(org, 'A', sizeof(org) - 1);
	org[sizeof(org) - 1] = '\0';
	assert_onshi_err(onshi_cert_make_csr(key, csr, "1312345678", org, msg,
					     sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "at most 64 characters");
	assert_int_equal(access(key, F_OK), -1); /* nothing written */
	assert_onshi_err(onshi_cert_make_csr("/nonexistent-dir/x.key", csr,
					     "1312345678", NULL, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_int_equal(access(csr, F_OK), -1);
}

static void test_install_checks(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_info info;
	char msg[512], junk[4400], ca[4400];
	time_t now = time(NULL);

	pki_keep(p, "national-ca.crt", ca, sizeof(ca));
	assert_onshi_err(onshi_cert_check_install(pki_path(p, "clinic.crt"),
						  pki_path(p, "clinic.key"), ca,
						  now, &info, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_onshi_err(onshi_cert_check_install(pki_path(p, "clinic.crt"),
						  pki_path(p, "clinic-wrongkey.key"),
						  ca, now, &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "the new certificate ");
	assert_msg_has(msg, "does not match the key ");
	assert_msg_has(msg, "onshictl cert csr");
	assert_onshi_err(onshi_cert_check_install(pki_path(p, "clinic-wrongca.crt"),
						  pki_path(p, "clinic-wrongca.key"),
						  ca, now, &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "the new certificate was not issued by a CA in ");
	assert_msg_has(msg, "install the certificate the issuer sent");
	assert_onshi_err(onshi_cert_check_install(pki_path(p, "clinic-expired.crt"),
						  pki_path(p, "clinic-expired.key"),
						  ca, now, &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "the new certificate expired on ");
	assert_onshi_err(onshi_cert_check_install(pki_path(p, "clinic-notyet.crt"),
						  pki_path(p, "clinic-notyet.key"),
						  ca, now, &info, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "the new certificate is not valid before ");
	/* Not a certificate at all. */
	test_write(p->tmp, "junk.crt", "this is not a certificate\n");
	snprintf(junk, sizeof(junk), "%s/junk.crt", p->tmp);
	assert_onshi_err(onshi_cert_check_install(junk, pki_path(p, "clinic.key"),
						  ca, now, &info, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "is not a certificate");
	assert_onshi_err(onshi_cert_check_install(pki_path(p, "clinic.crt"),
						  pki_path(p, "clinic.key"), NULL,
						  now, &info, msg, sizeof(msg)),
			 ONSHI_EINVAL);
}

/* ---- JPKI cards ---- */

static void test_jpki_cards(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_trust *t;
	char msg[512], serial[80], want[80];
	unsigned char *der;
	size_t len;
	time_t now = time(NULL);

	assert_onshi_err(onshi_cert_trust_load_dir(pki_path(p, "jpki"), &t, msg,
						   sizeof(msg)),
			 ONSHI_OK);

	der = cert_der(pki_path(p, "jpki/cards/card-01.crt"), &len);
	assert_onshi_err(onshi_cert_jpki_check(t, der, len, now, serial,
					       sizeof(serial), msg, sizeof(msg)),
			 ONSHI_OK);
	tsv_serial(p, "cards/card-01.crt", want, sizeof(want));
	assert_string_equal(serial, want);
	/* The same through the one-shot form. */
	assert_onshi_err(onshi_cert_jpki_verify(pki_path(p, "jpki"), der, len,
						now, serial, sizeof(serial),
						msg, sizeof(msg)),
			 ONSHI_OK);
	assert_string_equal(serial, want);
	/* A truncated certificate. */
	assert_onshi_err(onshi_cert_jpki_check(t, der, len - 5, now, serial,
					       sizeof(serial), msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "not a DER X.509 certificate");
	free(der);

	der = cert_der(pki_path(p, "jpki/cards/revoked.crt"), &len);
	assert_onshi_err(onshi_cert_jpki_check(t, der, len, now, serial,
					       sizeof(serial), msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	tsv_serial(p, "cards/revoked.crt", want, sizeof(want));
	assert_string_equal(serial, want); /* named even when refused */
	assert_msg_has(msg, "is revoked");
	{
		/* The message reaches logs: the serial only masked. */
		char masked[80];

		onshi_mask_number(masked, sizeof(masked), want);
		assert_msg_has(msg, masked);
		assert_null(strstr(msg, want));
	}
	free(der);

	der = cert_der(pki_path(p, "jpki/cards/expired.crt"), &len);
	assert_onshi_err(onshi_cert_jpki_check(t, der, len, now, serial,
					       sizeof(serial), msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "My Number Card certificate expired on ");
	assert_msg_has(msg, "municipal office");
	free(der);

	/* The card's signing certificate is not its login certificate. */
	der = cert_der(pki_path(p, "jpki/cards/card-01-sign.crt"), &len);
	assert_onshi_err(onshi_cert_jpki_check(t, der, len, now, serial,
					       sizeof(serial), msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "digital-signature certificate");
	free(der);

	/* A certificate from a CA that is not JPKI. */
	der = cert_der(pki_path(p, "clinic-wrongca.crt"), &len);
	assert_onshi_err(onshi_cert_jpki_check(t, der, len, now, serial,
					       sizeof(serial), msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "was not issued by a CA in ");
	assert_msg_has(msg, "onshi TEST wrong CA");
	free(der);

	/* Once its CRL is out of date, cards cannot be checked. */
	der = cert_der(pki_path(p, "jpki/cards/card-02.crt"), &len);
	assert_onshi_err(onshi_cert_jpki_check(t, der, len, now + 380L * 86400, serial,
					       sizeof(serial), msg, sizeof(msg)),
			 ONSHI_ESTATE);
	assert_msg_has(msg, "CRL");
	assert_msg_has(msg, "out of date");
	free(der);
	onshi_cert_trust_free(t);
}

static void test_jpki_trust_dir(void **state)
{
	struct pki *p = *state;
	struct onshi_cert_trust *t;
	char msg[512], dir[2048], cmd[9000], serial[80];
	unsigned char *der;
	size_t len;

	assert_onshi_err(onshi_cert_trust_load_dir("/nonexistent-trust", &t,
						   msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_null(t);
	assert_msg_has(msg, "/nonexistent-trust");

	/* Keys and other files alone are no trust set. */
	snprintf(dir, sizeof(dir), "%s/trust", p->tmp);
	snprintf(cmd, sizeof(cmd), "mkdir '%s' && cp '%s' '%s' '%s/'", dir,
		 pki_path(p, "jpki/auth-ca.key"), pki_path(p, "jpki/cards.tsv"),
		 dir);
	assert_int_equal(system(cmd), 0);
	assert_onshi_err(onshi_cert_trust_load_dir(dir, &t, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	assert_msg_has(msg, "no CA certificate");

	/* The CA without its CRL: cards check, revocation cannot be seen. */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/'",
		 pki_path(p, "jpki/auth-ca.crt"), dir);
	assert_int_equal(system(cmd), 0);
	der = cert_der(pki_path(p, "jpki/cards/revoked.crt"), &len);
	assert_onshi_err(onshi_cert_jpki_verify(dir, der, len, time(NULL), serial,
						sizeof(serial), msg, sizeof(msg)),
			 ONSHI_OK);

	/* A broken *.crt fails the load, naming the file. */
	test_write(dir, "broken.crt", "-----BEGIN CERTIFICATE-----\nxx\n");
	assert_onshi_err(onshi_cert_jpki_verify(dir, der, len, time(NULL), serial,
						sizeof(serial), msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "broken.crt");
	free(der);
}

/* ---- PIN signatures and face attestations ---- */

#define NONCE "0123456789abcdef0123456789abcdef"

static void test_pin_signature(void **state)
{
	struct pki *p = *state;
	unsigned char *der, *sig;
	size_t len, siglen;
	char msg[512];

	der = cert_der(pki_path(p, "jpki/cards/card-01.crt"), &len);
	sig = sign(pki_path(p, "jpki/cards/card-01.key"), NONCE, strlen(NONCE),
		   &siglen);
	assert_int_equal(siglen, 256);
	assert_onshi_err(onshi_cert_verify_pin_signature(der, len, NONCE, sig,
							 siglen, msg, sizeof(msg)),
			 ONSHI_OK);
	/* Another nonce, a flipped bit, a truncated signature. */
	assert_onshi_err(onshi_cert_verify_pin_signature(der, len, "fedcba9876543210fedcba9876543210",
							 sig, siglen, msg,
							 sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "PIN signature does not verify");
	sig[100] ^= 1;
	assert_onshi_err(onshi_cert_verify_pin_signature(der, len, NONCE, sig,
							 siglen, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	sig[100] ^= 1;
	assert_onshi_err(onshi_cert_verify_pin_signature(der, len, NONCE, sig,
							 siglen - 1, msg,
							 sizeof(msg)),
			 ONSHI_ECRYPTO);
	free(sig);

	/* Signed by another card. */
	sig = sign(pki_path(p, "jpki/cards/card-02.key"), NONCE, strlen(NONCE),
		   &siglen);
	assert_onshi_err(onshi_cert_verify_pin_signature(der, len, NONCE, sig,
							 siglen, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	free(sig);
	free(der);

	/* An EC certificate is no card certificate. */
	der = cert_der(pki_path(p, "clinic.crt"), &len);
	sig = sign(pki_path(p, "clinic.key"), NONCE, strlen(NONCE), &siglen);
	assert_onshi_err(onshi_cert_verify_pin_signature(der, len, NONCE, sig,
							 siglen, msg, sizeof(msg)),
			 ONSHI_EINVAL);
	assert_msg_has(msg, "no RSA key");
	free(sig);
	free(der);
}

/* The reader's attestation over nonce and card, as docs/national-api.md. */
static unsigned char *attest(const char *reader_key, const unsigned char *card,
			     size_t card_len, const char *nonce, size_t *siglen)
{
	unsigned char md[32];
	char text[256];
	int n, i;

	assert_int_equal(EVP_Digest(card, card_len, md, NULL, EVP_sha256(), NULL), 1);
	n = snprintf(text, sizeof(text), "onshi-face-v1\n%s\n", nonce);
	for (i = 0; i < 32; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%02x", md[i]);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	return sign(reader_key, text, (size_t)n, siglen);
}

static void test_face_attestation(void **state)
{
	struct pki *p = *state;
	unsigned char *reader, *rogue, *card, *card2, *sig;
	size_t rlen, glen, clen, c2len, siglen;
	struct onshi_cert_trust *t;
	char msg[512], ca[4400];
	time_t now = time(NULL);

	pki_keep(p, "readers/reader-ca.crt", ca, sizeof(ca));
	reader = cert_der(pki_path(p, "readers/panasonic.crt"), &rlen);
	rogue = cert_der(pki_path(p, "readers/rogue.crt"), &glen);
	card = cert_der(pki_path(p, "jpki/cards/card-01.crt"), &clen);
	card2 = cert_der(pki_path(p, "jpki/cards/card-02.crt"), &c2len);

	sig = attest(pki_path(p, "readers/panasonic.key"), card, clen, NONCE, &siglen);
	assert_onshi_err(onshi_cert_verify_face_attestation(reader, rlen, ca, card,
							    clen, NONCE, sig, siglen,
							    now, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_onshi_err(onshi_cert_trust_load_file(ca, &t, msg, sizeof(msg)),
			 ONSHI_OK);
	assert_onshi_err(onshi_cert_check_face_attestation(t, reader, rlen, card,
							   clen, NONCE, sig, siglen,
							   now, msg, sizeof(msg)),
			 ONSHI_OK);
	/* Another card, another nonce: the attestation does not fit. */
	assert_onshi_err(onshi_cert_check_face_attestation(t, reader, rlen, card2,
							   c2len, NONCE, sig, siglen,
							   now, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "attestation does not verify");
	assert_onshi_err(onshi_cert_check_face_attestation(t, reader, rlen, card,
							   clen, "ffffffffffffffffffffffffffffffff",
							   sig, siglen, now,
							   msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	/* Signed by another vendor's reader, presented as panasonic. */
	free(sig);
	sig = attest(pki_path(p, "readers/fujitsu.key"), card, clen, NONCE, &siglen);
	assert_onshi_err(onshi_cert_check_face_attestation(t, reader, rlen, card,
							   clen, NONCE, sig, siglen,
							   now, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	free(sig);

	/* The rogue reader signs correctly, but its CA is not trusted. */
	sig = attest(pki_path(p, "readers/rogue.key"), card, clen, NONCE, &siglen);
	assert_onshi_err(onshi_cert_check_face_attestation(t, rogue, glen, card,
							   clen, NONCE, sig, siglen,
							   now, msg, sizeof(msg)),
			 ONSHI_ECRYPTO);
	assert_msg_has(msg, "face-auth reader certificate");
	assert_msg_has(msg, "was not issued by a CA in ");
	assert_msg_has(msg, "the reader is not trusted");
	free(sig);
	onshi_cert_trust_free(t);

	/* A reader CA file that is missing. */
	assert_onshi_err(onshi_cert_verify_face_attestation(reader, rlen,
							    "/nonexistent.crt", card,
							    clen, NONCE, card, 10,
							    now, msg, sizeof(msg)),
			 ONSHI_ENOTFOUND);
	free(reader);
	free(rogue);
	free(card);
	free(card2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_valid),
		cmocka_unit_test(test_client_expired),
		cmocka_unit_test(test_client_notyet),
		cmocka_unit_test(test_client_wrong_key),
		cmocka_unit_test(test_client_wrong_ca),
		cmocka_unit_test(test_client_expiring),
		cmocka_unit_test(test_client_p12),
		cmocka_unit_test(test_client_bad_files),
		cmocka_unit_test(test_csr_roundtrip),
		cmocka_unit_test(test_csr_errors),
		cmocka_unit_test(test_install_checks),
		cmocka_unit_test(test_jpki_cards),
		cmocka_unit_test(test_jpki_trust_dir),
		cmocka_unit_test(test_pin_signature),
		cmocka_unit_test(test_face_attestation),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
