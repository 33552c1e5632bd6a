#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store/userdb.h"

static char dbpath[512];

static struct userdb *fresh_db(void)
{
	struct buf err = BUF_INIT;
	snprintf(dbpath, sizeof dbpath, "%s/u.sqlite", t_tmpdir());
	CHECK(userdb_create(dbpath, &err));
	struct userdb *db = userdb_open(dbpath, false, &err);
	CHECK(db != NULL);
	buf_free(&err);
	return db;
}

/* Runs f and returns its error text ("" on success). */
#define ERR_OF(call) ({ static char e_[512]; struct buf err = BUF_INIT; \
	bool ok_ = (call); snprintf(e_, sizeof e_, "%s", ok_ ? "" : \
	(err.len ? buf_cstr(&err) : "(failed without a reason)")); \
	buf_free(&err); e_; })

static const char *resolve(struct userdb *db, const char *addr)
{
	static char res[1024];
	struct userdb_dests d;
	struct buf err = BUF_INIT, out = BUF_INIT;
	switch (userdb_resolve(db, addr, &d, &err)) {
	case USERDB_UNKNOWN: buf_addstr(&out, "unknown"); break;
	case USERDB_RESOLVE_ERROR: buf_printf(&out, "error: %s", buf_cstr(&err)); break;
	case USERDB_RESOLVED:
		for (size_t i = 0; i < d.n; i++)
			buf_printf(&out, "%s%s%s%s%s", i ? " " : "",
			    d.v[i].kind == USERDB_DEST_LOCAL ? "L:" : "E:", d.v[i].address,
			    d.v[i].folder ? "/" : "", d.v[i].folder ? d.v[i].folder : "");
		break;
	}
	snprintf(res, sizeof res, "%s", buf_cstr(&out));
	userdb_dests_free(&d);
	buf_free(&err);
	buf_free(&out);
	return res;
}

