#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "imap/view_int.h"
#include "imap_view_fx.h"

TEST(imap_sort_base_subject)
{
	static const struct { const char *in, *want; bool reply; } t[] = {
		{ "Hello", "hello", false },
		{ "Re: hello", "hello", true },
		{ "RE:  Re:hello  ", "hello", true },
		{ "Fwd: [list] Re: hello (fwd)", "hello", true },
		{ "[list] hello", "hello", false },
		{ "[list]", "[list]", false },
		{ "[Fwd: Re: hello]", "hello", true },
		{ "Re[2]: hello", "hello", true },
		{ "=?utf-8?q?Re=3A_Gr=C3=BC=C3=9Fe?=", "grüsse", true },
		{ "  \t ", "", false },
		{ "re: [fwd: fw: ]", "", true },
		{ "Reply to all", "reply to all", false },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct buf out = BUF_INIT;
		bool reply;
		sort_base_subject(t[i].in, strlen(t[i].in), &out, &reply);
		CHECK_STR(buf_cstr(&out), t[i].want);
		if (reply != t[i].reply)
			fprintf(stderr, "reply flag of [%s]\n", t[i].in);
		CHECK(reply == t[i].reply);
		buf_free(&out);
	}
}

static void add(struct fx *f, const char *from, const char *to,
    const char *subject, const char *date, const char *id, const char *refs,
    size_t pad)
{
	struct buf m = BUF_INIT;
	buf_printf(&m, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from, to, subject);
	if (date)
		buf_printf(&m, "Date: %s\r\n", date);
	if (id)
		buf_printf(&m, "Message-ID: <%s>\r\n", id);
	if (refs)
		buf_printf(&m, "References: %s\r\n", refs);
	buf_addstr(&m, "\r\n");
	for (size_t i = 0; i < pad; i++)
		buf_addch(&m, 'x');
	buf_addstr(&m, "\r\n");
	fx_add(f, m.data, m.len);
	buf_free(&m);
}

static const char *run(struct fx *f, const char *cmd)
{
	static struct buf out;
	struct buf text = BUF_INIT;
	enum imap_view_rc rc = fx_cmd(f, cmd, &out, &text);
	if (rc != IMAP_VIEW_OK)
		buf_printf(&out, "rc %d %s", rc, buf_cstr(&text));
	buf_free(&text);
	return buf_cstr(&out);
}

TEST(imap_sort_criteria)
{
	struct fx f;
	fx_init(&f, true);
	add(&f, "Zed <zed@example.org>", "b@x", "Re: beta",
	    "Tue, 24 Nov 2026 10:00:00 +0000", "1@x", NULL, 50);
	add(&f, "\"Anna\" <yvonne@example.org>", "a@x", "alpha",
	    "Tue, 24 Nov 2026 09:00:00 -0200", "2@x", NULL, 10);
	add(&f, "mike@example.org", "c@x", "[list] Beta",
	    "Mon, 23 Nov 2026 10:00:00 +0000", "3@x", NULL, 30);
	add(&f, "bob@example.org", "", "gamma", NULL, "4@x", NULL, 20);
	f.v.msgs.v[0].internaldate = 4000;
	f.v.msgs.v[1].internaldate = 3000;
	f.v.msgs.v[2].internaldate = 2000;
	f.v.msgs.v[3].internaldate = 1000;
	CHECK_STR(run(&f, "a SORT (SUBJECT) UTF-8 ALL"), "* SORT 2 1 3 4\r\n");
	CHECK_STR(run(&f, "a SORT (ARRIVAL) UTF-8 ALL"), "* SORT 4 3 2 1\r\n");
	CHECK_STR(run(&f, "a SORT (REVERSE ARRIVAL) UTF-8 ALL"),
	    "* SORT 1 2 3 4\r\n");
	/* 4 has no Date: its INTERNALDATE (1970) comes first */
	CHECK_STR(run(&f, "a SORT (DATE) UTF-8 ALL"), "* SORT 4 3 1 2\r\n");
	CHECK_STR(run(&f, "a SORT (FROM) UTF-8 ALL"), "* SORT 4 3 2 1\r\n");
	CHECK_STR(run(&f, "a SORT (DISPLAYFROM) UTF-8 ALL"), "* SORT 2 4 3 1\r\n");
	CHECK_STR(run(&f, "a SORT (TO) UTF-8 ALL"), "* SORT 4 2 1 3\r\n");
	CHECK_STR(run(&f, "a SORT (SIZE) UTF-8 ALL"), "* SORT 4 2 3 1\r\n");
	CHECK_STR(run(&f, "a SORT (SUBJECT REVERSE SIZE) UTF-8 ALL"),
	    "* SORT 2 1 3 4\r\n");
	CHECK_STR(run(&f, "a UID SORT (REVERSE SUBJECT) UTF-8 NOT FROM bob"),
	    "* SORT 1 3 2\r\n");
	CHECK_STR(run(&f, "a SORT (CC) UTF-8 ALL"), "* SORT 1 2 3 4\r\n");
	CHECK_STR(run(&f, "a SORT (SUBJECT) KOI8-R ALL"),
	    "rc 1 [BADCHARSET (US-ASCII UTF-8)] Unsupported charset");
	CHECK_STR(run(&f, "a SORT (SUBJECT) UTF-8 KEYWORD none"), "* SORT\r\n");
	fx_free(&f);
}

