/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_card_apdu.c — the virtual My Number Card's APDU engine, without
 * pcscd: SELECT, READ BINARY with offsets, the PIN retry counter and
 * lock-out, COMPUTE DIGITAL SIGNATURE (checked with OpenSSL against the
 * certificate), and hostile APDUs that must get an error SW, not a crash.
 * The card's certificate is made here, once, for a fixed test key (making
 * an RSA-2048 key under valgrind takes half a minute).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "jpki_card.h"

/* A throw-away RSA-2048 key, made for this test only. */
static const char test_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQDB5C68LPXPpP+U\n"
	"VNH6mjAjSUkissYxhiDnxdTcf9x787GquJ9vmm4evIRVdSMNJboq0wkOLsumufcm\n"
	"V/mVH6aZCvYrIXsKaOrtQFZbQS4xMF8k4Y7JsPtIrtVZ//zK7Hqb/Tkgd7mbDuM+\n"
	"wQrpUjirA/i9VqaKDdr4w4OQ1WPD4k4+7sT3F4Lf7FN19tV4PBi3yLWXjeknWcV5\n"
	"iOKhR1mUEHSZP7PLrgiSFGnFQjw4lJxUFqtPP2C0/MCiCkWhkBV54jli1R8clq1A\n"
	"csIoZRgK5HpTeroDgRHBtB1b7Kk+Rcrelg6yDoJeU9tDvGToVbuQnwghaVxU2vxJ\n"
	"lUQAcFZfAgMBAAECggEAAYu2D9yoFr04rSiIVYq+qu3rl+pFVIMsR/v8uhC5XaXl\n"
	"bUeSwmUDpH6EQRccQ0iqSTFORrMM/0Ccq2uumwemI2lyxPZmap8FCBEVt4sAuS0w\n"
	"+Y/SBbGdOedN9y1WIXNzFsleNnYlgc2fDr1mSvcKXcHmurWZwbjDUWEmysrlq/Qx\n"
	"lSgXFqczFOFEMnls2UIkXeaySZKfxddqfLJKaU5coEdV/JLD1FEChsIA9zd6xAz+\n"
	"fkxbIk+k8Rl1CAdG/rQ4zVOjpySuLVP93InX9nyvG6jZvx97UfSF9kHP1DGqUCKY\n"
	"570YUjAaD7ANvuX+fGrjtDuTt0Jv9a943UbnaFFnQQKBgQD4tkHYmBc7sca4TmIQ\n"
	"Hb/xwVQbJsJTrybgC+ma7wZXOk96FunCIGpiPvC++YUj7wMIw/MdvbE1JW//76Zu\n"
	"pIM49wNNgQZVjOSLiZ4gTcaBaw5LfunwFAPWyGJ4ZNu/37LPk3VoNSSR1xZLk1tz\n"
	"lNoP6IbHXOPmXjM5C1540649hwKBgQDHkq6TlAKx0NWn4YlX3vIpvcwldiKPXJkF\n"
	"8dxhd0PLrEZa3lzW9eOfKLHxIKLU2rf+lY5FtJeWzdZ2/G9UwfvWbsaMoVdVUQlT\n"
	"AwmtW6fi5FwqvKGyjXpI0vp66vKodsRPK9DTQ38MuSlacfniDUeInzUd33cBDlvx\n"
	"ojBkVbSWaQKBgQDRfaMk76bSL0I1SECtVoGw/qj7XcBdgLD8EsyoJiFvI7yCF/65\n"
	"91fkfSOHmOEejVo+7d4/9OHo5CncqF3F4GhveRCdHcraEJ0JM9evWhOUOzqFONeP\n"
	"0ywQpCTdSAcZLTGOSqSgK/MrrMIo0mw7hOvQbonoL0P/bOU0bXEb0SF4zQKBgQCE\n"
	"TsJeJGoE6KY8vlEHaE6zTZjh3Qfcc08fmdC47RCNHpEl/PUfrbRR9/DAIxrQcpA4\n"
	"v32qyKcW2y+rgn9seY40AwyufugfL7I2znTD8VfEHBDeZF/ut8yyKuzUQJ7PAK30\n"
	"rt+qr7yy+q5nv9gh/RvHf4T/YP7MPHDIKPZcDlXCwQKBgQDXaQrCzbNBY9OrvKP8\n"
	"MoMqYm1NKzDfTJJqFYO29bq7wMqacTXlll1F6NTwrTvD90KC/ACOt27N/qGJmHlS\n"
	"yOpLx5oVFFetpydOEOA7lNEnqxJAx03p+qe57Y358yu7IvQ9CxpEik74s/H4z5/K\n"
	"MuFUUyApWCnbQloWM1qbnnZ6jA==\n"
	"-----END PRIVATE KEY-----\n";

