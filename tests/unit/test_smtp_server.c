/* SMTP server engine: whole sessions with exact replies and events. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "smtp/server.h"
#include "smtp_sess.h"

#define GREETING "220 mx.test ESMTP\r\n"

static const char basic_in[] =
	"EHLO client.test\r\n"
	"MAIL FROM:<alice@client.test> SIZE=100 BODY=8BITMIME\r\n"
	"RCPT TO:<bob@mx.test>\r\n"
	"RCPT TO:<nobody@bad.test>\r\n"
	"DATA\r\n"
	"Subject: hi\r\n"
	"\r\n"
	"..leading dot\r\n"
	".x\r\n"
	"last\r\n"
	".\r\n"
	"QUIT\r\n";

static const char basic_out[] =
	GREETING EHLO_REPLY
	"250 2.0.0 Ok\r\n"
	"250 2.0.0 Ok\r\n"
	"550 5.1.1 No such user\r\n"
	"354 End data with <CR><LF>.<CR><LF>\r\n"
	"250 2.0.0 queued\r\n"
	"221 2.0.0 mx.test closing connection\r\n";

static const char basic_log[] =
	"EHLO client.test\n"
	"MAIL <alice@client.test> size=100 body=2 utf8=0 auth=-\n"
	"RCPT <bob@mx.test>\n"
	"RCPT <nobody@bad.test>\n"
	"DATA\n"
	"END 38\n"
	"CLOSE 0\n";

static const char basic_body[] =
	"Subject: hi\r\n\r\n.leading dot\r\nx\r\nlast\r\n";

static bool run_basic(size_t chunk, size_t split)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	size_t len = sizeof(basic_in) - 1;
	if (split > 0) {
		sess_feed(&t, basic_in, split, chunk);
		sess_feed(&t, basic_in + split, len - split, chunk);
	} else {
		sess_feed(&t, basic_in, len, chunk);
	}
	bool ok = strcmp(buf_cstr(&t.out), basic_out) == 0 &&
	    strcmp(buf_cstr(&t.log), basic_log) == 0 &&
	    strcmp(buf_cstr(&t.body), basic_body) == 0 && t.closed;
	if (!ok)
		fprintf(stderr, "chunk %zu split %zu:\n%s\n%s\n%s\n", chunk, split,
		    buf_cstr(&t.out), buf_cstr(&t.log), buf_cstr(&t.body));
	sess_close(&t);
	return ok;
}

TEST(smtp_basic_session_one_write)
{
	CHECK(run_basic(0, 0));
}

TEST(smtp_basic_session_byte_by_byte)
{
	CHECK(run_basic(1, 0));
	CHECK(run_basic(7, 0));
}

TEST(smtp_basic_session_split_everywhere)
{
	bool all = true;
	for (size_t i = 1; i < sizeof(basic_in) - 1; i++)
		all = run_basic(0, i) && all;
	CHECK(all);
}

TEST(smtp_pipelining_waits_for_verdicts)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	t.hold = true;
	sess_send(&t, "EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\n"
	    "RCPT TO:<c@mx.test>\r\nDATA\r\nhello\r\n.\r\nNOOP\r\n");
	CHECK_STR(sess_take(&t), GREETING EHLO_REPLY);
	CHECK_STR(buf_cstr(&t.log), "EHLO c\nMAIL <a@c.test> size=0 body=0 utf8=0 auth=-\n");
	CHECK(smtp_server_waiting(t.s));
	sess_pump(&t);   /* nothing moves while the verdict is pending */
	CHECK_STR(sess_take(&t), "");
	sess_answer(&t);
	sess_pump(&t);
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n");
	sess_answer(&t);
	sess_pump(&t);
	sess_answer(&t);
	sess_pump(&t);
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n");
	CHECK_STR(buf_cstr(&t.body), "hello\r\n");
	CHECK(smtp_server_waiting(t.s));
	CHECK(smtp_server_reply(t.s, 250, NULL, NULL));
	sess_pump(&t);
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
	CHECK(!smtp_server_reply(t.s, 250, NULL, NULL));
	sess_close(&t);
}