TEST(imap_thread_references_and_orderedsubject)
{
	struct fx f;
	fx_init(&f, false);
	/* 1 root; 2 and 4 answer 1; 3 answers 2; 5 answers a message we do
	 * not have (a dummy with one child: promoted); 6 shares 5's subject
	 * without references; 7 is alone; 8 loops onto itself. */
	add(&f, "a@x", "b@x", "plans", "Mon, 23 Nov 2026 10:00:00 +0000",
	    "p1@x", NULL, 0);
	add(&f, "b@x", "a@x", "Re: plans", "Mon, 23 Nov 2026 11:00:00 +0000",
	    "p2@x", "<p1@x>", 0);
	add(&f, "a@x", "b@x", "Re: plans", "Mon, 23 Nov 2026 12:00:00 +0000",
	    "p3@x", "<p1@x> <p2@x>", 0);
	add(&f, "c@x", "a@x", "Re: plans", "Mon, 23 Nov 2026 11:30:00 +0000",
	    "p4@x", "<p1@x>", 0);
	add(&f, "d@x", "a@x", "Re: lunch", "Tue, 24 Nov 2026 09:00:00 +0000",
	    "l2@x", "<l1@gone>", 0);
	add(&f, "e@x", "a@x", "lunch", "Tue, 24 Nov 2026 08:00:00 +0000",
	    "l3@x", NULL, 0);
	add(&f, "f@x", "a@x", "other", "Sun, 22 Nov 2026 08:00:00 +0000",
	    "o1@x", NULL, 0);
	add(&f, "g@x", "a@x", "loop", "Wed, 25 Nov 2026 08:00:00 +0000",
	    "x1@x", "<x1@x> <x1@x>", 0);
	CHECK_STR(run(&f, "a THREAD REFERENCES UTF-8 ALL"),
	    "* THREAD (7)(1 (2 3)(4))(6 5)(8)\r\n");
	CHECK_STR(run(&f, "a UID THREAD REFERENCES UTF-8 NOT FROM b@x"),
	    "* THREAD (7)(1 (4)(3))(6 5)(8)\r\n");
	CHECK_STR(run(&f, "a THREAD ORDEREDSUBJECT UTF-8 ALL"),
	    "* THREAD (7)(1 (2)(4)(3))(6 5)(8)\r\n");
	CHECK_STR(run(&f, "a THREAD ORDEREDSUBJECT UTF-8 SUBJECT lunch"),
	    "* THREAD (6 5)\r\n");
	CHECK_STR(run(&f, "a THREAD REFERENCES UTF-8 KEYWORD none"),
	    "* THREAD\r\n");
	fx_free(&f);
}

TEST(imap_thread_survives_long_chains)
{
	struct fx f;
	char id[32], ref[40];
	fx_init(&f, false);
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof id, "c%d@x", i);
		snprintf(ref, sizeof ref, "<c%d@x>", i - 1);
		add(&f, "a@x", "b@x", "Re: chain", NULL, id, i ? ref : NULL, 0);
	}
	const char *t = run(&f, "a THREAD REFERENCES UTF-8 ALL");
	CHECK(strncmp(t, "* THREAD (1 2 3 4 ", 18) == 0);
	CHECK(strstr(t, " 299 300)\r\n") != NULL);
	fx_free(&f);
}