static EVP_PKEY *test_key;
static unsigned char *test_cert_der;
static size_t test_cert_len;

static const unsigned char sel_ap[] = { 0x00, 0xA4, 0x04, 0x0C, 0x0A,
					0xD3, 0x92, 0xF0, 0x00, 0x26,
					0x01, 0x00, 0x00, 0x00, 0x01 };
static const unsigned char sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};
static const unsigned char sha1_prefix[] = {
	0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E,
	0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14,
};

/* A self-signed RSA-2048 certificate is all the engine needs. */
static int group_setup(void **state)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char *der = NULL;
	BIO *b = BIO_new_mem_buf(test_key_pem, -1);
	int n;

	(void)state;
	test_key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!test_key || !x)
		return -1;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"JPKITEST000000000001",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, test_key);
	if (X509_sign(x, test_key, EVP_sha256()) <= 0)
		return -1;
	n = i2d_X509(x, &der);
	X509_free(x);
	if (n <= 0)
		return -1;
	test_cert_der = malloc((size_t)n);
	memcpy(test_cert_der, der, (size_t)n);
	test_cert_len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(test_key);
	free(test_cert_der);
	return 0;
}

static void file_set(struct card_file *f, const void *data, size_t len)
{
	f->data = malloc(len);
	memcpy(f->data, data, len);
	f->len = len;
}

/* A card with the auth side, a 600-byte "CA" and the signing side. */
static int card_setup(void **state)
{
	struct card *c = malloc(sizeof(*c));
	unsigned char ca[600];

	for (size_t i = 0; i < sizeof(ca); i++)
		ca[i] = (unsigned char)i;
	if (!c || card_init(c, CARD_TOKEN_CARD, "1234", "SIGN1234") < 0)
		return -1;
	file_set(&c->auth_cert, test_cert_der, test_cert_len);
	file_set(&c->auth_ca, ca, sizeof(ca));
	file_set(&c->sign_cert, test_cert_der, test_cert_len);
	EVP_PKEY_up_ref(test_key);
	c->auth_key = test_key;
	EVP_PKEY_up_ref(test_key);
	c->sign_key = test_key;
	card_reset(c);
	*state = c;
	return 0;
}

static int card_teardown(void **state)
{
	card_free(*state);
	free(*state);
	return 0;
}

/* Send an APDU; return its SW and leave the response data in resp. */
static unsigned char resp[CARD_RESP_MAX];
static size_t resp_len; /* data bytes, without SW */

static unsigned send_apdu(struct card *c, const unsigned char *a, size_t n)
{
	size_t r = card_apdu(c, a, n, resp, sizeof(resp));

	assert_true(r >= 2);
	resp_len = r - 2;
	return (unsigned)resp[r - 2] << 8 | resp[r - 1];
}

static unsigned select_ef(struct card *c, unsigned id)
{
	unsigned char a[] = { 0x00,
			      0xA4,
			      0x02,
			      0x0C,
			      0x02,
			      (unsigned char)(id >> 8),
			      (unsigned char)id };

	return send_apdu(c, a, sizeof(a));
}

static unsigned read_binary(struct card *c, size_t off, unsigned le)
{
	unsigned char a[] = { 0x00, 0xB0, (unsigned char)(off >> 8),
			      (unsigned char)off, (unsigned char)le };

	return send_apdu(c, a, sizeof(a));
}

static unsigned verify(struct card *c, const char *pin)
{
	unsigned char a[32] = { 0x00, 0x20, 0x00, 0x80 };
	size_t n = pin ? strlen(pin) : 0;

	if (n) {
		a[4] = (unsigned char)n;
		memcpy(a + 5, pin, n);
		return send_apdu(c, a, 5 + n);
	}
	return send_apdu(c, a, 4);
}

static unsigned sign_digestinfo(struct card *c, const unsigned char *di, size_t n)
{
	unsigned char a[300] = { 0x80, 0x2A, 0x00, 0x80, (unsigned char)n };

	memcpy(a + 5, di, n);
	a[5 + n] = 0x00;
	return send_apdu(c, a, 6 + n);
}

