#include "t.h"

#include <stdlib.h>

#include "common/buf.h"
#include "mail/addrlist.h"
#include "mail/maildate.h"

static const char *nz(const char *s)
{
	return s ? s : "(nil)";
}

/* "name|adl|mailbox|host" per entry, ";"-separated */
static const char *fmt(const char *in, struct buf *out)
{
	struct addrlist l;
	addrlist_parse(in, strlen(in), 0, &l);
	buf_reset(out);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(out, "%s%s|%s|%s|%s%s", i ? ";" : "",
		    nz(l.v[i].name), nz(l.v[i].adl), nz(l.v[i].mailbox),
		    nz(l.v[i].host), l.v[i].invalid ? "!" : "");
	addrlist_free(&l);
	return buf_cstr(out);
}

TEST(addrlist_common_forms)
{
	struct buf b = BUF_INIT;
	CHECK_STR(fmt("John Doe <john.doe@example.com>", &b),
	    "John Doe|(nil)|john.doe|example.com");
	CHECK_STR(fmt("\"Doe, John\" <j@x.org>, k@y.org (Kay K)", &b),
	    "Doe, John|(nil)|j|x.org;Kay K|(nil)|k|y.org");
	CHECK_STR(fmt("=?utf-8?q?J=C3=B6rg?= <j@x>", &b),
	    "=?utf-8?q?J=C3=B6rg?=|(nil)|j|x");
	CHECK_STR(fmt("John Q. Public <jqp@x>", &b),
	    "John Q. Public|(nil)|jqp|x");
	CHECK_STR(fmt("\"odd local\"@[192.0.2.1]", &b),
	    "(nil)|(nil)|odd local|[192.0.2.1]");
	CHECK_STR(fmt("<>", &b), "(nil)|(nil)||");
	CHECK_STR(fmt("", &b), "");
	buf_free(&b);
}

TEST(addrlist_groups_and_routes)
{
	struct buf b = BUF_INIT;
	CHECK_STR(fmt("Undisclosed recipients:;", &b),
	    "(nil)|(nil)|Undisclosed recipients|(nil);(nil)|(nil)|(nil)|(nil)");
	CHECK_STR(fmt("team: a@x, B <b@y>; c@z", &b),
	    "(nil)|(nil)|team|(nil);(nil)|(nil)|a|x;B|(nil)|b|y;"
	    "(nil)|(nil)|(nil)|(nil);(nil)|(nil)|c|z");
	CHECK_STR(fmt("<@r1.example,@r2.example:u@h>", &b),
	    "(nil)|@r1.example,@r2.example|u|h");
	CHECK_STR(fmt("unclosed: a@x", &b),
	    "(nil)|(nil)|unclosed|(nil);(nil)|(nil)|a|x;(nil)|(nil)|(nil)|(nil)");
	buf_free(&b);
}

TEST(addrlist_hostile)
{
	struct buf b = BUF_INIT;
	CHECK_STR(fmt("undisclosed-recipients", &b),
	    "(nil)|(nil)|undisclosed-recipients|!");
	CHECK_STR(fmt("a@", &b), "(nil)|(nil)|a|!");
	CHECK_STR(fmt("\"unterminated <x@y>", &b),
	    "(nil)|(nil)|unterminated <x@y>|!");
	CHECK_STR(fmt("Name <a@b", &b), "Name|(nil)|a|b");
	CHECK_STR(fmt("a@b (unterminated comment", &b),
	    "unterminated comment|(nil)|a|b");
	CHECK_STR(fmt(",,, ;;; >> a@b junk junk, <c@d> trailing", &b),
	    "(nil)|(nil)|a|b;(nil)|(nil)|c|d");
	const char nul[] = "A\0B <x@y>";
	struct addrlist l;
	addrlist_parse(nul, sizeof(nul) - 1, 0, &l);
	CHECK(l.n == 1 && strcmp(l.v[0].name, "A B") == 0);
	addrlist_free(&l);
	/* deep comments and huge lists stay bounded */
	buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		buf_addch(&b, '(');
	buf_addstr(&b, "x@y");
	addrlist_parse(b.data, b.len, 0, &l);
	CHECK(l.n == 0);
	addrlist_free(&l);
	buf_reset(&b);
	for (int i = 0; i < 20000; i++)
		buf_addstr(&b, "a@b,");
	addrlist_parse(b.data, b.len, 0, &l);
	CHECK(l.n == ADDRLIST_MAX_DEFAULT && l.truncated);
	addrlist_free(&l);
	buf_reset(&b);
	for (int i = 0; i < 20000; i++)
		buf_addstr(&b, "g:");
	addrlist_parse(b.data, b.len, 10, &l);
	CHECK(l.n == 3 && l.v[2].mailbox == NULL);   /* start, nested junk, end */
	addrlist_free(&l);
	buf_free(&b);
}

static bool date(const char *s, time_t *t, int *tz)
{
	return mail_date_parse(s, strlen(s), t, tz);
}

TEST(date_forms)
{
	time_t t;
	int tz;
	CHECK(date("Mon, 23 Nov 2026 12:30:55 +0100", &t, &tz));
	CHECK(t == 1795433455 && tz == 60);
	CHECK(date("23 Nov 2026 11:30:55 GMT", &t, &tz));
	CHECK(t == 1795433455 && tz == 0);
	CHECK(date(" Mon (comment) , 23 nov 26 06:30:55 EST (Eastern)", &t, &tz));
	CHECK(t == 1795433455 && tz == -300);
	CHECK(date("23-Nov-2026 11:30 +0000", &t, &tz));
	CHECK(t == 1795433400);
	CHECK(date("1 Jan 70 00:00:00 Q", &t, &tz) && t == 0 && tz == 0);
	CHECK(date("29 Feb 2000 00:00:00 -0000", &t, &tz));
	CHECK(date("1 January 999 00:00:00", &t, &tz));   /* 3-digit: 2899 */
	CHECK(date("31 Dec 9999 23:59:60 +9959", &t, &tz));
}

TEST(date_rejects_garbage)
{
	time_t t = 42;
	int tz = 7;
	CHECK(!date("", &t, &tz));
	CHECK(!date("29 Feb 2001 00:00:00", &t, &tz));
	CHECK(!date("32 Jan 2001 00:00:00", &t, &tz));
	CHECK(!date("1 Foo 2001 00:00:00", &t, &tz));
	CHECK(!date("1 Jan 2001 24:00:00", &t, &tz));
	CHECK(!date("1 Jan 2001 12", &t, &tz));
	CHECK(!date("1 Jan 20011 12:00", &t, &tz));
	CHECK(!date("1-Jan 2001 12:00", &t, &tz));
	CHECK(!date("99999999999999999999 Jan 2001 12:00", &t, &tz));
	CHECK(!date("Mon,", &t, &tz));
	CHECK(t == 42 && tz == 7);
	CHECK(date("1 Jan 2001 12:00 +12345", &t, &tz) && tz == 0);
}