TEST(smtp_input_cap_while_waiting)
{
	struct smtp_server_params p = sess_params();
	p.max_input = 100;   /* raised to fit one AUTH line */
	struct sess t;
	sess_open(&t, &p);
	t.hold = true;
	sess_send(&t, "EHLO c\r\nMAIL FROM:<a@c.test>\r\n");
	CHECK(smtp_server_waiting(t.s));
	struct buf big = BUF_INIT;
	for (int i = 0; i < 4000; i++)
		buf_addstr(&big, "NOOP\r\n");
	size_t took = smtp_server_feed(t.s, big.data, big.len);
	CHECK(took == 12289);
	CHECK(smtp_server_feed(t.s, big.data, big.len) == 0);
	sess_answer(&t);
	sess_pump(&t);
	CHECK(smtp_server_feed(t.s, big.data + took, big.len - took) > 0);
	buf_free(&big);
	sess_close(&t);
}

TEST(smtp_sequence_errors)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	sess_take(&t);
	sess_send(&t, "MAIL FROM:<a@b.test>\r\n");
	CHECK_STR(sess_take(&t), "503 5.5.1 Send HELO/EHLO first\r\n");
	sess_send(&t, "HELO c.test\r\nRCPT TO:<a@b.test>\r\nDATA\r\n");
	CHECK_STR(sess_take(&t), "250 mx.test\r\n503 5.5.1 Need MAIL command\r\n"
	    "503 5.5.1 Need MAIL command\r\n");
	sess_send(&t, "MAIL FROM:<>\r\nMAIL FROM:<>\r\nDATA\r\n");
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n503 5.5.1 Nested MAIL command\r\n"
	    "554 5.5.1 No valid recipients\r\n");
	sess_send(&t, "RCPT TO:<x@bad.test>\r\nDATA\r\nRSET\r\nRSET x\r\n");
	CHECK_STR(sess_take(&t), "550 5.1.1 No such user\r\n"
	    "554 5.5.1 No valid recipients\r\n250 2.0.0 Ok\r\n"
	    "501 5.5.4 Syntax: RSET\r\n");
	CHECK_STR(buf_cstr(&t.log), "HELO c.test\nMAIL <> size=0 body=0 utf8=0 auth=-\n"
	    "RCPT <x@bad.test>\nRESET RSET\n");
	sess_send(&t, "MAIL FROM:<bad@c.test>\r\nRCPT TO:<a@mx.test>\r\n");
	CHECK_STR(sess_take(&t), "550 5.7.1 Sender refused\r\n"
	    "503 5.5.1 Need MAIL command\r\n");
	sess_close(&t);
}

TEST(smtp_simple_commands)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	sess_take(&t);
	sess_send(&t, "NOOP\r\nnoop x\r\nHELP\r\nVRFY root\r\nVRFY\r\nEXPN staff\r\n"
	    "FOO\r\n\r\nEHLO\r\nHELO a b\r\nEHLOx\r\n");
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
	    "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP HELP "
	    "QUIT VRFY STARTTLS AUTH\r\n"
	    "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"
	    "501 5.5.4 Syntax: VRFY address\r\n"
	    "502 5.5.1 EXPN not available\r\n"
	    "500 5.5.1 Command unrecognized\r\n"
	    "500 5.5.1 Command unrecognized\r\n"
	    "501 5.5.4 Syntax: EHLO hostname\r\n"
	    "501 5.5.4 Syntax: HELO hostname\r\n"
	    "500 5.5.1 Command unrecognized\r\n");
	sess_send(&t, "quit\r\nNOOP\r\n");
	CHECK_STR(sess_take(&t), "221 2.0.0 mx.test closing connection\r\n");
	CHECK(t.closed && smtp_server_closed(t.s));
	CHECK(smtp_server_feed(t.s, "NOOP\r\n", 6) == 6);
	sess_close(&t);
}

