#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fileutil.h"
#include "imap_view_fx.h"

#define MSG1 \
	"From: Alice <alice@example.org>\r\n" \
	"To: bob@example.net, \"Carol C.\" <carol@example.net>\r\n" \
	"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab\r\n" \
	"Date: Mon, 23 Nov 2026 12:30:55 +0100\r\n" \
	"Message-ID: <m1@example.org>\r\n" \
	"\r\n" \
	"Hello Bob,\r\nsee you.\r\n"

/* RFC 3501 7.4.2's example body structure as a message. */
#define MSG_RFC3501 \
	"From: x@example.org\r\n" \
	"Subject: diff\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: MULTIPART/MIXED; BOUNDARY=\"b1\"\r\n" \
	"\r\n" \
	"--b1\r\n" \
	"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n" \
	"\r\n" \
	"line one\r\nline two\r\n" \
	"\r\n--b1\r\n" \
	"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\r\n" \
	"Content-ID: <960723163407.20117h@cac.washington.edu>\r\n" \
	"Content-Description: Compiler diff\r\n" \
	"Content-Transfer-Encoding: BASE64\r\n" \
	"\r\n" \
	"aGVsbG8gd29ybGQ=\r\n" \
	"\r\n--b1--\r\n"

#define MSG_NESTED \
	"From: a@example.org\r\n" \
	"Subject: nested\r\n" \
	"Content-Type: multipart/mixed; boundary=outer\r\n" \
	"\r\n" \
	"preamble\r\n" \
	"--outer\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n" \
	"Content-Transfer-Encoding: quoted-printable\r\n" \
	"\r\n" \
	"caf=C3=A9 au lait\r\n" \
	"--outer\r\n" \
	"Content-Type: application/octet-stream\r\n" \
	"Content-Disposition: attachment; filename=\"a.bin\"\r\n" \
	"Content-Transfer-Encoding: base64\r\n" \
	"\r\n" \
	"AAECAw==\r\n" \
	"--outer\r\n" \
	"Content-Type: message/rfc822\r\n" \
	"\r\n" \
	"From: inner@example.org\r\n" \
	"Subject: inner one\r\n" \
	"Content-Type: multipart/alternative; boundary=in\r\n" \
	"\r\n" \
	"--in\r\n" \
	"Content-Type: text/plain\r\n" \
	"\r\n" \
	"inner plain\r\n" \
	"--in\r\n" \
	"Content-Type: text/html\r\n" \
	"\r\n" \
	"<p>inner html</p>\r\n" \
	"--in--\r\n" \
	"--outer\r\n" \
	"Content-Type: text/plain\r\n" \
	"Content-Transfer-Encoding: x-uuencode\r\n" \
	"\r\n" \
	"begin 644 x\r\n" \
	"--outer--\r\n"

static void show(const char *what, const struct buf *b)
{
	if (getenv("FX_SHOW"))
		fprintf(stderr, "%s: [%s]\n", what, buf_cstr((struct buf *)b));
}

static bool run_ok(struct fx *f, const char *cmd, struct buf *out)
{
	struct buf text = BUF_INIT;
	enum imap_view_rc rc = fx_cmd(f, cmd, out, &text);
	show(cmd, out);
	if (rc != IMAP_VIEW_OK)
		fprintf(stderr, "%s: rc %d %s\n", cmd, rc, buf_cstr(&text));
	buf_free(&text);
	return rc == IMAP_VIEW_OK && fx_wellformed(out->data, out->len);
}