static void test_select(void **state)
{
	struct card *c = *state;
	unsigned char other_aid[] = { 0x00, 0xA4, 0x04, 0x0C, 0x03, 1, 2, 3 };

	/* EFs exist only under the JPKI AP */
	assert_int_equal(select_ef(c, 0x000A), 0x6A82);
	assert_int_equal(send_apdu(c, other_aid, sizeof(other_aid)), 0x6A82);
	assert_int_equal(send_apdu(c, sel_ap, sizeof(sel_ap)), 0x9000);
	assert_int_equal(resp_len, 0);
	for (unsigned id = 0; id < 0x40; id++) {
		int exists = id == 0x0A || id == 0x0B || id == 0x17 || id == 0x18 ||
			     id == 0x01 || id == 0x1A || id == 0x1B || id == 0x06;

		assert_int_equal(select_ef(c, id), exists ? 0x9000 : 0x6A82);
	}
	/* the sign CA was not given to this card: EF 0002 is absent */
	assert_int_equal(select_ef(c, 0x0002), 0x6A82);
	/* P1 unknown, P2 unknown, Lc 1 */
	unsigned char bad_p1[] = { 0x00, 0xA4, 0x08, 0x0C, 0x02, 0x00, 0x0A };
	unsigned char bad_p2[] = { 0x00, 0xA4, 0x02, 0x44, 0x02, 0x00, 0x0A };
	unsigned char short_id[] = { 0x00, 0xA4, 0x02, 0x0C, 0x01, 0x0A };
	assert_int_equal(send_apdu(c, bad_p1, sizeof(bad_p1)), 0x6A86);
	assert_int_equal(send_apdu(c, bad_p2, sizeof(bad_p2)), 0x6A86);
	assert_int_equal(send_apdu(c, short_id, sizeof(short_id)), 0x6700);
}

static void test_read(void **state)
{
	struct card *c = *state;
	unsigned char buf[4096];
	size_t got = 0;
	unsigned sw;

	assert_int_equal(send_apdu(c, sel_ap, sizeof(sel_ap)), 0x9000);
	/* no EF selected */
	assert_int_equal(read_binary(c, 0, 4), 0x6986);
	assert_int_equal(select_ef(c, 0x000A), 0x9000);
	/* the DER header gives the length, as readers use it */
	assert_int_equal(read_binary(c, 0, 4), 0x9000);
	assert_int_equal(resp_len, 4);
	assert_int_equal(resp[0], 0x30);
	assert_int_equal(resp[1], 0x82);
	assert_int_equal(((size_t)resp[2] << 8 | resp[3]) + 4, test_cert_len);
	/* read it all in chunks of 200 at offsets */
	while (got < test_cert_len) {
		sw = read_binary(c, got, 200);
		assert_true(sw == 0x9000 || sw == 0x6282);
		assert_true(resp_len > 0);
		memcpy(buf + got, resp, resp_len);
		got += resp_len;
	}
	assert_int_equal(got, test_cert_len);
	assert_memory_equal(buf, test_cert_der, test_cert_len);
	/* the last short read says end-of-file; past the end is refused */
	assert_int_equal(read_binary(c, test_cert_len - 3, 0), 0x6282);
	assert_int_equal(resp_len, 3);
	assert_int_equal(read_binary(c, test_cert_len, 1), 0x6B00);
	assert_int_equal(read_binary(c, 0x7FFF, 0), 0x6B00);
	/* Le 00 = 256 bytes */
	assert_int_equal(read_binary(c, 0, 0), 0x9000);
	assert_int_equal(resp_len, 256);

	/* token info: 32 bytes, space padded */
	assert_int_equal(select_ef(c, 0x0006), 0x9000);
	assert_int_equal(read_binary(c, 0, 0x20), 0x9000);
	assert_int_equal(resp_len, 32);
	assert_memory_equal(resp, "JPKIAPICCTOKEN2                 ", 32);

	/* the CA (600 bytes) with an extended Le of 65535: all of it */
	unsigned char ext[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0xFF, 0xFF };
	assert_int_equal(select_ef(c, 0x000B), 0x9000);
	assert_int_equal(send_apdu(c, ext, sizeof(ext)), 0x6282);
	assert_int_equal(resp_len, 600);
	assert_int_equal(resp[599], (unsigned char)599);
	/* extended Le 0000 = 65536 */
	unsigned char ext0[] = { 0x00, 0xB0, 0x00, 0x0A, 0x00, 0x00, 0x00 };
	assert_int_equal(send_apdu(c, ext0, sizeof(ext0)), 0x6282);
	assert_int_equal(resp_len, 590);

	/* keys and PINs cannot be read; the signing cert needs its PIN */
	assert_int_equal(select_ef(c, 0x0017), 0x9000);
	assert_int_equal(read_binary(c, 0, 0), 0x6981);
	assert_int_equal(select_ef(c, 0x0018), 0x9000);
	assert_int_equal(read_binary(c, 0, 0), 0x6981);
	assert_int_equal(select_ef(c, 0x0001), 0x9000);
	assert_int_equal(read_binary(c, 0, 4), 0x6982);
	assert_int_equal(select_ef(c, 0x001B), 0x9000);
	assert_int_equal(verify(c, "SIGN1234"), 0x9000);
	assert_int_equal(select_ef(c, 0x0001), 0x9000);
	assert_int_equal(read_binary(c, 0, 4), 0x9000);

	/* short EF in P1, data in a READ BINARY, no Le */
	unsigned char sfi[] = { 0x00, 0xB0, 0x81, 0x00, 0x00 };
	unsigned char with_data[] = { 0x00, 0xB0, 0x00, 0x00, 0x01, 0x00, 0x00 };
	unsigned char no_le[] = { 0x00, 0xB0, 0x00, 0x00 };
	assert_int_equal(send_apdu(c, sfi, sizeof(sfi)), 0x6A81);
	assert_int_equal(send_apdu(c, with_data, sizeof(with_data)), 0x6700);
	assert_int_equal(send_apdu(c, no_le, sizeof(no_le)), 0x6700);

	/* a small response buffer is never overrun */
	unsigned char small[10];
	unsigned char rd[] = { 0x00, 0xB0, 0x00, 0x00, 0x00 };
	assert_int_equal(card_apdu(c, rd, sizeof(rd), small, sizeof(small)), 10);
	assert_int_equal(card_apdu(c, rd, sizeof(rd), small, 1), 0);
}

