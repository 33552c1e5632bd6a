/* dkimkeys_add_key: existing keys (migration) into the DKIM key store. */
#include "t.h"

#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "store/dkimkeys.h"

TEST(dkimkeys_add_key_makes_it_the_active_one)
{
	const char *dir = t_tmpdir();
	struct buf err = BUF_INIT;
	struct dkimkeys ks;
	CHECK(dkimkeys_load(dir, "example.org", &ks, &err));
	CHECK(dkimkeys_generate(dir, &ks, "202601", 1000, &err));
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	CHECK(dkimkeys_add_key(dir, &ks, "2019e", ed, 500, 2000, &err));
	/* The generated Ed25519 key retires, the RSA one stays active. */
	CHECK(ks.n == 3);
	for (size_t i = 0; i < ks.n; i++) {
		if (strcmp(ks.v[i].selector, "202601e") == 0)
			CHECK(!ks.v[i].active && ks.v[i].retired == 2000);
		if (strcmp(ks.v[i].selector, "202601r") == 0)
			CHECK(ks.v[i].active);
		if (strcmp(ks.v[i].selector, "2019e") == 0)
			CHECK(ks.v[i].active && ks.v[i].created == 500 &&
			    ks.v[i].alg == DKIMKEY_ED25519);
	}
	dkimkeys_free(&ks);
	CHECK(dkimkeys_load(dir, "example.org", &ks, &err) && ks.n == 3);
	EVP_PKEY *back = dkimkeys_read_key(dir, "example.org", "2019e", &err);
	CHECK(back != NULL && EVP_PKEY_eq(back, ed) == 1);
	buf_reset(&err);
	CHECK(!dkimkeys_add_key(dir, &ks, "2019e", ed, 0, 0, &err));  /* taken */
	buf_reset(&err);
	CHECK(!dkimkeys_add_key(dir, &ks, "../x", ed, 0, 0, &err));
	buf_reset(&err);
	CHECK(!dkimkeys_add_key(dir, &ks, "ec", ec, 0, 0, &err) && err.len > 0);
	CHECK(ks.n == 3);
	EVP_PKEY_free(back);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
	dkimkeys_free(&ks);
	buf_free(&err);
}

static EVP_PKEY *parse(const char *s)
{
	return dkimkeys_parse_foreign(s, strlen(s));
}

TEST(dkimkeys_parse_foreign_rspamd_forms)
{
	unsigned char seed[64];
	char b64[200];
	randombytes_buf(seed, sizeof seed);
	/* Base64 of a 32-byte seed, of 64 bytes, and "seed pk". */
	sodium_bin2base64(b64, sizeof b64, seed, 32, sodium_base64_VARIANT_ORIGINAL);
	EVP_PKEY *k = parse(b64);
	CHECK(k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519);
	EVP_PKEY_free(k);
	size_t n = strlen(b64);
	snprintf(b64 + n, sizeof b64 - n, " c29tZSBwdWJsaWMga2V5\n");
	k = parse(b64);
	CHECK(k != NULL);
	EVP_PKEY_free(k);
	sodium_bin2base64(b64, sizeof b64, seed, 64, sodium_base64_VARIANT_ORIGINAL);
	k = parse(b64);
	CHECK(k != NULL);
	EVP_PKEY_free(k);
	/* PEM of RSA (PKCS#8 and PKCS#1) passes; EC does not. */
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	CHECK(PEM_write_bio_PrivateKey(bio, rsa, NULL, NULL, 0, NULL, NULL) == 1);
	long len = BIO_get_mem_data(bio, &pem);
	k = dkimkeys_parse_foreign(pem, (size_t)len);
	CHECK(k != NULL && EVP_PKEY_eq(k, rsa) == 1);
	EVP_PKEY_free(k);
	BIO_free(bio);
	bio = BIO_new(BIO_s_mem());
	CHECK(PEM_write_bio_PrivateKey(bio, ec, NULL, NULL, 0, NULL, NULL) == 1);
	len = BIO_get_mem_data(bio, &pem);
	CHECK(dkimkeys_parse_foreign(pem, (size_t)len) == NULL);
	BIO_free(bio);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

TEST(dkimkeys_parse_foreign_hostile)
{
	static const char *bad[] = { "", "\n", "AAAA", "not base64 at all",
	    "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
	    "-----BEGIN", "=====", "QUJD\0QUJD" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(parse(bad[i]) == NULL);
	CHECK(dkimkeys_parse_foreign("QUJD\0QUJD", 9) == NULL);
	/* 31 and 33 bytes of seed. */
	unsigned char raw[33] = { 1 };
	char b64[80];
	sodium_bin2base64(b64, sizeof b64, raw, 31, sodium_base64_VARIANT_ORIGINAL);
	CHECK(parse(b64) == NULL);
	sodium_bin2base64(b64, sizeof b64, raw, 33, sodium_base64_VARIANT_ORIGINAL);
	CHECK(parse(b64) == NULL);
	static char big[DKIMKEYS_FOREIGN_MAX + 2];
	memset(big, 'A', sizeof big - 1);
	CHECK(parse(big) == NULL);
}

TEST(dkimkeys_foreign_selector_names)
{
	char sel[DKIMKEYS_SEL_MAX + 1];
	CHECK(dkimkeys_foreign_selector("old.example.2019r.key", "old.example",
	    sel, sizeof sel));
	CHECK_STR(sel, "2019r");
	static const char *bad[][2] = {
		{ "old.example.a.b.key", "old.example" },
		{ "old.example..key", "old.example" },
		{ "old.example.key", "old.example" },
		{ "xold.example.s.key", "old.example" },
		{ "old.examples.s.key", "old.example" },
		{ "old.example.s.pub", "old.example" },
		{ "a.s.key", "" }, { "d.a/b.key", "d" }, { "d.UP.key", "d" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!dkimkeys_foreign_selector(bad[i][0], bad[i][1], sel,
		    sizeof sel));
	char tiny[4];
	CHECK(!dkimkeys_foreign_selector("d.toolong.key", "d", tiny, sizeof tiny));
}