TEST(imap_fetch_simple_items)
{
	for (int enc = 0; enc < 2; enc++) {
		struct fx f;
		struct buf out = BUF_INIT;
		fx_init(&f, enc);
		unsigned uid = fx_adds(&f, MSG1);
		CHECK(uid == 1);
		f.v.msgs.v[0].internaldate = 1795000000;
		CHECK(run_ok(&f, "a FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE)",
		    &out));
		CHECK_STR(buf_cstr(&out), "* 1 FETCH (FLAGS () UID 1 RFC822.SIZE "
		    "230 INTERNALDATE \"18-Nov-2026 11:06:40 +0000\")\r\n");
		CHECK(run_ok(&f, "a UID FETCH 1:* (FLAGS)", &out));
		CHECK_STR(buf_cstr(&out), "* 1 FETCH (FLAGS () UID 1)\r\n");
		CHECK(run_ok(&f, "a FETCH 1 ENVELOPE", &out));
		CHECK_STR(buf_cstr(&out), "* 1 FETCH (ENVELOPE ("
		    "\"Mon, 23 Nov 2026 12:30:55 +0100\" "
		    "\"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab\" "
		    "((\"Alice\" NIL \"alice\" \"example.org\")) "
		    "((\"Alice\" NIL \"alice\" \"example.org\")) "
		    "((\"Alice\" NIL \"alice\" \"example.org\")) "
		    "((NIL NIL \"bob\" \"example.net\")"
		    "(\"Carol C.\" NIL \"carol\" \"example.net\")) "
		    "NIL NIL NIL \"<m1@example.org>\"))\r\n");
		CHECK(run_ok(&f, "a FETCH 1 BODYSTRUCTURE", &out));
		CHECK_STR(buf_cstr(&out), "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" "
		    "\"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 22 2 NIL "
		    "NIL NIL NIL))\r\n");
		struct buf text = BUF_INIT;
		CHECK(fx_cmd(&f, "a FETCH 2 FLAGS", &out, &text) == IMAP_VIEW_BAD);
		CHECK(fx_cmd(&f, "a UID FETCH 2 FLAGS", &out, &text) == IMAP_VIEW_OK);
		CHECK(out.len == 0);
		buf_free(&text);
		buf_free(&out);
		fx_free(&f);
	}
}

TEST(imap_fetch_rfc3501_body_example)
{
	struct fx f;
	struct buf out = BUF_INIT;
	fx_init(&f, true);
	fx_adds(&f, MSG_RFC3501);
	CHECK(run_ok(&f, "a FETCH 1 BODY", &out));
	CHECK_STR(buf_cstr(&out), "* 1 FETCH (BODY ((\"TEXT\" \"PLAIN\" "
	    "(\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 20 2)(\"TEXT\" \"PLAIN\" "
	    "(\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
	    "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" "
	    "\"BASE64\" 18 1) \"MIXED\"))\r\n");
	CHECK(run_ok(&f, "a FETCH 1 BODYSTRUCTURE", &out));
	CHECK_STR(buf_cstr(&out), "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" "
	    "(\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 20 2 NIL NIL NIL NIL)"
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
	    "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" "
	    "\"BASE64\" 18 1 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b1\") "
	    "NIL NIL NIL))\r\n");
	buf_free(&out);
	fx_free(&f);
}

/* The literal that follows "name " in out, or NULL. */
static bool literal_of(const struct buf *out, const char *name,
    struct buf *val)
{
	const char *p = strstr(buf_cstr((struct buf *)out), name);
	buf_reset(val);
	if (p == NULL)
		return false;
	p += strlen(name);
	if (*p == ' ')
		p++;
	if (*p == '~')
		p++;
	if (*p == '"') {
		const char *e = strchr(p + 1, '"');
		buf_add(val, p + 1, (size_t)(e - p - 1));
		return true;
	}
	if (*p != '{')
		return false;
	char *end;
	unsigned long n = strtoul(p + 1, &end, 10);
	buf_add(val, end + 3, n);
	return true;
}

static bool section_is(struct fx *f, const char *cmd, const char *name,
    const char *want, size_t wlen)
{
	struct buf out = BUF_INIT, val = BUF_INIT;
	bool ok = run_ok(f, cmd, &out) && literal_of(&out, name, &val) &&
	    val.len == wlen && memcmp(val.data ? val.data : "", want, wlen) == 0;
	if (!ok)
		fprintf(stderr, "%s: got [%s]\n", cmd, buf_cstr(&val));
	buf_free(&out);
	buf_free(&val);
	return ok;
}
#define SECTION_IS(f, cmd, name, want) \
	CHECK(section_is(f, cmd, name, want, strlen(want)))