static void test_verify_counter_and_lockout(void **state)
{
	struct card *c = *state;

	assert_int_equal(send_apdu(c, sel_ap, sizeof(sel_ap)), 0x9000);
	/* VERIFY needs a PIN EF selected */
	assert_int_equal(verify(c, NULL), 0x6986);
	assert_int_equal(select_ef(c, 0x0018), 0x9000);
	/* asking the counter does not use a try */
	assert_int_equal(verify(c, NULL), 0x63C3);
	assert_int_equal(verify(c, NULL), 0x63C3);
	assert_int_equal(verify(c, "9999"), 0x63C2);
	assert_int_equal(verify(c, NULL), 0x63C2);
	/* a right PIN resets the counter */
	assert_int_equal(verify(c, "1234"), 0x9000);
	assert_int_equal(verify(c, NULL), 0x63C3);
	/* malformed PINs use no try */
	assert_int_equal(verify(c, "12345"), 0x6700);
	assert_int_equal(verify(c, "123"), 0x6700);
	unsigned char bad_p2[] = { 0x00, 0x20, 0x00, 0x81, 0x04,
				   '1',  '2',  '3',  '4' };
	assert_int_equal(send_apdu(c, bad_p2, sizeof(bad_p2)), 0x6A86);
	assert_int_equal(verify(c, NULL), 0x63C3);
	/* three wrong: locked, and the right PIN no longer helps */
	assert_int_equal(verify(c, "0000"), 0x63C2);
	assert_int_equal(verify(c, "0001"), 0x63C1);
	assert_int_equal(verify(c, "0002"), 0x6983);
	assert_int_equal(verify(c, NULL), 0x6983);
	assert_int_equal(verify(c, "1234"), 0x6983);
	/* a reset does not unlock (the counter is in EEPROM) */
	card_reset(c);
	assert_int_equal(send_apdu(c, sel_ap, sizeof(sel_ap)), 0x9000);
	assert_int_equal(select_ef(c, 0x0018), 0x9000);
	assert_int_equal(verify(c, NULL), 0x6983);
	/* and signing stays impossible */
	assert_int_equal(select_ef(c, 0x0017), 0x9000);
	unsigned char di[51];
	memcpy(di, sha256_prefix, sizeof(sha256_prefix));
	memset(di + 19, 0xAB, 32);
	assert_int_equal(sign_digestinfo(c, di, sizeof(di)), 0x6982);
	/* the signing PIN has its own counter */
	assert_int_equal(select_ef(c, 0x001B), 0x9000);
	assert_int_equal(verify(c, NULL), 0x63C3);
}