static long long count(const char *table)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	char sql[128];
	long long n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	if (sqlite3_open_v2(dbpath, &s, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(s);
	return n;
}

TEST(userdb_open_refuses_missing_foreign_and_corrupt)
{
	struct buf err = BUF_INIT;
	char p[600];
	snprintf(p, sizeof p, "%s/missing.sqlite", t_tmpdir());
	CHECK(userdb_open(p, false, &err) == NULL);
	CHECK(strstr(buf_cstr(&err), "No such file") != NULL);
	buf_reset(&err);

	snprintf(p, sizeof p, "%s/junk.sqlite", t_tmpdir());
	FILE *f = fopen(p, "w");
	for (int i = 0; f && i < 200; i++)
		fputs("this is not a database at all\n", f);
	if (f)
		fclose(f);
	CHECK(userdb_open(p, false, &err) == NULL);
	CHECK(strstr(buf_cstr(&err), "corrupt") != NULL);
	buf_reset(&err);
	CHECK(!userdb_create(p, &err));   /* never overwrites */
	buf_reset(&err);

	snprintf(p, sizeof p, "%s/other.sqlite", t_tmpdir());
	sqlite3 *s;
	CHECK(sqlite3_open(p, &s) == SQLITE_OK);
	CHECK(sqlite3_exec(s, "CREATE TABLE t(x)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(s);
	CHECK(userdb_open(p, false, &err) == NULL);
	CHECK(strstr(buf_cstr(&err), "not an archmailbox user database") != NULL);
	buf_free(&err);

	struct userdb *db = fresh_db();
	userdb_close(db);
	CHECK(sqlite3_open(dbpath, &s) == SQLITE_OK);
	CHECK(sqlite3_exec(s, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(s);
	CHECK(userdb_open(dbpath, true, &err) == NULL);
	CHECK(strstr(buf_cstr(&err), "schema version 99") != NULL);
	buf_free(&err);
}

static void on_domain(const struct userdb_domain *d, void *arg)
{
	buf_printf(arg, "%s:%lld:%s;", d->name, d->users,
	    d->postmaster ? d->postmaster : "-");
}

TEST(userdb_domains)
{
	struct userdb *db = fresh_db();
	struct buf l = BUF_INIT;
	CHECK_STR(ERR_OF(userdb_domain_add(db, "Example.TEST", NULL, &err)), "");
	CHECK_STR(ERR_OF(userdb_domain_add(db, "example.test", NULL, &err)),
	    "domain example.test already exists");
	CHECK_STR(ERR_OF(userdb_domain_add(db, "xn--bcher-kva.example",
	    "Boss@Example.test", &err)), "");
	CHECK_STR(ERR_OF(userdb_domain_add(db, "Bücher.example", NULL, &err)),
	    "domain bücher.example already exists");
	CHECK_STR(ERR_OF(userdb_domain_add(db, "bad..dom", NULL, &err)),
	    "invalid domain 'bad..dom': consecutive dots in domain");
	CHECK_STR(ERR_OF(userdb_domain_add(db, "ok.test", "nope", &err)),
	    "invalid address 'nope': missing '@'");
	CHECK_STR(ERR_OF(userdb_domain_add(db, "loop.test", "abuse@loop.test", &err)),
	    "alias loop: abuse@loop.test -> abuse@loop.test");
	CHECK(count("domains") == 2);
	CHECK(userdb_domain_list(db, on_domain, &l, NULL));
	CHECK_STR(buf_cstr(&l), "bücher.example:0:boss@example.test;example.test:0:-;");
	CHECK_STR(ERR_OF(userdb_domain_del(db, "nope.test", false, &err)),
	    "unknown domain nope.test");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "@bücher.example", "x@else.test", &err)), "");
	CHECK_STR(ERR_OF(userdb_domain_del(db, "bücher.example", false, &err)),
	    "domain bücher.example still has 0 users and 1 aliases; remove them "
	    "first or use --force");
	CHECK_STR(ERR_OF(userdb_domain_del(db, "XN--BCHER-KVA.example", true, &err)), "");
	CHECK(count("domains") == 1 && count("aliases") == 0);
	buf_free(&l);
	userdb_close(db);
}

static void on_user(const struct userdb_user *u, void *arg)
{
	buf_printf(arg, "%s:%llu:%d;", u->address, u->quota, u->encrypt);
}

TEST(userdb_users_passwords_and_keys)
{
	struct userdb *db = fresh_db();
	struct buf l = BUF_INIT;
	CHECK(ERR_OF(userdb_domain_add(db, "example.test", NULL, &err))[0] == '\0');
	CHECK_STR(ERR_OF(userdb_user_add(db, "Alice@Example.test", "pw1", 3,
	    1ULL << 30, true, &err)), "");
	CHECK_STR(ERR_OF(userdb_user_add(db, "alice@example.test", "pw", 2, 1, true,
	    &err)), "user alice@example.test already exists");
	CHECK_STR(ERR_OF(userdb_user_add(db, "bob@other.test", "pw", 2, 1, true,
	    &err)), "unknown domain other.test");
	CHECK_STR(ERR_OF(userdb_user_add(db, "bob@example.test", "", 0, 1, true,
	    &err)), "empty password");
	CHECK_STR(ERR_OF(userdb_user_add(db, "bob@@example.test", "x", 1, 1, true,
	    &err)), "invalid address 'bob@@example.test': more than one '@'");
	CHECK(count("users") == 1 && count("user_keys") == 1);

	struct userdb_user u;
	struct buf e = BUF_INIT;
	CHECK(userdb_user_get(db, "ALICE@example.test", &u, &e) == 1);
	CHECK_STR(u.address, "alice@example.test");
	CHECK(u.quota == 1ULL << 30 && u.encrypt);
	unsigned char sk[TREES_SK_LEN], pk[TREES_PK_LEN];
	CHECK(trees_key_unlock(&u.key, "pw1", 3, sk));
	unsigned char oldpk[TREES_PK_LEN];
	memcpy(oldpk, u.key.pk, sizeof oldpk);
	userdb_user_clear(&u);
	CHECK(userdb_user_get(db, "nobody@example.test", &u, &e) == 0);

	CHECK(userdb_user_check_password(db, "alice@example.test", "pw1", 3, &e)
	    == USERDB_AUTH_OK);
	CHECK(userdb_user_check_password(db, "alice@example.test", "pw2", 3, &e)
	    == USERDB_AUTH_BAD);
	CHECK(userdb_user_check_password(db, "x@example.test", "pw1", 3, &e)
	    == USERDB_AUTH_BAD);

	CHECK_STR(ERR_OF(userdb_user_passwd(db, "alice@example.test", "bad", 3,
	    "new", 3, &err)), "wrong current password");
	CHECK_STR(ERR_OF(userdb_user_passwd(db, "alice@example.test", "pw1", 3,
	    "", 0, &err)), "empty password");
	CHECK_STR(ERR_OF(userdb_user_passwd(db, "alice@example.test", "pw1", 3,
	    "new pw", 6, &err)), "");
	CHECK(userdb_user_get(db, "alice@example.test", &u, &e) == 1);
	CHECK_MEM(u.key.pk, sizeof u.key.pk, oldpk, sizeof oldpk);
	CHECK(trees_key_unlock(&u.key, "new pw", 6, sk));
	crypto_scalarmult_base(pk, sk);
	CHECK_MEM(pk, sizeof pk, oldpk, sizeof oldpk);
	userdb_user_clear(&u);
	CHECK(userdb_user_check_password(db, "alice@example.test", "new pw", 6, &e)
	    == USERDB_AUTH_OK);

	CHECK(userdb_user_list(db, NULL, on_user, &l, &e));
	CHECK_STR(buf_cstr(&l), "alice@example.test:1073741824:1;");
	CHECK(!userdb_user_list(db, "nope.test", on_user, &l, &e));
	CHECK_STR(ERR_OF(userdb_user_del(db, "nobody@example.test", &err)),
	    "unknown user nobody@example.test");
	CHECK_STR(ERR_OF(userdb_user_del(db, "alice@example.test", &err)), "");
	CHECK(count("users") == 0 && count("user_keys") == 0);
	buf_free(&l);
	buf_free(&e);
	userdb_close(db);
}

/* One database with two users, set up once (Argon2id is slow). */
static struct userdb *resolution_db(void)
{
	struct userdb *db = fresh_db();
	struct buf err = BUF_INIT;
	CHECK(userdb_domain_add(db, "example.test", NULL, &err));
	CHECK(userdb_domain_add(db, "bücher.example", "boss@far.test", &err));
	CHECK(userdb_domain_add(db, "empty.test", NULL, &err));
	CHECK(userdb_user_add(db, "alice@example.test", "a", 1, 1, true, &err));
	CHECK(userdb_user_add(db, "jörg@bücher.example", "b", 1, 1, false, &err));
	CHECK_STR(buf_cstr(&err), "");
	buf_free(&err);
	return db;
}

TEST(userdb_resolution_order)
{
	struct userdb *db = resolution_db();
	CHECK_STR(resolve(db, "Alice@EXAMPLE.test"), "L:alice@example.test");
	CHECK_STR(resolve(db, "alice+News@example.test"), "L:alice@example.test/news");
	CHECK_STR(resolve(db, "jörg@xn--bcher-kva.example"), "L:jörg@bücher.example");
	CHECK_STR(resolve(db, "JO\xcc\x88RG@BÜCHER.example"), "L:jörg@bücher.example");
	CHECK_STR(resolve(db, "nobody@example.test"), "unknown");
	CHECK_STR(resolve(db, "alice@elsewhere.test"), "unknown");
	CHECK_STR(resolve(db, "bad address@example.test"),
	    "error: invalid address 'bad\\x20address@example.test': space in local part");
	/* role addresses: first user, or the domain's postmaster */
	CHECK_STR(resolve(db, "postmaster@example.test"), "L:alice@example.test");
	CHECK_STR(resolve(db, "dmarcreports@example.test"), "L:alice@example.test");
	CHECK_STR(resolve(db, "abuse@bücher.example"), "E:boss@far.test");
	CHECK_STR(resolve(db, "webmaster@empty.test"), "unknown");
	CHECK_STR(resolve(db, "security@example.test"), "unknown");

	struct buf err = BUF_INIT;
	/* the catch-all comes after the role addresses */
	CHECK(userdb_alias_add(db, "@example.test", "ext@far.test", &err));
	CHECK_STR(resolve(db, "nobody@example.test"), "E:ext@far.test");
	CHECK_STR(resolve(db, "hostmaster@example.test"), "L:alice@example.test");
	/* bare local part, then user+tag bare */
	CHECK(userdb_alias_add(db, "info", "alice@example.test", &err));
	CHECK_STR(resolve(db, "info@example.test"), "L:alice@example.test");
	CHECK_STR(resolve(db, "info@empty.test"), "L:alice@example.test");
	CHECK_STR(resolve(db, "info+x@empty.test"), "L:alice@example.test");
	CHECK(userdb_alias_add(db, "info+x", "jörg@bücher.example", &err));
	CHECK_STR(resolve(db, "info+x@empty.test"), "L:jörg@bücher.example");
	/* user@domain beats the bare local part */
	CHECK(userdb_alias_add(db, "info@empty.test", "a@b.test", &err));
	CHECK_STR(resolve(db, "info+x@empty.test"), "E:a@b.test");
	/* user+tag@domain beats everything */
	CHECK(userdb_alias_add(db, "info+x@empty.test", "c@d.test", &err));
	CHECK_STR(resolve(db, "info+x@empty.test"), "E:c@d.test");
	/* an explicit role alias wins over the default */
	CHECK(userdb_alias_add(db, "abuse", "c@d.test", &err));
	CHECK_STR(resolve(db, "abuse@example.test"), "E:c@d.test");
	/* an alias of a real user's own address keeps a copy, with the tag */
	CHECK(userdb_alias_add(db, "alice@example.test", "alice@example.test", &err));
	CHECK(userdb_alias_add(db, "alice@example.test", "copy@far.test", &err));
	CHECK_STR(resolve(db, "alice+t@example.test"),
	    "L:alice@example.test/t E:copy@far.test");
	/* several destinations, nested, de-duplicated; dangling ones skipped */
	CHECK(userdb_alias_add(db, "team@example.test", "alice@example.test", &err));
	CHECK(userdb_alias_add(db, "team@example.test", "info@example.test", &err));
	CHECK(userdb_alias_add(db, "team@example.test", "gone@empty.test", &err));
	CHECK_STR(resolve(db, "team@example.test"), "L:alice@example.test "
	    "E:copy@far.test");
	CHECK_STR(buf_cstr(&err), "");
	buf_free(&err);
	userdb_close(db);
}

TEST(userdb_alias_loops_and_errors)
{
	struct userdb *db = resolution_db();
	CHECK_STR(ERR_OF(userdb_alias_add(db, "a@example.test", "a@example.test", &err)),
	    "alias loop: a@example.test -> a@example.test");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "a@example.test", "b@example.test", &err)), "");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "b@example.test", "a@example.test", &err)),
	    "alias loop: a@example.test -> b@example.test -> a@example.test");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "b", "a@empty.test", &err)), "");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "@empty.test", "b@example.test", &err)),
	    "alias loop: b@example.test -> a@empty.test -> b@example.test");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "a@example.test", "b@example.test", &err)),
	    "alias a@example.test -> b@example.test already exists");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "x@nope.test", "b@example.test", &err)),
	    "unknown domain nope.test");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "a..b", "b@example.test", &err)),
	    "invalid alias source 'a..b': consecutive dots in local part");
	CHECK_STR(ERR_OF(userdb_alias_add(db, "a@example.test", "@example.test", &err)),
	    "invalid address '@example.test': empty local part");
	CHECK(count("aliases") == 2);
	/* deleting alice would send her mail to the catch-all, back to her */
	CHECK_STR(ERR_OF(userdb_alias_add(db, "@example.test", "alice@example.test",
	    &err)), "");
	CHECK_STR(ERR_OF(userdb_user_del(db, "alice@example.test", &err)),
	    "alias loop: alice@example.test -> alice@example.test");
	CHECK(count("users") == 2);
	/* a chain deeper than the limit */
	char s[64], d[64];
	for (int i = 0; i < USERDB_ALIAS_DEPTH; i++) {
		snprintf(s, sizeof s, "c%d@empty.test", i);
		snprintf(d, sizeof d, "c%d@%s", i + 1,
		    i + 1 == USERDB_ALIAS_DEPTH ? "far.test" : "empty.test");
		CHECK_STR(ERR_OF(userdb_alias_add(db, s, d, &err)), "");
	}
	CHECK(strncmp(resolve(db, "c0@empty.test"), "error: aliases nested too deep", 30) == 0);
	CHECK_STR(ERR_OF(userdb_alias_del(db, "c0@empty.test", "zz@empty.test", &err)),
	    "no alias c0@empty.test -> zz@empty.test");
	CHECK_STR(ERR_OF(userdb_alias_del(db, "nothing", NULL, &err)), "no alias nothing");
	CHECK_STR(ERR_OF(userdb_alias_del(db, "C0@EMPTY.test", NULL, &err)), "");
	CHECK_STR(resolve(db, "c1@empty.test"), "E:c16@far.test");
	userdb_close(db);
}