TEST(imap_fetch_sections)
{
	for (int enc = 0; enc < 2; enc++) {
		struct fx f;
		struct buf out = BUF_INIT, text = BUF_INIT;
		fx_init(&f, enc);
		fx_adds(&f, MSG_NESTED);
		fx_adds(&f, MSG1);
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[]", "BODY[]", MSG_NESTED);
		SECTION_IS(&f, "a FETCH 2 RFC822.HEADER", "RFC822.HEADER",
		    "From: Alice <alice@example.org>\r\n"
		    "To: bob@example.net, \"Carol C.\" <carol@example.net>\r\n"
		    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab\r\n"
		    "Date: Mon, 23 Nov 2026 12:30:55 +0100\r\n"
		    "Message-ID: <m1@example.org>\r\n\r\n");
		SECTION_IS(&f, "a FETCH 2 BODY.PEEK[TEXT]", "BODY[TEXT]",
		    "Hello Bob,\r\nsee you.\r\n");
		SECTION_IS(&f, "a FETCH 2 BODY.PEEK[TEXT]<6.3>", "BODY[TEXT]<6>",
		    "Bob");
		SECTION_IS(&f, "a FETCH 2 BODY.PEEK[]<0.4>", "BODY[]<0>", "From");
		SECTION_IS(&f, "a FETCH 2 BODY.PEEK[]<5000.4>", "BODY[]<5000>", "");
		SECTION_IS(&f, "a FETCH 2 BODY.PEEK[1]", "BODY[1]",
		    "Hello Bob,\r\nsee you.\r\n");
		SECTION_IS(&f, "a FETCH 2 BODY.PEEK[HEADER.FIELDS (subject DATE)]",
		    "BODY[HEADER.FIELDS (subject DATE)]",
		    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab\r\n"
		    "Date: Mon, 23 Nov 2026 12:30:55 +0100\r\n\r\n");
		SECTION_IS(&f, "a FETCH 2 BODY.PEEK[HEADER.FIELDS.NOT (To From "
		    "Subject Date)]", "BODY[HEADER.FIELDS.NOT (To From Subject "
		    "Date)]", "Message-ID: <m1@example.org>\r\n\r\n");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[1]", "BODY[1]",
		    "caf=C3=A9 au lait");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[1.MIME]", "BODY[1.MIME]",
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[2]", "BODY[2]", "AAECAw==");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[3.HEADER]", "BODY[3.HEADER]",
		    "From: inner@example.org\r\nSubject: inner one\r\n"
		    "Content-Type: multipart/alternative; boundary=in\r\n\r\n");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[3.1]", "BODY[3.1]",
		    "inner plain");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[3.2.MIME]", "BODY[3.2.MIME]",
		    "Content-Type: text/html\r\n\r\n");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[3.TEXT]<0.4>",
		    "BODY[3.TEXT]<0>", "--in");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[9]", "BODY[9]", "");
		SECTION_IS(&f, "a FETCH 1 BODY.PEEK[1.2.3]", "BODY[1.2.3]", "");
		SECTION_IS(&f, "a FETCH 1 BINARY.PEEK[1]", "BINARY[1]",
		    "caf\xc3\xa9 au lait");
		CHECK(section_is(&f, "a FETCH 1 BINARY.PEEK[2]", "BINARY[2]",
		    "\0\1\2\3", 4));
		CHECK(run_ok(&f, "a FETCH 1 (BINARY.SIZE[2] BINARY.SIZE[1])", &out));
		CHECK_STR(buf_cstr(&out), "* 1 FETCH (BINARY.SIZE[2] 4 "
		    "BINARY.SIZE[1] 13)\r\n");
		CHECK(strstr(buf_cstr(&out), "~{4}") == NULL);
		CHECK(run_ok(&f, "a FETCH 1 BINARY.PEEK[2]", &out));
		CHECK(strstr(buf_cstr(&out), "~{4}\r\n") != NULL);
		CHECK(fx_cmd(&f, "a FETCH 1:2 BINARY.PEEK[4]", &out, &text) ==
		    IMAP_VIEW_NO);
		CHECK(strstr(buf_cstr(&text), "[UNKNOWN-CTE]") != NULL);
		CHECK(strncmp(buf_cstr(&out), "* 2 FETCH", 9) == 0);
		CHECK(fx_wellformed(out.data, out.len));
		/* the nested message's structure, and no \Seen from PEEK */
		CHECK(run_ok(&f, "a FETCH 1 (BODYSTRUCTURE FLAGS)", &out));
		CHECK_STR(buf_cstr(&out), "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" "
		    "\"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" "
		    "17 1 NIL NIL NIL NIL)(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL "
		    "NIL \"BASE64\" 8 NIL (\"ATTACHMENT\" (\"FILENAME\" \"a.bin\")) "
		    "NIL NIL)(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 202 "
		    "(NIL \"inner one\" ((NIL NIL \"inner\" \"example.org\")) "
		    "((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" "
		    "\"example.org\")) NIL NIL NIL NIL NIL) ((\"TEXT\" \"PLAIN\" "
		    "NIL NIL NIL \"7BIT\" 11 1 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" "
		    "NIL NIL NIL \"7BIT\" 17 1 NIL NIL NIL NIL) \"ALTERNATIVE\" "
		    "(\"BOUNDARY\" \"in\") NIL NIL NIL) 13 NIL NIL NIL NIL)"
		    "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"X-UUENCODE\" 11 1 NIL NIL "
		    "NIL NIL) \"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL) "
		    "FLAGS ())\r\n");
		buf_free(&out);
		buf_free(&text);
		fx_free(&f);
	}
}

