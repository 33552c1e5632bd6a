/* Sieve script storage: put, activate, list, rename, delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sievestore.h"
#include "t.h"

TEST(sievestore_names)
{
	CHECK(sievestore_name_ok("vacation"));
	CHECK(sievestore_name_ok("mes règles"));
	CHECK(!sievestore_name_ok(""));
	CHECK(!sievestore_name_ok(".hidden"));
	CHECK(!sievestore_name_ok("a/b"));
	CHECK(!sievestore_name_ok("a\nb"));
	CHECK(!sievestore_name_ok("bad\xff"));
	char long_name[200];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	CHECK(!sievestore_name_ok(long_name));
	struct buf d = BUF_INIT;
	sievestore_dir("/m", "bob@example.com", &d);
	CHECK_STR(d.data, "/m/example.com/bob/sieve");
	buf_free(&d);
}

TEST(sievestore_lifecycle)
{
	struct buf dir = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	sievestore_dir(t_tmpdir(), "bob@example.com", &dir);
	sievestore_active(dir.data, &out);
	CHECK_STR(buf_cstr(&out), "");
	size_t n = 9;
	CHECK(sievestore_list(dir.data, &n) == NULL && n == 0);
	CHECK(sievestore_put(dir.data, "one", "keep;", 5, &err) == SIEVESTORE_OK);
	CHECK(sievestore_put(dir.data, "two", "discard;", 8, &err) == SIEVESTORE_OK);
	CHECK(sievestore_activate(dir.data, "nope", &err) == SIEVESTORE_NOTFOUND);
	CHECK(sievestore_activate(dir.data, "one", &err) == SIEVESTORE_OK);
	sievestore_active(dir.data, &out);
	CHECK_STR(buf_cstr(&out), "one");
	CHECK(sievestore_delete(dir.data, "one", &err) == SIEVESTORE_ACTIVE);
	CHECK(sievestore_rename(dir.data, "one", "two", &err) == SIEVESTORE_EXISTS);
	CHECK(sievestore_rename(dir.data, "one", "uno", &err) == SIEVESTORE_OK);
	sievestore_active(dir.data, &out);
	CHECK_STR(buf_cstr(&out), "uno");
	char **v = sievestore_list(dir.data, &n);
	CHECK(n == 2 && !strcmp(v[0], "two") && !strcmp(v[1], "uno"));
	sievestore_list_free(v, n);
	buf_reset(&out);
	CHECK(sievestore_get(dir.data, "uno", &out, &err) == SIEVESTORE_OK);
	CHECK_STR(buf_cstr(&out), "keep;");
	CHECK(sievestore_get(dir.data, "one", &out, &err) == SIEVESTORE_NOTFOUND);
	CHECK(sievestore_delete(dir.data, "two", &err) == SIEVESTORE_OK);
	CHECK(sievestore_delete(dir.data, "two", &err) == SIEVESTORE_NOTFOUND);
	CHECK(sievestore_activate(dir.data, "", &err) == SIEVESTORE_OK);
	sievestore_active(dir.data, &out);
	CHECK_STR(buf_cstr(&out), "");
	CHECK(sievestore_delete(dir.data, "uno", &err) == SIEVESTORE_OK);
	for (int i = 0; i < SIEVESTORE_MAX_SCRIPTS; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		CHECK(sievestore_put(dir.data, name, "", 0, &err) == SIEVESTORE_OK);
	}
	CHECK(sievestore_put(dir.data, "more", "", 0, &err) == SIEVESTORE_FULL);
	CHECK(sievestore_put(dir.data, "s1", "keep;", 5, &err) == SIEVESTORE_OK);
	buf_free(&dir);
	buf_free(&out);
	buf_free(&err);
}

TEST(sievestore_vacation_memory)
{
	struct buf dir = BUF_INIT;
	sievestore_dir(t_tmpdir(), "bob@example.com", &dir);
	time_t now = 1800000000;
	const char *k1 = "00ff", *k2 = "abcd";
	CHECK(sievestore_vacation_due(dir.data, k1, 7, now));
	CHECK(!sievestore_vacation_due(dir.data, k1, 7, now + 3600));
	CHECK(sievestore_vacation_due(dir.data, k2, 7, now + 3600));
	CHECK(!sievestore_vacation_due(dir.data, k1, 7, now + 7 * 86400 - 1));
	CHECK(sievestore_vacation_due(dir.data, k1, 7, now + 7 * 86400));
	CHECK(!sievestore_vacation_due(dir.data, "../x", 7, now));
	CHECK(!sievestore_vacation_due(dir.data, "", 7, now));
	/* A year on, the old record of k2 is pruned when k1 records. */
	CHECK(sievestore_vacation_due(dir.data, k1, 7, now + 400L * 86400));
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/.vacation/%s", dir.data, k2);
	CHECK(access(p.data, F_OK) != 0);
	buf_free(&p);
	buf_free(&dir);
}
