/* The name set of a destination folder (ctl/import.h). */
#include "t.h"

#include <stdio.h>
#include <sys/stat.h>

#include "ctl/import.h"

static void touch(const char *dir, const char *sub, const char *name)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, sub);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/%s/%s", dir, sub, name);
	FILE *f = fopen(p, "w");
	if (f != NULL)
		fclose(f);
}

TEST(import_name_set_matches_as_maildir_has)
{
	const char *dir = t_tmpdir();
	touch(dir, "cur", "a,S=1,U=7:2,S");
	touch(dir, "cur", "a1,S=2:2,");
	touch(dir, "new", "b,S=3");
	touch(dir, "new", ".hidden");
	struct name_set s;
	name_set_load(&s, dir);
	CHECK(s.n == 3);
	CHECK(name_set_has(&s, "a,S=1"));
	CHECK(name_set_has(&s, "a1,S=2"));
	CHECK(name_set_has(&s, "b,S=3"));
	CHECK(name_set_has(&s, "a"));           /* "a" then ',' */
	CHECK(!name_set_has(&s, "a,S"));        /* "a,S" then '=' */
	CHECK(!name_set_has(&s, "b,S=30"));
	CHECK(!name_set_has(&s, ".hidden"));
	CHECK(!name_set_has(&s, ""));
	name_set_add(&s, "0first");
	name_set_add(&s, "zlast");
	name_set_add(&s, "m");
	CHECK(name_set_has(&s, "0first") && name_set_has(&s, "zlast") &&
	    name_set_has(&s, "m") && name_set_has(&s, "a,S=1"));
	for (size_t i = 1; i < s.n; i++)
		CHECK(strcmp(s.v[i - 1], s.v[i]) < 0);
	name_set_free(&s);
	name_set_load(&s, "/nonexistent/dir");
	CHECK(s.n == 0 && !name_set_has(&s, "x"));
	name_set_free(&s);
}