TEST(imap_fetch_sets_seen_unless_peek_or_readonly)
{
	struct fx f;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct mailindex_msg m = { 0 };
	fx_init(&f, true);
	fx_adds(&f, MSG1);
	fx_adds(&f, MSG1);
	fx_adds(&f, MSG1);
	f.v.readonly = true;
	CHECK(run_ok(&f, "a FETCH 1 BODY[TEXT]", &out));
	CHECK(strstr(buf_cstr(&out), "FLAGS") == NULL);
	f.v.readonly = false;
	CHECK(run_ok(&f, "a FETCH 1 BODY.PEEK[TEXT]", &out));
	CHECK(strstr(buf_cstr(&out), "FLAGS") == NULL);
	CHECK(run_ok(&f, "a FETCH 1 BODY[TEXT]", &out));
	CHECK_STR(buf_cstr(&out), "* 1 FETCH (BODY[TEXT] {22}\r\n"
	    "Hello Bob,\r\nsee you.\r\n FLAGS (\\Seen))\r\n");
	CHECK(mailindex_message(f.ix, f.v.mbox, 1, &m, &err) == MAILINDEX_OK);
	CHECK(m.flags & MAILINDEX_SEEN);
	mailindex_msg_free(&m);
	/* already seen: no FLAGS again */
	CHECK(run_ok(&f, "a FETCH 1 RFC822.TEXT", &out));
	CHECK(strstr(buf_cstr(&out), "FLAGS") == NULL);
	f.v.condstore = true;
	CHECK(run_ok(&f, "a UID FETCH 2 (RFC822.SIZE BODY[HEADER.FIELDS (X)])",
	    &out));
	CHECK(strstr(buf_cstr(&out), "UID 2 FLAGS (\\Seen) MODSEQ (") != NULL);
	CHECK(run_ok(&f, "a FETCH 3 (FLAGS RFC822)", &out));
	CHECK(strncmp(buf_cstr(&out), "* 3 FETCH (FLAGS (\\Seen) RFC822 {230}", 37)
	    == 0);
	buf_free(&out);
	buf_free(&err);
	fx_free(&f);
}