TEST(smtp_mail_rcpt_syntax)
{
	struct smtp_server_params p = sess_params();
	p.max_recipients = 2;
	p.max_message_size = 1000;
	struct sess t;
	sess_open(&t, &p);
	sess_send(&t, "EHLO c\r\n");
	sess_take(&t);
	sess_send(&t, "MAIL FROM:a@b.test\r\nMAIL TO:<a@b.test>\r\n"
	    "MAIL FROM:<a@b.test>x\r\nMAIL FROM:<a@b.test> FOO=1\r\n"
	    "MAIL FROM:<a@b.test> SIZE=1001\r\nMAIL FROM:<a@b.test> SIZE=x\r\n"
	    "MAIL FROM:<a@b.test> BODY=BINARYMIME\r\n"
	    "MAIL FROM:<a@b.test> SIZE=1 SIZE=2\r\n"
	    "MAIL FROM:<a@b.test> =x\r\n"
	    "MAIL FROM:<a@b\r\n"
	    "MAIL FROM:<postmaster>\r\n");
	CHECK_STR(sess_take(&t),
	    "501 5.1.7 Bad sender address syntax\r\n"
	    "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
	    "501 5.1.7 Bad sender address syntax\r\n"
	    "555 5.5.4 Unsupported or repeated parameter\r\n"
	    "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
	    "501 5.5.4 Bad SIZE value\r\n"
	    "555 5.5.4 Unsupported BODY type\r\n"
	    "555 5.5.4 Unsupported or repeated parameter\r\n"
	    "501 5.5.4 Bad parameter syntax\r\n"
	    "501 5.1.7 Bad sender address syntax\r\n"
	    "501 5.1.7 Bad sender address syntax\r\n");
	sess_send(&t, "MAIL FROM: <a@b.test> AUTH=<x+2By@c.test> smtputf8\r\n"
	    "RCPT TO:<postmaster>\r\nRCPT TO:<b@mx.test> NOTIFY=NEVER\r\n"
	    "RCPT TO:<@relay.test,@r2.test:b@mx.test>\r\n"
	    "RCPT TO:<c@mx.test>\r\nRCPT TO:b@mx.test\r\n");
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
	    "555 5.5.4 Unsupported RCPT parameter\r\n250 2.0.0 Ok\r\n"
	    "452 4.5.3 Too many recipients\r\n"
	    "501 5.1.3 Bad recipient address syntax\r\n");
	CHECK_STR(buf_cstr(&t.log), "EHLO c\n"
	    "MAIL <a@b.test> size=0 body=0 utf8=1 auth=<x+y@c.test>\n"
	    "RCPT <postmaster>\nRCPT <b@mx.test>\n");
	sess_close(&t);
}

TEST(smtp_utf8_addresses)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	sess_send(&t, "EHLO c\r\n");
	sess_take(&t);
	sess_send(&t, "MAIL FROM:<j\xc3\xb6rg@b.test>\r\n"
	    "MAIL FROM:<j\xc3\xb6rg@b.test> SMTPUTF8\r\n"
	    "RCPT TO:<\xff@mx.test>\r\n"
	    "RCPT TO:<m\xc3\xbc@d\xc3\xb6.test>\r\nRSET\r\n"
	    "MAIL FROM:<a@b.test>\r\nRCPT TO:<m\xc3\xbc@mx.test>\r\n");
	CHECK_STR(sess_take(&t), "553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n"
	    "250 2.0.0 Ok\r\n501 5.1.3 Bad recipient address syntax\r\n"
	    "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
	    "553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n");
	sess_close(&t);
}

