/* userdb_user_import: a seed user's hash and locked key taken over. */
#include "t.h"

#include <stdio.h>

#include <sodium.h>

#include "store/userdb.h"

TEST(userdb_import_keeps_hash_and_key)
{
	char path[512];
	struct buf err = BUF_INIT;
	snprintf(path, sizeof path, "%s/import.sqlite", t_tmpdir());
	CHECK(userdb_create(path, &err));
	struct userdb *db = userdb_open(path, false, &err);
	if (!CHECK(db != NULL))
		return;
	CHECK(userdb_domain_add(db, "example.org", NULL, &err));
	/* What the seed's mailboxctl stored: crypto_pwhash_str and a key
	 * made the way treesutil -c makes it. */
	char hash[crypto_pwhash_STRBYTES];
	CHECK(crypto_pwhash_str(hash, "old pw", 6, crypto_pwhash_OPSLIMIT_MIN,
	    crypto_pwhash_MEMLIMIT_MIN) == 0);
	struct trees_key key;
	CHECK(trees_key_create("old pw", 6, &key));
	CHECK(userdb_user_import(db, "Alice@Example.org", hash, &key, 1000, true,
	    &err));
	CHECK(userdb_user_check_password(db, "alice@example.org", "old pw", 6,
	    &err) == USERDB_AUTH_OK);
	CHECK(userdb_user_check_password(db, "alice@example.org", "old px", 6,
	    &err) == USERDB_AUTH_BAD);
	struct userdb_user u;
	CHECK(userdb_user_get(db, "alice@example.org", &u, &err) == 1);
	unsigned char sk[TREES_SK_LEN];
	CHECK(memcmp(u.key.pk, key.pk, TREES_PK_LEN) == 0 && u.encrypt &&
	    u.quota == 1000);
	CHECK(trees_key_unlock(&u.key, "old pw", 6, sk));
	userdb_user_clear(&u);
	/* A second import of the same user, hashes that are not Argon2. */
	buf_reset(&err);
	CHECK(!userdb_user_import(db, "alice@example.org", hash, &key, 0, true,
	    &err) && strstr(buf_cstr(&err), "already exists"));
	static const char *bad[] = { "", "plain", "$2y$10$abc", "$argon2id$ x",
	    "$argon2id$v=19$m=65536,t=2,p=1$\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&err);
		CHECK(!userdb_user_import(db, "bob@example.org", bad[i], &key, 0,
		    true, &err) && err.len > 0);
	}
	buf_reset(&err);
	CHECK(!userdb_user_import(db, "bob@nowhere.example", hash, &key, 0, true,
	    &err));
	userdb_close(db);
	buf_free(&err);
}