TEST(imap_fetch_changedsince_and_vanished)
{
	struct fx f;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct mailindex_uids ex = { 0 };
	fx_init(&f, false);
	for (int i = 0; i < 5; i++)
		fx_adds(&f, MSG1);
	uint64_t ms = f.v.msgs.v[4].modseq;
	uint32_t del[] = { 2, 4 };
	struct mailindex_store st = { MAILINDEX_STORE_ADD, MAILINDEX_DELETED,
		NULL, 0 };
	struct mailindex_msgs ch = { 0 };
	struct mailindex_uids mod = { 0 };
	CHECK(mailindex_store(f.ix, f.v.mbox, del, 2, &st, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	CHECK(mailindex_expunge(f.ix, f.v.mbox, NULL, 0, &ex, &err) ==
	    MAILINDEX_OK);
	mailindex_uids_free(&ex);
	fx_reload(&f);
	uint32_t one = 5;
	st.flags = MAILINDEX_FLAGGED;
	CHECK(mailindex_store(f.ix, f.v.mbox, &one, 1, &st, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	fx_reload(&f);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "a UID FETCH 1:* (FLAGS) (CHANGEDSINCE %llu "
	    "VANISHED)", (unsigned long long)ms);
	CHECK(run_ok(&f, cmd, &out));
	char want[256];
	snprintf(want, sizeof want, "* VANISHED (EARLIER) 2,4\r\n"
	    "* 3 FETCH (FLAGS (\\Flagged) UID 5 MODSEQ (%llu))\r\n",
	    (unsigned long long)f.v.msgs.v[2].modseq);
	CHECK_STR(buf_cstr(&out), want);
	snprintf(cmd, sizeof cmd, "a FETCH 1:* (UID) (CHANGEDSINCE %llu)",
	    (unsigned long long)ms);
	CHECK(run_ok(&f, cmd, &out));
	snprintf(want, sizeof want, "* 3 FETCH (UID 5 MODSEQ (%llu))\r\n",
	    (unsigned long long)f.v.msgs.v[2].modseq);
	CHECK_STR(buf_cstr(&out), want);
	buf_free(&out);
	buf_free(&err);
	fx_free(&f);
}

static bool file_has(const char *path, const char *needle)
{
	struct buf data = BUF_INIT, err = BUF_INIT;
	bool found = false;
	if (file_read_all(path, 64u << 20, &data, &err))
		found = memmem(data.data, data.len, needle, strlen(needle)) != NULL;
	buf_free(&data);
	buf_free(&err);
	return found;
}

TEST(imap_fetch_answers_structure_from_the_sealed_cache)
{
	struct fx f;
	struct buf out = BUF_INIT, first = BUF_INIT, path = BUF_INIT,
	    text = BUF_INIT;
	fx_init(&f, true);
	fx_adds(&f, MSG_NESTED);
	fx_adds(&f, MSG1);
	CHECK(run_ok(&f, "a FETCH 1:2 (ENVELOPE BODYSTRUCTURE BODY "
	    "BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (Subject)])", &first));
	/* with the files gone only the cache can answer */
	for (unsigned uid = 1; uid <= 2; uid++) {
		fx_path(&f, uid, &path);
		CHECK(unlink(path.data) == 0);
	}
	CHECK(run_ok(&f, "a FETCH 1:2 (ENVELOPE BODYSTRUCTURE BODY "
	    "BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (Subject)])", &out));
	CHECK_STR(buf_cstr(&out), buf_cstr(&first));
	CHECK(run_ok(&f, "a SEARCH BODY \"AU LAIT\"", &out));
	CHECK_STR(buf_cstr(&out), "* SEARCH 1\r\n");
	CHECK(run_ok(&f, "a SEARCH CHARSET UTF-8 TEXT {7+}\r\ngrüsse", &out));
	CHECK_STR(buf_cstr(&out), "* SEARCH 2\r\n");
	/* a body section needs the file: NO, and nothing half-written */
	CHECK(fx_cmd(&f, "a FETCH 1 (UID BODY.PEEK[1])", &out, &text) ==
	    IMAP_VIEW_NO);
	CHECK(out.len == 0);
	CHECK(strstr(buf_cstr(&text), "[SERVERBUG]") != NULL);
	mailindex_close(f.ix);
	f.ix = NULL;
	static const char *const sfx[] = { "", "-wal" };
	for (int i = 0; i < 2; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/example.test/alice/index.sqlite%s",
		    f.mail_dir, sfx[i]);
		CHECK(!file_has(path.data, "inner one"));
		CHECK(!file_has(path.data, "alice@example.org"));
		CHECK(!file_has(path.data, "au lait"));
	}
	buf_free(&out);
	buf_free(&first);
	buf_free(&path);
	buf_free(&text);
	mailindex_msgs_free(&f.v.msgs);
	fx_free(&f);
}

TEST(imap_fetch_streams_big_messages)
{
	struct fx f;
	struct buf msg = BUF_INIT, out = BUF_INIT, val = BUF_INIT;
	fx_init(&f, true);
	buf_addstr(&msg, "Subject: big\r\n\r\n");
	while (msg.len < (6u << 20))
		buf_printf(&msg, "line %zu of a long message\r\n", msg.len);
	fx_add(&f, msg.data, msg.len);
	CHECK(run_ok(&f, "a FETCH 1 BODY.PEEK[]<5000000.20>", &out));
	CHECK(out.len < 100);
	CHECK(literal_of(&out, "BODY[]<5000000>", &val));
	CHECK_MEM(val.data, val.len, msg.data + 5000000, 20);
	CHECK(run_ok(&f, "a FETCH 1 BODY.PEEK[TEXT]<100.10>", &out));
	CHECK(literal_of(&out, "BODY[TEXT]<100>", &val));
	CHECK_MEM(val.data, val.len, msg.data + 16 + 100, 10);
	CHECK(run_ok(&f, "a FETCH 1 BODY.PEEK[]", &out));
	CHECK(literal_of(&out, "BODY[]", &val));
	CHECK_MEM(val.data, val.len, msg.data, msg.len);
	/* an index size that disagrees with the file still gives a
	 * literal of the right length */
	f.v.msgs.v[0].size = 10;
	CHECK(run_ok(&f, "a FETCH 1 BODY.PEEK[]", &out));
	CHECK(literal_of(&out, "BODY[]", &val));
	CHECK(val.len == msg.len);
	/* text too big for the cache is searched in the message */
	char cmd[80];
	size_t last = msg.len - 2;
	while (msg.data[last - 1] != '\n')
		last--;
	snprintf(cmd, sizeof cmd, "a SEARCH BODY \"LINE %zu OF\"", last);
	for (int i = 0; i < 2; i++) {
		CHECK(run_ok(&f, cmd, &out));
		CHECK_STR(buf_cstr(&out), "* SEARCH 1\r\n");
	}
	CHECK(run_ok(&f, "a SEARCH BODY \"line 1 of\"", &out));
	CHECK_STR(buf_cstr(&out), "* SEARCH\r\n");
	f.v.msgs.v[0].size = msg.len + 1000;
	CHECK(run_ok(&f, "a FETCH 1 BINARY.PEEK[]<0.5>", &out));
	CHECK(strstr(buf_cstr(&out), "BINARY[]<0> {5}\r\nSubje)") != NULL);
	buf_free(&msg);
	buf_free(&out);
	buf_free(&val);
	fx_free(&f);
}

/* Messages built to hurt: each goes through structure, sections and
 * search; every answer must be well-formed. */
static void hostile_messages(struct buf *v, size_t *n)
{
	struct buf *m = &v[(*n)++];
	buf_addstr(m, "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
	    "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nloop\r\n");
	m = &v[(*n)++];
	buf_addstr(m, "Content-Type: multipart/mixed; boundary=a\r\n\r\n");
	for (int i = 0; i < 200; i++)
		buf_printf(m, "--a\r\nContent-Type: message/rfc822\r\n\r\n"
		    "Content-Type: multipart/mixed; boundary=a\r\n\r\n");
	m = &v[(*n)++];
	buf_addstr(m, "Subject: ");
	for (int i = 0; i < 300000; i++)
		buf_addstr(m, "x ");
	buf_addstr(m, "\r\nFrom: \"unterminated <a@b\r\n\r\nbody");
	m = &v[(*n)++];
	buf_add(m, "From: a\0b@c\r\nSubject: nul\0here\r\n\r\nbo\0dy\r\n", 40);
	m = &v[(*n)++];
	buf_addstr(m, "Subject: =?x-unknown?B?////?= =?utf-8?B?wA==?= \xff\xfe\r\n"
	    "From: \xc3\x28 <\xe2\x82@\xf0\x28\x8c\x28>\r\n"
	    "Content-Type: text/plain; charset=\"bogus\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n!!!!====AAAA\r\n");
	m = &v[(*n)++];
	buf_addstr(m, "Content-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nRnJvbTogYQ0KDQpi\r\n");
	m = &v[(*n)++];
	buf_addstr(m, "no header at all, no blank line, no newline");
	m = &v[(*n)++];
	buf_addstr(m, "Content-Type: text/plain; name*0*=utf-8''%e2%82; "
	    "name*1*=%ac%ZZ; name*2=\"\"\r\nContent-Language: , ,\r\n"
	    "Content-Disposition: ; ; filename\r\n\r\n\r\n");
	m = &v[(*n)++];        /* empty */
	m = &v[(*n)++];
	buf_addstr(m, "Content-Type: multipart/alternative; boundary=\"\"\r\n\r\n"
	    "--\r\n--\r\n");
}

TEST(imap_fetch_hostile_messages_stay_well_formed)
{
	struct buf msgs[16];
	size_t n = 0;
	static const char *const cmds[] = {
		"a FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE)",
		"a FETCH 1:* (BODY.PEEK[1] BODY.PEEK[1.2.3] BODY.PEEK[2.MIME])",
		"a FETCH 1:* (BODY.PEEK[HEADER] BODY.PEEK[TEXT]<3.9>)",
		"a FETCH 1:* (BODY.PEEK[1.1.1.1.1.1.1.1.1.1.1.1.HEADER])",
		"a FETCH 1:* (BODY.PEEK[HEADER.FIELDS (From Subject)])",
		"a FETCH 1:* (BINARY.SIZE[1] BODY.PEEK[])",
		"a SEARCH TEXT \"x\"", "a SEARCH FROM a SUBJECT nul",
		"a SORT (SUBJECT FROM) UTF-8 ALL",
		"a THREAD REFERENCES UTF-8 ALL",
	};
	for (size_t i = 0; i < 16; i++)
		buf_init(&msgs[i]);
	hostile_messages(msgs, &n);
	for (int enc = 0; enc < 2; enc++) {
		struct fx f;
		struct buf out = BUF_INIT, text = BUF_INIT;
		fx_init(&f, enc);
		for (size_t i = 0; i < n; i++)
			fx_add(&f, buf_cstr(&msgs[i]), msgs[i].len);
		for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
			enum imap_view_rc rc = fx_cmd(&f, cmds[i], &out, &text);
			CHECK(rc == IMAP_VIEW_OK);
			if (!fx_wellformed(out.data, out.len))
				fprintf(stderr, "%s: malformed\n", cmds[i]);
			CHECK(fx_wellformed(out.data, out.len));
			CHECK(out.len > 0);
		}
		buf_free(&out);
		buf_free(&text);
		fx_free(&f);
	}
	for (size_t i = 0; i < 16; i++)
		buf_free(&msgs[i]);
}
