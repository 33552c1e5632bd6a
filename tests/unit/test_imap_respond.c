/* Response writer: quoting decisions, literals, NIL, lists, mailbox names,
 * dates and status lines. */
#include "t.h"

#include "common/buf.h"
#include "imap/respond.h"

TEST(imap_respond_strings)
{
	struct buf b = BUF_INIT;
	struct imap_writer w;

	imap_w_init(&w, &b, false);
	imap_w_untagged(&w);
	imap_w_string(&w, "a \"q\" \\", 7);
	imap_w_nstring(&w, NULL, 0);
	imap_w_string(&w, "two\r\nlines", 10);
	imap_w_string(&w, "caf\xc3\xa9", 5);
	imap_w_astring(&w, "atom]", 5);
	imap_w_astring(&w, "nil", 3);
	imap_w_astring(&w, "", 0);
	imap_w_astring(&w, "a b", 3);
	imap_w_end(&w);
	CHECK_STR(buf_cstr(&b), "* \"a \\\"q\\\" \\\\\" NIL {10}\r\ntwo\r\nlines "
	    "{5}\r\ncaf\xc3\xa9 atom] \"nil\" \"\" \"a b\"\r\n");
	/* With UTF8=ACCEPT, UTF-8 may be quoted. */
	buf_reset(&b);
	imap_w_init(&w, &b, true);
	imap_w_string(&w, "caf\xc3\xa9", 5);
	imap_w_string(&w, "\xff", 1);
	CHECK_STR(buf_cstr(&b), "\"caf\xc3\xa9\" {1}\r\n\xff");
	buf_free(&b);
}

TEST(imap_respond_lists_and_lines)
{
	struct buf b = BUF_INIT;
	struct imap_writer w;
	char *flags[] = { "\\Seen", "$Junk" };
	struct imap_seqset s;

	imap_w_init(&w, &b, false);
	imap_w_untagged(&w);
	imap_w_number(&w, 12);
	imap_w_atom(&w, "FETCH");
	imap_w_open(&w);
	imap_w_atom(&w, "FLAGS");
	imap_w_flags(&w, flags, 2);
	imap_w_atom(&w, "MODSEQ");
	imap_w_open(&w);
	imap_w_number(&w, 18446744073709551615ULL);
	imap_w_close(&w);
	imap_w_atom(&w, "INTERNALDATE");
	imap_w_date_time(&w, 1704099600, 60);
	imap_w_close(&w);
	imap_w_end(&w);
	CHECK_STR(buf_cstr(&b), "* 12 FETCH (FLAGS (\\Seen $Junk) MODSEQ "
	    "(18446744073709551615) INTERNALDATE \"01-Jan-2024 10:00:00 +0100\")\r\n");
	buf_reset(&b);
	imap_seqset_init(&s);
	imap_seqset_add(&s, 4);
	imap_seqset_add(&s, 5);
	imap_seqset_add(&s, 9);
	imap_w_tagged(&w, "a1");
	imap_w_atom(&w, "OK");
	imap_w_code_begin(&w, "COPYUID");
	imap_w_number(&w, 38505);
	imap_w_seqset(&w, &s);
	imap_w_seqset(&w, &s);
	imap_w_code_end(&w);
	imap_w_text(&w, "Done\r\n* injected");
	imap_w_end(&w);
	CHECK_STR(buf_cstr(&b),
	    "a1 OK [COPYUID 38505 4:5,9 4:5,9] Done  * injected\r\n");
	buf_reset(&b);
	imap_w_continue(&w, NULL);
	imap_w_status(&w, NULL, "BAD", NULL, "Syntax error");
	imap_w_status(&w, "x", "NO", "TRYCREATE", "No such mailbox");
	CHECK_STR(buf_cstr(&b), "+ Ready for literal data\r\n* BAD Syntax error\r\n"
	    "x NO [TRYCREATE] No such mailbox\r\n");
	imap_seqset_free(&s);
	buf_free(&b);
}

TEST(imap_respond_mailbox_names)
{
	struct buf b = BUF_INIT;
	struct imap_writer w;

	imap_w_init(&w, &b, false);
	imap_w_mailbox(&w, "Entw\xc3\xbcrfe");
	imap_w_mailbox(&w, "Tom & Jerry");
	imap_w_mailbox(&w, "INBOX");
	CHECK_STR(buf_cstr(&b), "Entw&APw-rfe \"Tom &- Jerry\" INBOX");
	buf_reset(&b);
	imap_w_init(&w, &b, true);
	imap_w_mailbox(&w, "Entw\xc3\xbcrfe");
	CHECK_STR(buf_cstr(&b), "\"Entw\xc3\xbcrfe\"");
	buf_reset(&b);
	imap_w_init(&w, &b, true);
	imap_w_literal8(&w, "a\0b", 3);
	CHECK_MEM(b.data, b.len, "~{3}\r\na\0b", 9);
	buf_free(&b);
}