TEST(smtp_command_line_limits)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	sess_take(&t);
	char line[700];
	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	memcpy(line + 510, "\r\n", 2);          /* exactly 512 with CRLF */
	sess_feed(&t, line, 512, 0);
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n");
	memcpy(line + 510, "xx\r\n", 4);        /* 513 */
	sess_feed(&t, line, 514, 0);
	CHECK_STR(sess_take(&t), "500 5.5.2 Line too long\r\n");
	memset(line, 'y', sizeof(line));        /* no LF yet: skipped in parts */
	sess_feed(&t, line, sizeof(line), 100);
	sess_feed(&t, line, sizeof(line), 3);
	CHECK_STR(sess_take(&t), "");
	sess_send(&t, "tail\r\nNOOP\r\n");
	CHECK_STR(sess_take(&t), "500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n");
	sess_send(&t, "NOOP\nNOOP\r\n");
	CHECK_STR(sess_take(&t), "500 5.5.2 Bare <LF> received, lines must end "
	    "with <CR><LF>\r\n250 2.0.0 Ok\r\n");
	sess_feed(&t, "NO\0P\r\nNOOP\rX\r\n", 14, 0);
	CHECK_STR(sess_take(&t), "500 5.5.2 Invalid character in command\r\n"
	    "500 5.5.2 Invalid character in command\r\n");
	sess_close(&t);
}

TEST(smtp_too_many_errors)
{
	struct smtp_server_params p = sess_params();
	p.max_errors = 3;
	struct sess t;
	sess_open(&t, &p);
	sess_take(&t);
	sess_send(&t, "A\r\nB\r\nC\r\nNOOP\r\n");
	CHECK_STR(sess_take(&t), "500 5.5.1 Command unrecognized\r\n"
	    "500 5.5.1 Command unrecognized\r\n500 5.5.1 Command unrecognized\r\n"
	    "421 4.7.0 mx.test Error: too many errors\r\n");
	CHECK_STR(buf_cstr(&t.log), "CLOSE 1\n");
	sess_close(&t);
}

/* Opens a session with one accepted recipient and DATA sent. */
static void open_data(struct sess *t, const struct smtp_server_params *p)
{
	sess_open(t, p);
	sess_send(t, "EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n");
	sess_take(t);
	buf_reset(&t->log);
}

TEST(smtp_data_line_limit)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	open_data(&t, &p);
	struct buf b = BUF_INIT;
	for (int i = 0; i < 998; i++)
		buf_addch(&b, 'a');
	buf_addstr(&b, "\r\n.");        /* 1000 with CRLF, dot-stuffed next */
	for (int i = 0; i < 997; i++)   /* the stuffed dot counts */
		buf_addch(&b, 'b');
	buf_addstr(&b, "\r\n.\r\n");
	sess_feed(&t, b.data, b.len, 0);
	CHECK_STR(sess_take(&t), "250 2.0.0 queued\r\n");
	CHECK(t.body.len == 1999);
	sess_send(&t, "MAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n");
	buf_reset(&t.log);
	buf_reset(&b);
	for (int i = 0; i < 999; i++)
		buf_addch(&b, 'a');
	buf_addstr(&b, "\r\n.\r\nNOOP\r\n");
	sess_feed(&t, b.data, b.len, 0);
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n354 End data "
	    "with <CR><LF>.<CR><LF>\r\n554 5.6.0 Message line longer than 1000 "
	    "octets\r\n250 2.0.0 Ok\r\n");
	CHECK_STR(buf_cstr(&t.log), "RESET line too long\n");
	buf_free(&b);
	sess_close(&t);
}

TEST(smtp_data_too_big_consumed_then_552)
{
	struct smtp_server_params p = sess_params();
	p.max_message_size = 20;
	struct sess t;
	open_data(&t, &p);
	sess_send(&t, "0123456789\r\n");
	sess_send(&t, "0123456\r\n");   /* 21 octets in all */
	CHECK_STR(sess_take(&t), "");
	CHECK_STR(buf_cstr(&t.log), "RESET message too big\n");
	sess_send(&t, "MAIL FROM:<x@y.test>\r\n.\r\nNOOP\r\n");
	CHECK_STR(sess_take(&t), "552 5.3.4 Message size exceeds fixed maximum "
	    "message size\r\n250 2.0.0 Ok\r\n");
	CHECK_STR(buf_cstr(&t.body), "0123456789\r\n");   /* 2nd feed dropped */
	sess_close(&t);
}

TEST(smtp_data_nul_refused)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	open_data(&t, &p);
	sess_feed(&t, "a\0b\r\n.\r\n", 8, 0);
	CHECK_STR(sess_take(&t), "554 5.6.0 NUL octet in message\r\n");
	CHECK_STR(buf_cstr(&t.log), "RESET NUL in message\n");
	sess_close(&t);
}

