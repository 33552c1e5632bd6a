/* dkimkeys_add_key: existing keys (migration) into the DKIM key store. */
#include "t.h"

#include <stdio.h>

#include <openssl/evp.h>

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
