/* The DKIM key store: generation, rotation, expiry, hostile list files. */
#include "t.h"

#include <stdio.h>
#include <sys/stat.h>

#include "common/fileutil.h"
#include "store/dkimkeys.h"

#define T0 1795450000LL     /* 2026-11 */

static bool key_file(const char *dir, const char *name)
{
	struct buf p = BUF_INIT;
	struct stat st;
	buf_printf(&p, "%s/%s", dir, name);
	bool ok = stat(p.data, &st) == 0 && (st.st_mode & 0777) == 0600;
	buf_free(&p);
	return ok;
}

TEST(dkim_keys_generate_rotate_expire)
{
	const char *dir = t_tmpdir();
	struct dkimkeys ks;
	struct buf err = BUF_INIT;
	CHECK(dkimkeys_load(dir, "example.com", &ks, &err) && ks.n == 0);
	CHECK(dkimkeys_generate(dir, &ks, NULL, T0, &err));
	CHECK(ks.n == 2 && ks.v[0].active && ks.v[1].active);
	CHECK_STR(ks.v[0].selector, "202611r");
	CHECK_STR(ks.v[1].selector, "202611e");
	CHECK(key_file(dir, "example.com.202611r.key"));
	CHECK(key_file(dir, "example.com.selectors"));
	/* Rotation in the same month takes the next free prefix. */
	CHECK(dkimkeys_generate(dir, &ks, NULL, T0 + 100, &err));
	CHECK(ks.n == 4 && !ks.v[0].active && ks.v[0].retired == T0 + 100);
	CHECK_STR(ks.v[3].selector, "202611-2e");
	CHECK(!dkimkeys_generate(dir, &ks, "202611-2", T0, &err));
	CHECK(!dkimkeys_generate(dir, &ks, "../x", T0, &err));
	dkimkeys_free(&ks);
	CHECK(dkimkeys_load(dir, "example.com", &ks, &err) && ks.n == 4);
	CHECK(dkimkey_published(&ks.v[0], T0 + 100 + DKIMKEYS_RETIRE_SECS - 1));
	CHECK(!dkimkey_published(&ks.v[0], T0 + 100 + DKIMKEYS_RETIRE_SECS));
	EVP_PKEY *k = dkimkeys_read_key(dir, "example.com", "202611e", &err);
	CHECK(k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519);
	EVP_PKEY_free(k);
	k = dkimkeys_read_key(dir, "example.com", "202611r", &err);
	CHECK(k != NULL && EVP_PKEY_get_bits(k) == 2048);
	EVP_PKEY_free(k);
	dkimkeys_free(&ks);
	struct dkimkeys_active act;
	CHECK(dkimkeys_load_active(dir, "example.com", &act, &err) && act.n == 2);
	CHECK_STR(act.selector[0], "202611-2r");
	CHECK(EVP_PKEY_get_base_id(act.key[1]) == EVP_PKEY_ED25519);
	dkimkeys_active_free(&act);
	CHECK(!dkimkeys_load_active(dir, "other.com", &act, &err));
	/* A week later the old keys and their files are gone. */
	CHECK(dkimkeys_expire(dir, T0 + 100 + DKIMKEYS_RETIRE_SECS, &err));
	CHECK(dkimkeys_load(dir, "example.com", &ks, &err) && ks.n == 2);
	CHECK_STR(ks.v[0].selector, "202611-2r");
	CHECK(!key_file(dir, "example.com.202611r.key"));
	CHECK(key_file(dir, "example.com.202611-2r.key"));
	dkimkeys_free(&ks);
	buf_free(&err);
}

TEST(dkim_keys_hostile_list_files)
{
	const char *dir = t_tmpdir();
	static const char *const bad[] = {
		"sel rsa active 1 0 extra\n",
		"../../etc rsa active 1 0\n",
		"sel dsa active 1 0\n",
		"sel rsa maybe 1 0\n",
		"sel rsa active x 0\n",
		"sel\0x rsa active 1 0\n",
	};
	struct buf err = BUF_INIT, path = BUF_INIT;
	struct dkimkeys ks;
	buf_printf(&path, "%s/bad.test.selectors", dir);
	for (size_t k = 0; k < sizeof(bad) / sizeof(*bad); k++) {
		CHECK(file_write_atomic(path.data, bad[k], strlen(bad[k]) + 2 * (k == 5),
		    0600, &err));
		buf_reset(&err);
		CHECK(!dkimkeys_load(dir, "bad.test", &ks, &err) && err.len > 0);
		dkimkeys_free(&ks);
	}
	CHECK(!dkimkeys_load(dir, "../etc", &ks, &err));
	dkimkeys_free(&ks);
	CHECK(dkimkeys_read_key(dir, "bad.test", "nokey", &err) == NULL);
	buf_free(&err);
	buf_free(&path);
}