/* Each smuggling variant: the fake end must not end DATA; the session
 * ends with 521 and the "smuggled" MAIL is never seen. */
static bool smuggle(const char *fake_end, size_t chunk)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	open_data(&t, &p);
	struct buf b = BUF_INIT;
	buf_printf(&b, "Subject: x\r\n\r\nbody%sMAIL FROM:<evil@x.test>\r\n"
	    "RCPT TO:<b@mx.test>\r\nDATA\r\nforged\r\n.\r\n", fake_end);
	sess_feed(&t, b.data, b.len, chunk);
	const char *out = sess_take(&t);
	bool ok = strncmp(out, "521 5.5.2 mx.test Error: bare <", 31) == 0 &&
	    strstr(buf_cstr(&t.log), "MAIL") == NULL &&
	    strstr(buf_cstr(&t.log), "CLOSE 2\n") != NULL && t.closed &&
	    strstr(buf_cstr(&t.body), "forged") == NULL;
	if (!ok)
		fprintf(stderr, "smuggle %zu: %s %s\n", chunk, out, buf_cstr(&t.log));
	buf_free(&b);
	sess_close(&t);
	return ok;
}

TEST(smtp_smuggling_variants_refused)
{
	const char *v[] = { "\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r",
	    "\r\n.\rX\r\n", "\r\r\n.\r\n", "\n\r\n.\r\n" };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(smuggle(v[i], 0));
		CHECK(smuggle(v[i], 1));
	}
}

TEST(smtp_bdat)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	sess_send(&t, "EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\n");
	sess_take(&t);
	buf_reset(&t.log);
	sess_send(&t, "BDAT 7\r\nHi\r\n.\r\nBDAT 5 LAST\r\nthere");
	CHECK_STR(sess_take(&t), "250 2.0.0 7 octets received\r\n250 2.0.0 queued\r\n");
	CHECK_STR(buf_cstr(&t.body), "Hi\r\n.\r\nthere\r\n");
	CHECK_STR(buf_cstr(&t.log), "DATA\nEND 14\n");
	sess_send(&t, "BDAT 3\r\nabc");  /* no transaction: consumed, refused */
	CHECK_STR(sess_take(&t), "503 5.5.1 Need MAIL command\r\n");
	sess_send(&t, "MAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nBDAT 0 LAST\r\n");
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250 2.0.0 queued\r\n");
	sess_send(&t, "MAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\nBDAT 2\r\nab"
	    "RCPT TO:<c@mx.test>\r\nDATA\r\nRSET\r\n");
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
	    "250 2.0.0 2 octets received\r\n503 5.5.1 RCPT after BDAT\r\n"
	    "503 5.5.1 DATA after BDAT\r\n250 2.0.0 Ok\r\n");
	sess_send(&t, "MAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\n"
	    "BDAT 5 LAST\r\na\nb\r\nNOOP\r\n");
	CHECK_STR(sess_take(&t), "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
	    "554 5.6.0 Bare <CR> or <LF> in message\r\n250 2.0.0 Ok\r\n");
	sess_send(&t, "BDAT 1x\r\nNOOP\r\n");
	CHECK_STR(sess_take(&t), "501 5.5.4 Syntax: BDAT size [LAST]\r\n");
	CHECK(t.closed);
	sess_close(&t);
}

TEST(smtp_bdat_too_big_split)
{
	struct smtp_server_params p = sess_params();
	p.max_message_size = 10;
	struct sess t;
	sess_open(&t, &p);
	sess_send(&t, "EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.test>\r\n");
	sess_take(&t);
	const char in[] = "BDAT 8\r\n1234\r\n67BDAT 8 LAST\r\n1234\r\n67"
	    "BDAT 2\r\nxxNOOP\r\n";
	sess_feed(&t, in, sizeof(in) - 1, 1);
	CHECK_STR(sess_take(&t), "250 2.0.0 8 octets received\r\n"
	    "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
	    "503 5.5.1 Need MAIL command\r\n250 2.0.0 Ok\r\n");
	sess_send(&t, "BDAT 99999999999999999999\r\n");
	CHECK(t.closed);
	sess_close(&t);
}

