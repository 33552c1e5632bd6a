#include "t.h"

#include <string.h>

#include "smtp/mtasts.h"

static enum mtasts_txt txt(const char *s, char id[MTASTS_ID_MAX + 1])
{
	return mtasts_txt_parse(s, strlen(s), id);
}

TEST(mtasts_txt_record)
{
	char id[MTASTS_ID_MAX + 1];
	CHECK(txt("v=STSv1; id=20160831085700Z;", id) == MTASTS_TXT_VALID);
	CHECK_STR(id, "20160831085700Z");
	CHECK(txt("v=STSv1;id=abc", id) == MTASTS_TXT_VALID);
	CHECK_STR(id, "abc");
	CHECK(txt("v=STSv1 ;\tid=x1 ; ext=a!b", id) == MTASTS_TXT_VALID);
	CHECK(txt("v=spf1 -all", id) == MTASTS_TXT_OTHER);
	CHECK(txt("V=STSv1; id=a", id) == MTASTS_TXT_OTHER);
	/* Starts as STS but is not one: the domain then has no policy. */
	CHECK(txt("v=STSv1", id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1;", id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1; id=", id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1; id=a-b", id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1; id=a; id=b", id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1 id=a", id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1; id=123456789012345678901234567890123",
	    id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1; id=12345678901234567890123456789012",
	    id) == MTASTS_TXT_VALID);
	CHECK(mtasts_txt_parse("v=STSv1; id=a\0b", 15, id) == MTASTS_TXT_INVALID);
	CHECK(txt("v=STSv1; id=a; x=\x80", id) == MTASTS_TXT_INVALID);
}

static bool parse(const char *s, struct mtasts_policy *p)
{
	struct buf err = BUF_INIT;
	bool ok = mtasts_policy_parse(s, strlen(s), p, &err);
	buf_free(&err);
	return ok;
}

TEST(mtasts_policy_file)
{
	struct mtasts_policy p;
	CHECK(parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.Example.NET\r\nmx: backupmx.example.com\r\n"
	    "max_age: 604800\r\n", &p));
	CHECK(p.mode == MTASTS_ENFORCE && p.max_age == 604800 && p.nmx == 3);
	CHECK_STR(p.mx[1], "*.example.net");
	/* LF lines, spaces, unknown fields, no final newline. */
	CHECK(parse("version:STSv1\nmode:   testing  \nfoo: bar baz\n"
	    "mx: a.test\nmax_age: 99999999999", &p) == false);   /* 11 digits */
	CHECK(parse("version:STSv1\nmode:   testing  \nfoo: bar baz\n"
	    "mx: a.test\nmax_age: 9999999999", &p));
	CHECK(p.mode == MTASTS_TESTING && p.max_age == MTASTS_MAX_AGE);
	CHECK(parse("version: STSv1\nmode: none\nmax_age: 1\n", &p));
	CHECK(p.mode == MTASTS_NONE);
	/* The first of a repeated field counts. */
	CHECK(parse("version: STSv1\nmode: testing\nmode: enforce\nmx: a.test\n"
	    "max_age: 5\n", &p) && p.mode == MTASTS_TESTING);
}

TEST(mtasts_policy_hostile)
{
	struct mtasts_policy p;
	static const char *const bad[] = {
		"",
		"mode: enforce\nmx: a.test\nmax_age: 1\n",            /* no version */
		"version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmode: Enforce\nmx: a.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\n",        /* no mx */
		"version: STSv1\nmode: enforce\nmx: a.test\n",        /* no max_age */
		"version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n",
		"version: STSv1\nmode: enforce\nmx: a..test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a.test*\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: -a.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx a.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: \xc3\xa4.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\n: a.test\nmax_age: 1\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!parse(bad[i], &p));
	static const char nul[] = "version: STSv1\nmode: none\0\nmax_age: 1\n";
	struct buf err = BUF_INIT;
	CHECK(!mtasts_policy_parse(nul, sizeof nul - 1, &p, &err));
	/* A label over 63 octets; a policy over the limit. */
	struct buf big = BUF_INIT;
	buf_addstr(&big, "version: STSv1\nmode: enforce\nmax_age: 1\nmx: ");
	for (int i = 0; i < 64; i++)
		buf_addch(&big, 'a');
	buf_addstr(&big, ".test\n");
	CHECK(!mtasts_policy_parse(big.data, big.len, &p, &err));
	buf_reset(&big);
	buf_addstr(&big, "version: STSv1\nmode: enforce\nmax_age: 1\n");
	/* Many patterns: the first MTASTS_MAX_MX are kept. */
	for (int i = 0; i < 100; i++)
		buf_printf(&big, "mx: m%d.test\n", i);
	CHECK(mtasts_policy_parse(big.data, big.len, &p, &err));
	CHECK(p.nmx == MTASTS_MAX_MX);
	while (big.len <= MTASTS_POLICY_MAX)
		buf_addstr(&big, "x-pad: 0123456789012345678901234567890123456789\n");
	CHECK(!mtasts_policy_parse(big.data, big.len, &p, &err));
	buf_free(&big);
	buf_free(&err);
}

TEST(mtasts_mx_matching)
{
	struct mtasts_policy p;
	CHECK(parse("version: STSv1\nmode: enforce\nmax_age: 1\n"
	    "mx: mail.example.com\nmx: *.example.net\n", &p));
	CHECK(mtasts_mx_match(&p, "mail.example.com"));
	CHECK(mtasts_mx_match(&p, "MAIL.Example.com."));
	CHECK(!mtasts_mx_match(&p, "example.com"));
	CHECK(!mtasts_mx_match(&p, "xmail.example.com"));
	CHECK(mtasts_mx_match(&p, "mx1.example.net"));
	/* The wildcard covers one label only, and not the bare suffix. */
	CHECK(!mtasts_mx_match(&p, "a.b.example.net"));
	CHECK(!mtasts_mx_match(&p, "example.net"));
	CHECK(!mtasts_mx_match(&p, ".example.net"));
	CHECK(!mtasts_mx_match(&p, "mx1example.net"));
	CHECK(!mtasts_mx_match(&p, ""));
	CHECK(!mtasts_mx_match(&p, "."));
}