/* DigestInfo(SHA-256(msg)) as the reader plugin builds it. */
static void digestinfo(const char *msg, unsigned char di[51])
{
	memcpy(di, sha256_prefix, sizeof(sha256_prefix));
	SHA256((const unsigned char *)msg, strlen(msg), di + 19);
}

static int signature_ok(const char *msg, const unsigned char *sig, size_t n)
{
	const unsigned char *p = test_cert_der;
	X509 *x = d2i_X509(NULL, &p, (long)test_cert_len);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	ok = x && md &&
	     EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
				  X509_get0_pubkey(x)) == 1 &&
	     EVP_DigestVerify(md, sig, n, (const unsigned char *)msg,
			      strlen(msg)) == 1;
	EVP_MD_CTX_free(md);
	X509_free(x);
	return ok;
}

static void test_sign(void **state)
{
	struct card *c = *state;
	const char *nonce = "61505311a759bbcaa2feec65a2897895";
	unsigned char di[51], sig[256];

	digestinfo(nonce, di);
	assert_int_equal(send_apdu(c, sel_ap, sizeof(sel_ap)), 0x9000);
	/* no key selected */
	assert_int_equal(sign_digestinfo(c, di, sizeof(di)), 0x6986);
	/* key selected, PIN not verified */
	assert_int_equal(select_ef(c, 0x0017), 0x9000);
	assert_int_equal(sign_digestinfo(c, di, sizeof(di)), 0x6982);
	assert_int_equal(select_ef(c, 0x0018), 0x9000);
	assert_int_equal(verify(c, "1234"), 0x9000);
	assert_int_equal(select_ef(c, 0x0017), 0x9000);
	assert_int_equal(sign_digestinfo(c, di, sizeof(di)), 0x9000);
	assert_int_equal(resp_len, 256);
	memcpy(sig, resp, sizeof(sig));
	assert_true(signature_ok(nonce, sig, sizeof(sig)));
	assert_false(signature_ok("another nonce", sig, sizeof(sig)));

	/* a SHA-1 DigestInfo, a bare hash, a truncated one: 6A80 */
	unsigned char sha1di[35];
	memcpy(sha1di, sha1_prefix, sizeof(sha1_prefix));
	memset(sha1di + 15, 0x11, 20);
	assert_int_equal(sign_digestinfo(c, sha1di, sizeof(sha1di)), 0x6A80);
	assert_int_equal(sign_digestinfo(c, di + 19, 32), 0x6A80);
	assert_int_equal(sign_digestinfo(c, di, 50), 0x6A80);
	/* wrong class, wrong P1P2, no data, Le too small */
	unsigned char a[60] = { 0x00, 0x2A, 0x00, 0x80, 51 };
	memcpy(a + 5, di, 51);
	assert_int_equal(send_apdu(c, a, 57), 0x6E00);
	a[0] = 0x80;
	a[2] = 0x9E;
	a[3] = 0x9A;
	assert_int_equal(send_apdu(c, a, 57), 0x6A86);
	a[2] = 0x00;
	a[3] = 0x80;
	a[56] = 0x10;
	assert_int_equal(send_apdu(c, a, 57), 0x6700);
	assert_int_equal(send_apdu(c, a, 4), 0x6700);
	/* without Le (case 3) it still signs */
	assert_int_equal(send_apdu(c, a, 56), 0x9000);
	assert_int_equal(resp_len, 256);

	/* a reset forgets the verified PIN */
	card_reset(c);
	assert_int_equal(send_apdu(c, sel_ap, sizeof(sel_ap)), 0x9000);
	assert_int_equal(select_ef(c, 0x0017), 0x9000);
	assert_int_equal(sign_digestinfo(c, di, sizeof(di)), 0x6982);

	/* the signing key needs the signing PIN, not the auth PIN */
	assert_int_equal(select_ef(c, 0x0018), 0x9000);
	assert_int_equal(verify(c, "1234"), 0x9000);
	assert_int_equal(select_ef(c, 0x001A), 0x9000);
	assert_int_equal(sign_digestinfo(c, di, sizeof(di)), 0x6982);
	assert_int_equal(select_ef(c, 0x001B), 0x9000);
	assert_int_equal(verify(c, "SIGN1234"), 0x9000);
	assert_int_equal(select_ef(c, 0x001A), 0x9000);
	assert_int_equal(sign_digestinfo(c, di, sizeof(di)), 0x9000);
	assert_true(signature_ok(nonce, resp, resp_len));
}

