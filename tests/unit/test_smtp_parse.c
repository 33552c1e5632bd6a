/* SMTP argument parsing: paths, parameters, xtext, numbers, HELO names. */
#include "t.h"

#include <stdio.h>

#include "smtp/smtp_parse.h"

static enum smtp_path_result path(const char *in, unsigned flags,
    struct smtp_addr *a, const char **end)
{
	const char *e = NULL;
	enum smtp_path_result r = smtp_parse_path(in, flags, a, &e);
	if (end != NULL)
		*end = e;
	return r;
}

TEST(smtp_parse_path_simple)
{
	struct smtp_addr a;
	const char *end;
	CHECK(path("<User.Name+tag@Example.TEST> SIZE=1", 0, &a, &end) == SMTP_PATH_OK);
	CHECK_STR(a.local, "User.Name+tag");
	CHECK_STR(a.domain, "Example.TEST");
	CHECK_STR(a.mailbox, "User.Name+tag@Example.TEST");
	CHECK_STR(end, " SIZE=1");
	CHECK(!a.null && !a.postmaster && !a.utf8);
	CHECK(path("<>", SMTP_PATH_ALLOW_NULL, &a, &end) == SMTP_PATH_OK);
	CHECK(a.null && a.mailbox[0] == '\0' && *end == '\0');
	CHECK(path("<>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<PostMaster>", SMTP_PATH_ALLOW_POSTMASTER, &a, NULL) == SMTP_PATH_OK);
	CHECK(a.postmaster);
	CHECK_STR(a.mailbox, "postmaster");
	CHECK(path("<postmaster>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<\"postmaster\">", SMTP_PATH_ALLOW_POSTMASTER, &a, NULL) == SMTP_PATH_SYNTAX);
}