TEST(smtp_starttls)
{
	struct smtp_server_params p = sess_params();
	p.flags |= SMTP_SRV_AUTH;
	struct sess t;
	sess_open(&t, &p);
	sess_take(&t);
	sess_send(&t, "EHLO c\r\nAUTH PLAIN AGEAc2VjcmV0\r\nMAIL FROM:<a@c.test>\r\n"
	    "STARTTLS\r\nRSET\r\nSTARTTLS x\r\nSTARTTLS\r\nEHLO injected\r\n");
	CHECK_STR(sess_take(&t), EHLO_REPLY
	    "538 5.7.11 Encryption required for requested authentication mechanism\r\n"
	    "250 2.0.0 Ok\r\n503 5.5.1 Mail transaction in progress\r\n"
	    "250 2.0.0 Ok\r\n501 5.5.4 Syntax: STARTTLS\r\n"
	    "220 2.0.0 Ready to start TLS\r\n");
	CHECK(strstr(buf_cstr(&t.log), "STARTTLS\n") != NULL);
	CHECK(strstr(buf_cstr(&t.log), "injected") == NULL);
	CHECK(smtp_server_feed(t.s, "NOOP\r\n", 6) == 6);   /* discarded */
	sess_pump(&t);
	CHECK_STR(sess_take(&t), "");
	CHECK(!smtp_server_tls_active(t.s));
	smtp_server_tls_started(t.s);
	CHECK(smtp_server_tls_active(t.s));
	sess_send(&t, "MAIL FROM:<a@c.test>\r\nEHLO c\r\nSTARTTLS\r\n");
	CHECK_STR(sess_take(&t), "503 5.5.1 Send HELO/EHLO first\r\n"
	    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n"
	    "250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n"
	    "250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n"
	    "503 5.5.1 TLS already active\r\n");
	sess_close(&t);
	p.flags = 0;
	sess_open(&t, &p);
	sess_send(&t, "EHLO c\r\nSTARTTLS\r\nAUTH PLAIN\r\n");
	CHECK(strstr(sess_take(&t), "250 CHUNKING\r\n502 5.5.1 STARTTLS not available\r\n"
	    "502 5.5.1 AUTH not available\r\n") != NULL);
	sess_close(&t);
}

static void open_auth(struct sess *t, unsigned flags)
{
	struct smtp_server_params p = sess_params();
	p.flags = SMTP_SRV_TLS_ACTIVE | SMTP_SRV_AUTH | flags;
	sess_open(t, &p);
	sess_send(t, "EHLO c\r\n");
	sess_take(t);
	buf_reset(&t->log);
}

TEST(smtp_auth_plain)
{
	struct sess t;
	open_auth(&t, SMTP_SRV_AUTH_REQUIRED);
	/* "\0bob\0wrong", then "adm\0bob\0secret" without initial response */
	sess_send(&t, "MAIL FROM:<a@c.test>\r\nAUTH PLAIN AGJvYgB3cm9uZw==\r\n"
	    "AUTH PLAIN\r\nYWRtAGJvYgBzZWNyZXQ=\r\nAUTH PLAIN\r\n"
	    "MAIL FROM:<a@c.test>\r\n");
	CHECK_STR(sess_take(&t), "530 5.7.0 Authentication required\r\n"
	    "535 5.7.8 Bad credentials\r\n334 \r\n235 2.7.0 Authenticated\r\n"
	    "503 5.5.1 Already authenticated\r\n250 2.0.0 Ok\r\n");
	CHECK_STR(buf_cstr(&t.log), "AUTH PLAIN [] [bob] [wrong]\n"
	    "AUTH PLAIN [adm] [bob] [secret]\n"
	    "MAIL <a@c.test> size=0 body=0 utf8=0 auth=-\n");
	CHECK_STR(smtp_server_auth_user(t.s), "bob");
	sess_close(&t);
}

