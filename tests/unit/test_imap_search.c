#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "imap_view_fx.h"

static const char *const msgs[] = {
	"From: Alice <alice@example.org>\r\n"
	"To: bob@example.net\r\n"
	"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus Berlin\r\n"
	"Date: Mon, 23 Nov 2026 00:30:00 +0100\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Un caf=E9 cr=E8me, s'il vous pla=EEt.\r\n",

	"From: \"Bob B.\" <bob@example.net>\r\n"
	"To: carol@example.com\r\n"
	"Cc: dave@example.com\r\n"
	"Bcc: eve@example.com\r\n"
	"Subject: Re: hello\r\n"
	"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
	"X-Mailer: Tester 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=z\r\n"
	"\r\n"
	"--z\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"dGhlIHNlY3JldCB3b3JkIGlzIFN3b3JkZmlzaA==\r\n"
	"--z--\r\n",

	"From: carol@example.com\r\n"
	"Subject: hello\r\n"
	"\r\n"
	"<html><body>PLAIN html BODY</body></html>\r\n",
};

static struct fx fx;

static void setup(bool enc)
{
	struct buf err = BUF_INIT;
	struct mailindex_msgs ch = { 0 };
	struct mailindex_uids mod = { 0 };
	uint32_t two = 2, three = 3;
	fx_init(&fx, enc);
	for (size_t i = 0; i < 3; i++)
		fx_adds(&fx, msgs[i]);
	struct mailindex_store st = { MAILINDEX_STORE_ADD,
		MAILINDEX_SEEN | MAILINDEX_ANSWERED, NULL, 0 };
	if (mailindex_store(fx.ix, fx.v.mbox, &two, 1, &st, &ch, &mod, &err))
		abort();
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	struct mailindex_store st2 = { MAILINDEX_STORE_ADD,
		MAILINDEX_FLAGGED | MAILINDEX_DELETED | MAILINDEX_DRAFT, "$Junk", 0 };
	if (mailindex_store(fx.ix, fx.v.mbox, &three, 1, &st2, &ch, &mod, &err))
		abort();
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	fx_reload(&fx);
	/* INTERNALDATEs: 22 Nov, 24 Nov, 25 Nov 2026 (UTC noon) */
	fx.v.msgs.v[0].internaldate = 1795521600 - 2 * 86400;
	fx.v.msgs.v[1].internaldate = 1795521600;
	fx.v.msgs.v[2].internaldate = 1795521600 + 86400;
	buf_free(&err);
}

static const char *search(const char *cmd)
{
	static struct buf out;
	struct buf text = BUF_INIT;
	enum imap_view_rc rc = fx_cmd(&fx, cmd, &out, &text);
	if (rc != IMAP_VIEW_OK)
		buf_printf(&out, "rc %d %s", rc, buf_cstr(&text));
	buf_free(&text);
	return buf_cstr(&out);
}