TEST(smtp_parse_path_quoted_and_routes)
{
	struct smtp_addr a;
	CHECK(path("<\"john doe\"@x.test>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK_STR(a.local, "john doe");
	CHECK_STR(a.mailbox, "\"john doe\"@x.test");
	CHECK(path("<\"a\\\"b\\\\c\"@x.test>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK_STR(a.local, "a\"b\\c");
	CHECK_STR(a.mailbox, "\"a\\\"b\\\\c\"@x.test");
	CHECK(path("<\"plain\"@x.test>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK_STR(a.mailbox, "plain@x.test");   /* needless quotes dropped */
	CHECK(path("<\"\"@x.test>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK_STR(a.mailbox, "\"\"@x.test");
	CHECK(path("<\"a\\\x01\"@x.test>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<\"unterminated@x.test>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<\"a\"b@x.test>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<@a.test,@b.test:u@c.test>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK_STR(a.mailbox, "u@c.test");
	CHECK(path("<@a.test:u@c.test>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK(path("<@a.test,u@c.test>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<@:u@c.test>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
}

TEST(smtp_parse_path_hostile)
{
	struct smtp_addr a;
	const char *bad[] = { "", "a@b.test", "<a@b.test", "a@b.test>",
	    "<a@>", "<@b.test>", "<a>", "<a@b..test>", "<a@.b.test>",
	    "<a@b.test.>", "<.a@b.test>", "<a.@b.test>", "<a..b@c.test>",
	    "<a@-b.test>", "<a@b-.test>", "<a b@c.test>", "<a@b@c.test>",
	    "<a@[1.2.3]>", "<a@[1.2.3.4>", "<a@[IPv6:zz::1]>", "<a@[x:]>",
	    "<a@b_c.test>", "<a@b.test >", "< a@b.test>", "<a\x01@b.test>",
	    "<a@[tag:a]b]>", "<<a@b.test>>" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool ok = path(bad[i], SMTP_PATH_ALLOW_NULL | SMTP_PATH_ALLOW_UTF8,
		    &a, NULL) == SMTP_PATH_SYNTAX;
		if (!ok)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(ok);
	}
	const char *end;
	CHECK(path("<a@b.test>>", 0, &a, &end) == SMTP_PATH_OK);
	CHECK_STR(end, ">");   /* the caller refuses what follows */
}

TEST(smtp_parse_path_literals)
{
	struct smtp_addr a;
	CHECK(path("<a@[192.0.2.1]>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK_STR(a.domain, "[192.0.2.1]");
	CHECK_STR(a.mailbox, "a@[192.0.2.1]");
	CHECK(path("<a@[IPv6:2001:db8::1]>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK(path("<a@[ipv6:::1]>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK(path("<a@[x-tag:content]>", 0, &a, NULL) == SMTP_PATH_OK);
	CHECK(path("<a@[300.1.1.1]>", 0, &a, NULL) == SMTP_PATH_SYNTAX);
}

TEST(smtp_parse_path_lengths)
{
	struct smtp_addr a;
	char in[600], label[70];
	memset(label, 'l', 63);
	label[63] = '\0';
	/* local part of 64 is fine, 65 too long */
	snprintf(in, sizeof(in), "<%.64s@x.test>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK(path(in, 0, &a, NULL) == SMTP_PATH_OK);
	CHECK(strlen(a.local) == 64);
	snprintf(in, sizeof(in), "<%.65s@x.test>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK(path(in, 0, &a, NULL) == SMTP_PATH_TOO_LONG);
	snprintf(in, sizeof(in), "<\"%.63s\"@x.test>", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	CHECK(path(in, 0, &a, NULL) == SMTP_PATH_TOO_LONG);   /* 65 with quotes */
	snprintf(in, sizeof(in), "<a@%s.test>", label);
	CHECK(path(in, 0, &a, NULL) == SMTP_PATH_OK);
	snprintf(in, sizeof(in), "<a@%sl.test>", label);
	CHECK(path(in, 0, &a, NULL) == SMTP_PATH_SYNTAX);
	/* 4 labels of 63 = 255 octets of domain: path over 256 */
	snprintf(in, sizeof(in), "<a@%s.%s.%s.%s>", label, label, label, label);
	CHECK(path(in, 0, &a, NULL) == SMTP_PATH_TOO_LONG);
	snprintf(in, sizeof(in), "<a@%s.%s.%s.%s.%s>", label, label, label, label, label);
	CHECK(path(in, 0, &a, NULL) == SMTP_PATH_TOO_LONG);
	/* a huge quoted local part and a huge literal */
	memset(in, 'q', sizeof(in));
	memcpy(in, "<\"", 2);
	memcpy(in + 500, "\"@x.test>", 10);
	CHECK(path(in, 0, &a, NULL) != SMTP_PATH_OK);
	memcpy(in, "<a@[", 4);
	memcpy(in + 500, "]>", 3);
	CHECK(path(in, 0, &a, NULL) != SMTP_PATH_OK);
}

TEST(smtp_parse_path_utf8)
{
	struct smtp_addr a;
	CHECK(path("<j\xc3\xb6rg@b\xc3\xbc.test>", 0, &a, NULL) == SMTP_PATH_NON_ASCII);
	CHECK(path("<j\xc3\xb6rg@b\xc3\xbc.test>", SMTP_PATH_ALLOW_UTF8, &a, NULL) == SMTP_PATH_OK);
	CHECK(a.utf8);
	CHECK_STR(a.mailbox, "j\xc3\xb6rg@b\xc3\xbc.test");
	CHECK(path("<\xc3@b.test>", SMTP_PATH_ALLOW_UTF8, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<\xed\xa0\x80@b.test>", SMTP_PATH_ALLOW_UTF8, &a, NULL) == SMTP_PATH_SYNTAX);
	CHECK(path("<\"\xc3\xa9 x\"@b.test>", SMTP_PATH_ALLOW_UTF8, &a, NULL) == SMTP_PATH_OK);
}

TEST(smtp_parse_params_split)
{
	struct smtp_param p[SMTP_MAX_PARAMS];
	char s1[] = "  SIZE=10  BODY=8BITMIME SMTPUTF8 ";
	CHECK(smtp_parse_params(s1, p, SMTP_MAX_PARAMS) == 3);
	CHECK_STR(p[0].key, "SIZE");
	CHECK_STR(p[0].value, "10");
	CHECK_STR(p[2].key, "SMTPUTF8");
	CHECK(p[2].value == NULL);
	char s2[] = "";
	CHECK(smtp_parse_params(s2, p, SMTP_MAX_PARAMS) == 0);
	char s3[] = "A=";
	CHECK(smtp_parse_params(s3, p, SMTP_MAX_PARAMS) == -1);
	char s4[] = "-A=1";
	CHECK(smtp_parse_params(s4, p, SMTP_MAX_PARAMS) == -1);
	char s5[] = "A=b=c";
	CHECK(smtp_parse_params(s5, p, SMTP_MAX_PARAMS) == -1);
	char s6[] = "A B C D E F G H I";
	CHECK(smtp_parse_params(s6, p, SMTP_MAX_PARAMS) == -1);
	char s7[] = "A=\x7f";
	CHECK(smtp_parse_params(s7, p, SMTP_MAX_PARAMS) == -1);
}

TEST(smtp_parse_xtext_u64_helo_verb)
{
	char d[16];
	CHECK(smtp_xtext_decode("a+2Bb+3D", d, sizeof(d)));
	CHECK_STR(d, "a+b=");
	CHECK(!smtp_xtext_decode("a+2", d, sizeof(d)));
	CHECK(!smtp_xtext_decode("a+zz", d, sizeof(d)));
	CHECK(!smtp_xtext_decode("a+00", d, sizeof(d)));
	CHECK(!smtp_xtext_decode("0123456789abcdefg", d, sizeof(d)));
	uint64_t v;
	CHECK(smtp_parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
	CHECK(!smtp_parse_u64("18446744073709551616", &v));
	CHECK(!smtp_parse_u64("000000000000000000001", &v));
	CHECK(!smtp_parse_u64("", &v) && !smtp_parse_u64("-1", &v) &&
	    !smtp_parse_u64("1 ", &v));
	CHECK(smtp_parse_u64("0", &v) && v == 0);
	CHECK(smtp_valid_helo("mail.example.test"));
	CHECK(smtp_valid_helo("[192.0.2.1]"));
	CHECK(!smtp_valid_helo(""));
	CHECK(!smtp_valid_helo("a b"));
	CHECK(!smtp_valid_helo("[1.2.3.4"));
	CHECK_STR(smtp_match_verb("mail FROM:<>", "MAIL"), "FROM:<>");
	CHECK_STR(smtp_match_verb("DATA", "DATA"), "");
	CHECK(smtp_match_verb("DATAX", "DATA") == NULL);
	CHECK(smtp_match_verb("DAT", "DATA") == NULL);
}