TEST(smtp_auth_plain_malformed)
{
	struct sess t;
	open_auth(&t, 0);
	/* bad base64; one NUL only; empty authcid; three NULs; "=" empty;
	 * cancel; unknown mechanism */
	sess_send(&t, "AUTH PLAIN !!!!\r\nAUTH PLAIN Ym9iAHNlY3JldA==\r\n"
	    "AUTH PLAIN AABzZWNyZXQ=\r\nAUTH PLAIN AGEAYgBj\r\nAUTH PLAIN =\r\n"
	    "AUTH PLAIN\r\n*\r\nAUTH CRAM-MD5\r\nAUTH PLAIN\r\nAGEA\r\n");
	CHECK_STR(sess_take(&t), "501 5.5.2 Cannot decode base64\r\n"
	    "501 5.5.2 Malformed PLAIN response\r\n"
	    "501 5.5.2 Malformed PLAIN response\r\n"
	    "501 5.5.2 Malformed PLAIN response\r\n"
	    "501 5.5.2 Malformed PLAIN response\r\n"
	    "334 \r\n501 5.0.0 Authentication cancelled\r\n"
	    "504 5.5.4 Unrecognized authentication type\r\n"
	    "334 \r\n501 5.5.2 Malformed PLAIN response\r\n");
	CHECK_STR(buf_cstr(&t.log), "");
	CHECK(smtp_server_auth_user(t.s) == NULL);
	sess_close(&t);
}

TEST(smtp_auth_login)
{
	struct sess t;
	open_auth(&t, 0);
	sess_send(&t, "AUTH LOGIN\r\nYm9i\r\nc2VjcmV0\r\n");
	CHECK_STR(sess_take(&t), "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"
	    "235 2.7.0 Authenticated\r\n");
	CHECK_STR(buf_cstr(&t.log), "AUTH LOGIN [] [bob] [secret]\n");
	sess_close(&t);
	open_auth(&t, 0);
	sess_send(&t, "AUTH LOGIN Ym9i\r\n*\r\nAUTH LOGIN Ym9i\r\nx\r\n"
	    "AUTH LOGIN\r\n=\r\nMAIL FROM:<a@c.test>\r\nAUTH LOGIN\r\n");
	CHECK_STR(sess_take(&t), "334 UGFzc3dvcmQ6\r\n"
	    "501 5.0.0 Authentication cancelled\r\n334 UGFzc3dvcmQ6\r\n"
	    "501 5.5.2 Malformed password\r\n334 VXNlcm5hbWU6\r\n"
	    "501 5.5.2 Malformed user name\r\n250 2.0.0 Ok\r\n"
	    "503 5.5.1 AUTH not permitted during a mail transaction\r\n");
	sess_close(&t);
}

TEST(smtp_shutdown_and_reply_sanitised)
{
	struct smtp_server_params p = sess_params();
	struct sess t;
	sess_open(&t, &p);
	t.hold = true;
	sess_send(&t, "EHLO c\r\nMAIL FROM:<a@c.test>\r\n");
	sess_take(&t);
	CHECK(smtp_server_reply(t.s, 451, "4.3.0", "try\r\n250 later"));
	CHECK(smtp_server_reply(t.s, 250, NULL, NULL) == false);
	sess_pump(&t);
	CHECK_STR(sess_take(&t), "451 4.3.0 try  250 later\r\n");
	sess_send(&t, "MAIL FROM:<a@c.test>\r\n");
	CHECK(smtp_server_reply(t.s, 42, NULL, NULL));
	sess_pump(&t);
	sess_send(&t, "MAIL FROM:<a@c.test>\r\n");
	CHECK_STR(sess_take(&t), "451 4.3.0 Temporary local problem\r\n");
	smtp_server_shutdown(t.s, NULL, NULL);
	sess_pump(&t);
	CHECK_STR(sess_take(&t), "421 4.3.2 mx.test Service shutting down\r\n");
	CHECK(t.closed && !smtp_server_waiting(t.s));
	sess_close(&t);
}