static void check_keys(void)
{
	static const struct { const char *cmd, *want; } t[] = {
		{ "a SEARCH ALL", "* SEARCH 1 2 3\r\n" },
		{ "a SEARCH SEEN", "* SEARCH 2\r\n" },
		{ "a SEARCH UNSEEN", "* SEARCH 1 3\r\n" },
		{ "a SEARCH ANSWERED", "* SEARCH 2\r\n" },
		{ "a SEARCH UNANSWERED", "* SEARCH 1 3\r\n" },
		{ "a SEARCH FLAGGED DELETED DRAFT", "* SEARCH 3\r\n" },
		{ "a SEARCH UNFLAGGED UNDELETED UNDRAFT", "* SEARCH 1 2\r\n" },
		{ "a SEARCH KEYWORD $junk", "* SEARCH 3\r\n" },
		{ "a SEARCH UNKEYWORD $Junk", "* SEARCH 1 2\r\n" },
		{ "a SEARCH NEW", "* SEARCH\r\n" },
		{ "a SEARCH RECENT", "* SEARCH\r\n" },
		{ "a SEARCH OLD", "* SEARCH 1 2 3\r\n" },
		{ "a SEARCH FROM ALICE", "* SEARCH 1\r\n" },
		{ "a SEARCH FROM \"bob b.\"", "* SEARCH 2\r\n" },
		{ "a SEARCH TO bob", "* SEARCH 1\r\n" },
		{ "a SEARCH CC dave", "* SEARCH 2\r\n" },
		{ "a SEARCH BCC eve", "* SEARCH 2\r\n" },
		{ "a SEARCH SUBJECT HELLO", "* SEARCH 2 3\r\n" },
		{ "a SEARCH SUBJECT \"aus berlin\"", "* SEARCH 1\r\n" },
		{ "a SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nGRÜSSE", "* SEARCH 1\r\n" },
		{ "a SEARCH CHARSET UTF-8 BODY {5+}\r\nCAFÉ", "* SEARCH 1\r\n" },
		{ "a SEARCH BODY swordFISH", "* SEARCH 2\r\n" },
		{ "a SEARCH BODY hello", "* SEARCH\r\n" },
		{ "a SEARCH TEXT hello", "* SEARCH 2 3\r\n" },
		{ "a SEARCH TEXT \"plain html\"", "* SEARCH 3\r\n" },
		{ "a SEARCH HEADER X-Mailer tester", "* SEARCH 2\r\n" },
		{ "a SEARCH HEADER x-mailer \"\"", "* SEARCH 2\r\n" },
		{ "a SEARCH HEADER Cc \"\"", "* SEARCH 2\r\n" },
		{ "a SEARCH BEFORE 24-Nov-2026", "* SEARCH 1\r\n" },
		{ "a SEARCH ON 24-Nov-2026", "* SEARCH 2\r\n" },
		{ "a SEARCH SINCE 24-Nov-2026", "* SEARCH 2 3\r\n" },
		{ "a SEARCH SENTON 23-Nov-2026", "* SEARCH 1\r\n" },
		{ "a SEARCH SENTBEFORE 24-Nov-2026", "* SEARCH 1\r\n" },
		/* no Date: INTERNALDATE counts */
		{ "a SEARCH SENTSINCE 24-Nov-2026", "* SEARCH 2 3\r\n" },
		{ "a SEARCH LARGER 300", "* SEARCH 2\r\n" },
		{ "a SEARCH SMALLER 300", "* SEARCH 1 3\r\n" },
		{ "a SEARCH NOT SEEN", "* SEARCH 1 3\r\n" },
		{ "a SEARCH OR SEEN FLAGGED", "* SEARCH 2 3\r\n" },
		{ "a SEARCH OR SEEN (FROM alice)", "* SEARCH 1 2\r\n" },
		{ "a SEARCH (OR SEEN FLAGGED) NOT TEXT html", "* SEARCH 2\r\n" },
		{ "a SEARCH 2:*", "* SEARCH 2 3\r\n" },
		{ "a SEARCH *", "* SEARCH 3\r\n" },
		{ "a SEARCH UID 2,3 NOT 3", "* SEARCH 2\r\n" },
		{ "a UID SEARCH UID 1:2", "* SEARCH 1 2\r\n" },
		{ "a SEARCH CHARSET us-ascii ALL", "* SEARCH 1 2 3\r\n" },
		{ "a SEARCH CHARSET KOI8-R ALL",
		  "rc 1 [BADCHARSET (US-ASCII UTF-8)] Unsupported charset" },
		{ "t1 SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN",
		  "* ESEARCH (TAG \"t1\") MIN 1 MAX 3 COUNT 2 ALL 1,3\r\n" },
		{ "t2 UID SEARCH RETURN () ALL",
		  "* ESEARCH (TAG \"t2\") UID ALL 1:3\r\n" },
		{ "t3 SEARCH RETURN (COUNT MIN) KEYWORD nothere",
		  "* ESEARCH (TAG \"t3\") COUNT 0\r\n" },
		{ "t4 SEARCH RETURN (SAVE) SUBJECT hello", "" },
		{ "a SEARCH $", "* SEARCH 2 3\r\n" },
		{ "a UID FETCH $ (FLAGS)",
		  "* 2 FETCH (FLAGS (\\Seen \\Answered) UID 2)\r\n"
		  "* 3 FETCH (FLAGS (\\Flagged \\Deleted \\Draft $Junk) UID 3)\r\n" },
		{ "t5 SEARCH RETURN (SAVE MIN) ALL",
		  "* ESEARCH (TAG \"t5\") MIN 1\r\n" },
		{ "a SEARCH NOT $", "* SEARCH 2 3\r\n" },
		{ "t6 SEARCH RETURN (SAVE) CHARSET X-BAD ALL",
		  "rc 1 [BADCHARSET (US-ASCII UTF-8)] Unsupported charset" },
		{ "a SEARCH $", "* SEARCH\r\n" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got = search(t[i].cmd);
		if (strcmp(got, t[i].want) != 0)
			fprintf(stderr, "%s\n", t[i].cmd);
		CHECK_STR(got, t[i].want);
	}
}

TEST(imap_search_every_key_plain_and_encrypted)
{
	for (int enc = 0; enc < 2; enc++) {
		setup(enc);
		check_keys();
		/* a second round comes from the cache */
		check_keys();
		fx_free(&fx);
	}
}

TEST(imap_search_modseq)
{
	char cmd[128], want[128];
	setup(false);
	uint64_t ms = fx.v.msgs.v[2].modseq;
	snprintf(cmd, sizeof cmd, "a SEARCH MODSEQ %llu", (unsigned long long)ms);
	snprintf(want, sizeof want, "* SEARCH 3 (MODSEQ %llu)\r\n",
	    (unsigned long long)ms);
	CHECK_STR(search(cmd), want);
	snprintf(cmd, sizeof cmd, "t SEARCH RETURN (COUNT) MODSEQ "
	    "\"/flags/\\\\draft\" all %llu", (unsigned long long)ms);
	snprintf(want, sizeof want, "* ESEARCH (TAG \"t\") COUNT 1 MODSEQ %llu\r\n",
	    (unsigned long long)ms);
	CHECK_STR(search(cmd), want);
	snprintf(cmd, sizeof cmd, "a SEARCH MODSEQ %llu", (unsigned long long)ms + 1);
	CHECK_STR(search(cmd), "* SEARCH\r\n");
	fx_free(&fx);
}
