/* Vacation: who gets a reply, the once-per-sender key, the reply. */
#include <string.h>

#include "filter/vacation.h"
#include "t.h"

static bool wanted(const char *hdr, const char *from, const char **why)
{
	struct sieve_vacation v = { .days = 7, .reason = (char *)"away" };
	return vacation_wanted(&v, hdr, strlen(hdr), from, "bob@example.com", why);
}

TEST(vacation_who_gets_a_reply)
{
	const char *why = NULL;
	const char *plain = "From: a@x.org\r\nTo: Bob <BOB@example.com>\r\n\r\n";
	CHECK(wanted(plain, "a@x.org", &why));
	CHECK(!wanted(plain, "", &why));
	CHECK_STR(why, "null sender");
	CHECK(!wanted(plain, "MAILER-DAEMON@x.org", &why));
	CHECK(!wanted(plain, "owner-list@x.org", &why));
	CHECK(!wanted(plain, "list-request@x.org", &why));
	CHECK_STR(why, "sender is a robot");
	CHECK(!wanted(plain, "Bob@Example.com", &why));
	CHECK_STR(why, "sender is the user");
	CHECK(!wanted("To: bob@example.com\r\nList-Id: <l.x.org>\r\n\r\n",
	    "a@x.org", &why));
	CHECK_STR(why, "message is from a mailing list or bulk");
	CHECK(!wanted("To: bob@example.com\r\nPrecedence: Bulk\r\n\r\n",
	    "a@x.org", &why));
	CHECK(wanted("To: bob@example.com\r\nPrecedence: first-class\r\n\r\n",
	    "a@x.org", &why));
	CHECK(!wanted("To: bob@example.com\r\nAuto-Submitted: auto-replied\r\n\r\n",
	    "a@x.org", &why));
	CHECK_STR(why, "message is auto-submitted");
	CHECK(wanted("To: bob@example.com\r\nAuto-Submitted: No\r\n\r\n",
	    "a@x.org", &why));
	CHECK(!wanted("To: carl@example.com\r\n\r\n", "a@x.org", &why));
	CHECK_STR(why, "user not in To or Cc");
	CHECK(wanted("To: x@y\r\nCc: bob+tag@example.com\r\n\r\n", "a@x.org",
	    &why));
	char *alias = (char *)"robert@example.net";
	struct sieve_vacation v = { .days = 7, .reason = (char *)"r",
		.addresses = &alias, .naddresses = 1 };
	const char *h = "To: Robert@example.NET\r\n\r\n";
	CHECK(vacation_wanted(&v, h, strlen(h), "a@x.org", "bob@example.com",
	    &why));
	/* Hostile header: NUL, no blank line, garbage addresses. */
	const char bad[] = "To: <<@@>>,\0bob@example.com\r\nList";
	why = NULL;
	bool w = vacation_wanted(&v, bad, sizeof bad - 1, "a@x.org",
	    "bob@example.com", &why);
	CHECK(w || why != NULL);
}

TEST(vacation_key_per_sender_and_handle)
{
	struct sieve_vacation v = { .days = 7, .reason = (char *)"away" };
	char a[VACATION_KEY_LEN + 1], b[VACATION_KEY_LEN + 1];
	vacation_key(&v, "Ann@X.org", a);
	vacation_key(&v, "ann@x.org", b);
	CHECK_STR(a, b);
	CHECK(strlen(a) == VACATION_KEY_LEN);
	vacation_key(&v, "carl@x.org", b);
	CHECK(strcmp(a, b) != 0);
	v.reason = (char *)"back monday";
	vacation_key(&v, "ann@x.org", b);
	CHECK(strcmp(a, b) != 0);
	v.handle = (char *)"h";
	vacation_key(&v, "ann@x.org", a);
	v.reason = (char *)"other text";
	vacation_key(&v, "ann@x.org", b);
	CHECK_STR(a, b);
}

TEST(vacation_reply_message)
{
	const char *hdr = "From: a@x.org\r\nTo: bob@example.com\r\n"
	    "Subject: =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <m1@x.org>\r\n"
	    "References: <m0@x.org>\r\n\r\n";
	struct sieve_vacation v = { .days = 7, .reason = (char *)"away\nback" };
	struct vacation_params p = { &v, hdr, strlen(hdr), "bob@example.com",
		"a@x.org", "mx.example.com", 0 };
	struct buf out = BUF_INIT;
	vacation_build(&p, &out);
	const char *s = buf_cstr(&out);
	const char *want = "From: <bob@example.com>\r\nTo: <a@x.org>\r\n"
	    "Subject: Auto: =?utf-8?q?caf=C3=A9?=\r\n"
	    "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nMessage-ID: <";
	CHECK(strncmp(s, want, strlen(want)) == 0);
	CHECK(strstr(s, "\r\nIn-Reply-To: <m1@x.org>\r\n"
	    "References: <m0@x.org> <m1@x.org>\r\n"
	    "Auto-Submitted: auto-replied (vacation)\r\n") != NULL);
	CHECK(strstr(s, "7bit\r\n\r\naway\r\nback\r\n") != NULL);

	/* A :from outside the user's domain is not used; a non-ASCII
	 * subject is encoded; CR/LF cannot inject a header. */
	v.from = (char *)"Boss <boss@elsewhere.org>";
	v.subject = (char *)"Fériés\r\nBcc: x@y";
	v.reason = (char *)"été";
	buf_reset(&out);
	vacation_build(&p, &out);
	s = buf_cstr(&out);
	CHECK(strncmp(s, "From: <bob@example.com>\r\n", 25) == 0);
	CHECK(strstr(s, "Subject: =?utf-8?b?") != NULL);
	CHECK(strstr(s, "\r\nBcc:") == NULL);
	CHECK(strstr(s, "base64\r\n\r\nw6l0w6kNCg==\r\n") != NULL);
	v.from = (char *)"Bob B <bob.b@example.com>";
	buf_reset(&out);
	vacation_build(&p, &out);
	CHECK(strncmp(buf_cstr(&out), "From: Bob B <bob.b@example.com>\r\n", 33) == 0);
	buf_free(&out);
}