static void test_hostile(void **state)
{
	struct card *c = *state;
	unsigned char a[300];
	unsigned seed = 12345;

	assert_int_equal(send_apdu(c, (const unsigned char *)"", 0), 0x6700);
	assert_int_equal(send_apdu(c, (const unsigned char *)"\x00\xA4\x04", 3),
			 0x6700);
	/* Lc says 10, 3 bytes follow; Lc says 2, 4 bytes follow */
	unsigned char lc_long[] = { 0x00, 0xA4, 0x04, 0x0C,
				    0x0A, 0xD3, 0x92, 0xF0 };
	unsigned char lc_short[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0, 0x0A, 1, 2 };
	assert_int_equal(send_apdu(c, lc_long, sizeof(lc_long)), 0x6700);
	assert_int_equal(send_apdu(c, lc_short, sizeof(lc_short)), 0x6700);
	/* extended forms that do not add up */
	unsigned char ext_bad[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x01 };
	unsigned char ext_lc0[] = { 0x00, 0xA4, 0x04, 0x0C,
				    0x00, 0x00, 0x00, 0x01 };
	assert_int_equal(send_apdu(c, ext_bad, sizeof(ext_bad)), 0x6700);
	assert_int_equal(send_apdu(c, ext_lc0, sizeof(ext_lc0)), 0x6700);
	/* unknown instruction, class */
	unsigned char get_challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	unsigned char cla_ff[] = { 0xFF, 0xA4, 0x04, 0x0C, 0x00 };
	unsigned char cla_sm[] = { 0x0C, 0xB0, 0x00, 0x00, 0x00 };
	assert_int_equal(send_apdu(c, get_challenge, sizeof(get_challenge)), 0x6D00);
	assert_int_equal(send_apdu(c, cla_ff, sizeof(cla_ff)), 0x6E00);
	assert_int_equal(send_apdu(c, cla_sm, sizeof(cla_sm)), 0x6E00);
	/* random APDUs: any answer is a well-formed SW, nothing crashes */
	for (int i = 0; i < 3000; i++) {
		size_t n = (size_t)(rand_r(&seed) % (int)sizeof(a));

		for (size_t j = 0; j < n; j++)
			a[j] = (unsigned char)rand_r(&seed);
		if (i % 3 == 0 && n >= 2) { /* steer towards real commands */
			static const unsigned char cla[] = { 0x00, 0x80 };
			static const unsigned char ins[] = { 0xA4, 0xB0, 0x20, 0x2A };

			a[0] = cla[i % 2];
			a[1] = ins[(i / 3) % 4];
		}
		size_t r = card_apdu(c, a, n, resp, sizeof(resp));
		assert_true(r >= 2 && r <= sizeof(resp));
	}
}

static void test_tokens(void **state)
{
	struct card c;

	(void)state;
	assert_int_equal(card_init(&c, CARD_TOKEN_IPHONE, "0000", "abcdef"), 0);
	assert_memory_equal(c.token_info, "JPKIAPIOSTOKEN                  ", 32);
	card_free(&c);
	assert_int_equal(card_init(&c, CARD_TOKEN_ANDROID, "0000", "abcdef"), 0);
	assert_memory_equal(c.token_info, "JPKIAPGPSETOKEN                 ", 32);
	card_free(&c);
	/* bad PINs are refused at set-up */
	assert_int_equal(card_init(&c, CARD_TOKEN_CARD, "12a4", "abcdef"), -1);
	assert_int_equal(card_init(&c, CARD_TOKEN_CARD, "12345", "abcdef"), -1);
	assert_int_equal(card_init(&c, CARD_TOKEN_CARD, "1234", "abc"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select, card_setup, card_teardown),
		cmocka_unit_test_setup_teardown(test_read, card_setup, card_teardown),
		cmocka_unit_test_setup_teardown(test_verify_counter_and_lockout,
						card_setup, card_teardown),
		cmocka_unit_test_setup_teardown(test_sign, card_setup, card_teardown),
		cmocka_unit_test_setup_teardown(test_hostile, card_setup, card_teardown),
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
