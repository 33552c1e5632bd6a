#include "t.h"

#include <stdlib.h>

#include "mail/imapenv.h"
#include "mail/mime.h"
#include "mail/msgid.h"

TEST(imap_envelope_defaults_and_fields)
{
	const char *h = "From: Alice <a@x.example>\r\n"
	    "Subject: =?utf-8?q?Hi?=\r\n"
	    "To: b@y.example,\r\n c@z.example\r\n"
	    "Reply-To:\r\n"
	    "Message-ID: <1@x.example>\r\n"
	    "Subject: second ignored\r\n"
	    "\r\nFrom: body@ignored\r\n";
	struct imap_envelope e;
	imap_envelope_parse(h, strlen(h), &e);
	CHECK_STR(e.subject, "=?utf-8?q?Hi?=");
	CHECK_STR(e.message_id, "<1@x.example>");
	CHECK(e.date == NULL && e.in_reply_to == NULL);
	CHECK(e.from.n == 1 && e.to.n == 2 && e.cc.n == 0);
	CHECK(e.sender.n == 1 && e.reply_to.n == 1);
	CHECK_STR(e.reply_to.v[0].name, "Alice");
	CHECK(e.reply_to.v[0].name != e.from.v[0].name);
	imap_envelope_free(&e);
	imap_envelope_parse("", 0, &e);
	CHECK(e.from.n == 0 && e.sender.n == 0 && e.subject == NULL);
	imap_envelope_free(&e);
}

TEST(msgid_lists)
{
	const char *r = "<a@b> (comment <not@id>) \"<q@q>\" <c @ d>\r\n <>, <unterminated";
	struct buf b = BUF_INIT;
	size_t pos = 0;
	CHECK(msgid_next(r, strlen(r), &pos, &b));
	CHECK_STR(b.data, "a@b");
	CHECK(msgid_next(r, strlen(r), &pos, &b));
	CHECK_STR(b.data, "c@d");
	CHECK(msgid_next(r, strlen(r), &pos, &b));
	CHECK(b.len == 0);
	CHECK(msgid_next(r, strlen(r), &pos, &b));
	CHECK_STR(b.data, "unterminated");
	CHECK(!msgid_next(r, strlen(r), &pos, &b));
	pos = 0;
	CHECK(!msgid_next("no ids here", 11, &pos, &b));
	buf_free(&b);
}

TEST(mime_decoded_text_for_search)
{
	const char *m = "Subject: =?iso-8859-1?q?Gr=FC=DFe?=\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n"
	    "--b\r\nContent-Type: text/plain; charset=x-unknown\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nw6k=\r\n"
	    "--b\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nAP8=\r\n--b--\r\n";
	struct mime_tree *t = mime_parse(m, strlen(m), NULL);
	struct buf b = BUF_INIT;
	const struct mime_part *p = t->root->child;
	mime_part_decoded(t, p, &b);
	CHECK_STR(b.data, "caf\xc3\xa9");
	buf_reset(&b);
	mime_part_decoded(t, p->next, &b);
	CHECK_STR(b.data, "\xc3\xa9");
	buf_reset(&b);
	mime_part_decoded(t, p->next->next, &b);
	CHECK_MEM(b.data, b.len, "\x00\xff", 2);
	buf_reset(&b);
	mime_header_text(m, t->root->hdr_len, &b);
	CHECK(strstr(b.data, "Subject: Gr\xc3\xbc\xc3\x9f" "e\n") == b.data);
	buf_free(&b);
	mime_tree_free(t);
}

TEST(msgid_generated_unique_and_parsable)
{
	struct buf a = BUF_INIT, b = BUF_INIT, id = BUF_INIT;
	msgid_generate("example.test", &a);
	msgid_generate("example.test", &b);
	CHECK(strcmp(a.data, b.data) != 0);
	size_t pos = 0;
	CHECK(msgid_next(a.data, a.len, &pos, &id));
	CHECK(id.len == a.len - 2 && strstr(id.data, "@example.test") != NULL);
	buf_free(&a);
	buf_free(&b);
	buf_free(&id);
}
