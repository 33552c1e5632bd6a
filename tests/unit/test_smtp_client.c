/* SMTP client engine: whole sessions against a scripted server, with the
 * exact octets sent and the results reported. Hostile servers are in
 * test_smtp_client_hostile.c. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include "smtp/client.h"
#include "smtp_cdrv.h"

#define GREET "220 mx.test ESMTP\r\n"
#define EHLO_PIPE "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n" \
	"250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
#define EHLO_PLAIN "250-mx.test\r\n250 8BITMIME\r\n"

static const char *const two_rcpts[] = { "bob@mx.test", "nobody@mx.test" };
static const struct smtp_client_msg msg_two = {
	"alice@client.test", two_rcpts, 2, 40, false, false,
};

static const char pipelined_out[] =
	"EHLO client.test\r\n"
	"MAIL FROM:<alice@client.test> SIZE=40\r\n"
	"RCPT TO:<bob@mx.test>\r\n"
	"RCPT TO:<nobody@mx.test>\r\n"
	"DATA\r\n"
	"Subject: hi\r\n\r\n..leading dot\r\nlast\r\n.\r\n"
	"QUIT\r\n";

static const char *const pipelined_script[] = {
	GREET, EHLO_PIPE,
	"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550-5.1.1 No such user\r\n550 5.1.1 here\r\n"
	"354 End data\r\n",
	"250 2.0.0 Ok: queued as 123\r\n", "221 2.0.0 Bye\r\n", NULL,
};

static const char pipelined_log[] =
	"READY\n"
	"BODY\n"
	"DONE\n"
	" R 250 2.0.0 remote | host mx.test[192.0.2.1] said: 250 2.0.0 Ok: "
	"queued as 123 (in reply to end of DATA command)\n"
	" R 550 5.1.1 remote | host mx.test[192.0.2.1] said: 550 5.1.1 No "
	"such user here (in reply to RCPT TO command)\n"
	"READY\n"
	"QUIT 221 2.0.0 | QUIT sent to mx.test[192.0.2.1]\n";

static bool run_pipelined(size_t feed_chunk, size_t body_chunk)
{
	struct cdrv d;
	cdrv_start(&d, &msg_two, 1, "Subject: hi\r\n\r\n.leading dot\r\nlast\r\n");
	d.feed_chunk = feed_chunk;
	d.body_chunk = body_chunk;
	cdrv_script(&d, pipelined_script);
	bool ok = cdrv_out_is(&d, pipelined_out) &&
	    cdrv_log_is(&d, pipelined_log) && d.closed &&
	    smtp_client_extensions(d.c)->size_max == 1000;
	cdrv_close(&d);
	return ok;
}

TEST(smtpc_pipelined_session)
{
	CHECK(run_pipelined(0, 0));
}

TEST(smtpc_pipelined_session_byte_by_byte)
{
	CHECK(run_pipelined(1, 1));
	CHECK(run_pipelined(5, 3));
}

TEST(smtpc_one_command_at_a_time)
{
	struct cdrv d;
	cdrv_start(&d, &msg_two, 1, "x\r\n");
	CHECK(smtp_client_wait_seconds(d.c) == 300);
	cdrv_turn(&d, GREET);
	CHECK_STR(cdrv_take(&d), "EHLO client.test\r\n");
	cdrv_turn(&d, EHLO_PLAIN);
	CHECK_STR(cdrv_take(&d), "MAIL FROM:<alice@client.test>\r\n");
	cdrv_turn(&d, "250 ok\r\n");
	CHECK_STR(cdrv_take(&d), "RCPT TO:<bob@mx.test>\r\n");
	cdrv_turn(&d, "451 4.3.0 try later\r\n");
	CHECK_STR(cdrv_take(&d), "RCPT TO:<nobody@mx.test>\r\n");
	cdrv_turn(&d, "250 ok\r\n");
	CHECK_STR(cdrv_take(&d), "DATA\r\n");
	CHECK(smtp_client_wait_seconds(d.c) == 120);
	cdrv_turn(&d, "354 go\r\n");
	CHECK_STR(cdrv_take(&d), "x\r\n.\r\n");
	CHECK(smtp_client_wait_seconds(d.c) == 600);
	cdrv_turn(&d, "550 5.7.1 spam\r\n");
	CHECK_STR(cdrv_take(&d), "QUIT\r\n");
	CHECK(smtp_client_wait_seconds(d.c) == 20);
	CHECK(cdrv_log_is(&d, "READY\nBODY\nDONE\n"
	    " R 451 4.3.0 remote | host mx.test[192.0.2.1] said: 451 4.3.0 "
	    "try later (in reply to RCPT TO command)\n"
	    " R 550 5.7.1 remote | host mx.test[192.0.2.1] said: 550 5.7.1 "
	    "spam (in reply to end of DATA command)\n"
	    "READY\n"));
	cdrv_turn(&d, "");
	smtp_client_eof(d.c);
	cdrv_pump(&d);
	CHECK(d.closed);
	cdrv_close(&d);
}

/* The second message after a transaction that left MAIL open gets RSET
 * first; a default enhanced code comes from the reply class. */
TEST(smtpc_connection_reuse_with_rset)
{
	static const char *const r1[] = { "a@mx.test" };
	static const char *const r2[] = { "b@mx.test" };
	const struct smtp_client_msg msgs[] = {
		{ "", r1, 1, 0, false, false },
		{ "alice@client.test", r2, 1, 0, false, false },
	};
	struct cdrv d;
	cdrv_start(&d, msgs, 2, "");
	const char *script[] = {
		GREET, EHLO_PIPE,
		"250 ok\r\n550 no\r\n554 5.5.1 no valid recipients\r\n",
		"250 reset\r\n", "250 ok\r\n250 ok\r\n354 go\r\n", "250 done\r\n",
		"221 bye\r\n", NULL,
	};
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\n"
	    "MAIL FROM:<>\r\nRCPT TO:<a@mx.test>\r\nDATA\r\nRSET\r\n"
	    "MAIL FROM:<alice@client.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n"
	    ".\r\nQUIT\r\n"));
	CHECK(cdrv_log_is(&d, "READY\nDONE\n"
	    " R 550 5.0.0 remote | host mx.test[192.0.2.1] said: 550 no (in "
	    "reply to RCPT TO command)\n"
	    "READY\nBODY\nDONE\n"
	    " R 250 2.0.0 remote | host mx.test[192.0.2.1] said: 250 done "
	    "(in reply to end of DATA command)\n"
	    "READY\nQUIT 221 2.0.0 | QUIT sent to mx.test[192.0.2.1]\n"));
	cdrv_close(&d);
}

/* MAIL refused while pipelining: every recipient gets MAIL's reply, the
 * later replies are read and ignored, no RSET is needed. */
TEST(smtpc_pipelined_mail_refused)
{
	struct cdrv d;
	cdrv_start(&d, &msg_two, 1, NULL);
	const char *script[] = {
		GREET, EHLO_PIPE,
		"553 5.7.1 sender refused\r\n503 5.5.1 no MAIL\r\n"
		"503 5.5.1 no MAIL\r\n503 5.5.1 no valid recipients\r\n",
		"221 bye\r\n", NULL,
	};
	cdrv_script(&d, script);
	CHECK(cdrv_log_is(&d, "READY\nDONE\n"
	    " R 553 5.7.1 remote | host mx.test[192.0.2.1] said: 553 5.7.1 "
	    "sender refused (in reply to MAIL FROM command)\n"
	    " R 553 5.7.1 remote | host mx.test[192.0.2.1] said: 553 5.7.1 "
	    "sender refused (in reply to MAIL FROM command)\n"
	    "READY\nQUIT 221 2.0.0 | QUIT sent to mx.test[192.0.2.1]\n"));
	CHECK(strstr(buf_cstr(&d.out), "RSET") == NULL);
	cdrv_close(&d);
}

/* RFC 2920 3.1: 354 though nobody was accepted: an empty body, then RSET. */
TEST(smtpc_354_without_recipients_sends_lone_dot)
{
	struct cdrv d;
	cdrv_start(&d, &msg_two, 1, NULL);
	const char *script[] = {
		GREET, EHLO_PIPE, "250 ok\r\n550 no\r\n550 no\r\n354 go\r\n",
		"554 no valid recipients\r\n", "250 ok\r\n", "221 bye\r\n", NULL,
	};
	cdrv_script(&d, script);
	CHECK(strstr(buf_cstr(&d.out), "DATA\r\n.\r\nRSET\r\nQUIT\r\n") != NULL);
	CHECK(strstr(buf_cstr(&d.log), "BODY") == NULL);
	CHECK(d.closed);
	cdrv_close(&d);
}

TEST(smtpc_multiline_greeting_and_reply_text)
{
	struct cdrv d;
	cdrv_start(&d, &msg_two, 1, NULL);
	const char *script[] = {
		"220-mx.test ESMTP\r\n220-second line\r\n220\r\n", EHLO_PIPE,
		"250 ok\r\n550-5.1.1 The account\r\n550-5.1.1 does not\n"
		"550 5.1.1 exist\r\n550 5.2.1 disabled\r\n554 5.5.1 none\r\n",
		NULL,
	};
	cdrv_script(&d, script);
	CHECK(strstr(buf_cstr(&d.log), "550 5.1.1 The account does not "
	    "exist (in reply to RCPT TO") != NULL);
	CHECK(strstr(buf_cstr(&d.log), " R 550 5.2.1 remote") != NULL);
	cdrv_close(&d);
}

TEST(smtpc_helo_fallback_and_need_7bit)
{
	static const char *const r[] = { "bob@mx.test" };
	const struct smtp_client_msg msgs[] = {
		{ "alice@client.test", r, 1, 10, true, false },
		{ "alice@client.test", r, 1, 10, false, false },
	};
	struct cdrv d;
	cdrv_start(&d, msgs, 2, "hi\r\n");
	const char *script[] = {
		GREET, "502 5.5.2 EHLO not understood\r\n", "250 mx.test\r\n",
		"250 ok\r\n", "250 ok\r\n", "354 go\r\n", "250 ok\r\n", NULL,
	};
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\nHELO client.test\r\n"
	    "MAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@mx.test>\r\n"
	    "DATA\r\nhi\r\n.\r\nQUIT\r\n"));
	CHECK(strncmp(buf_cstr(&d.log), "READY\nDONE NEED_7BIT\n"
	    " R 554 5.6.3 | host mx.test[192.0.2.1] does not support 8BITMIME",
	    63) == 0);
	CHECK(!smtp_client_extensions(d.c)->esmtp);
	cdrv_close(&d);
}

TEST(smtpc_8bit_params_and_size_limit)
{
	static const char *const r[] = { "bob@mx.test" };
	const struct smtp_client_msg msgs[] = {
		{ "alice@client.test", r, 1, 1001, false, false },
		{ "alice@client.test", r, 1, 1000, true, false },
	};
	struct cdrv d;
	cdrv_start(&d, msgs, 2, "caf\xc3\xa9\r\n");
	const char *script[] = {
		GREET, EHLO_PIPE, "250 ok\r\n250 ok\r\n354 go\r\n", "250 ok\r\n",
		NULL,
	};
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\n"
	    "MAIL FROM:<alice@client.test> SIZE=1000 BODY=8BITMIME\r\n"
	    "RCPT TO:<bob@mx.test>\r\nDATA\r\ncaf\xc3\xa9\r\n.\r\nQUIT\r\n"));
	CHECK(strstr(buf_cstr(&d.log), " R 552 5.3.4 | message size 1001 "
	    "exceeds size limit 1000 of server mx.test[192.0.2.1]\n") != NULL);
	cdrv_close(&d);
}

TEST(smtpc_smtputf8)
{
	static const char *const r[] = { "b\xc3\xb6@mx.test", "bob@mx.test" };
	const struct smtp_client_msg msgs[] = {
		{ "alice@client.test", r, 2, 0, false, false },
		{ "\xc3\xa4@client.test", r + 1, 1, 0, false, false },
		{ "alice@client.test", r + 1, 1, 0, true, true },
	};
	struct cdrv d;
	cdrv_start(&d, msgs, 3, "x\r\n");
	const char *script[] = {
		GREET, EHLO_PIPE, "250 ok\r\n250 ok\r\n354 go\r\n", "250 ok\r\n",
		NULL,
	};
	cdrv_script(&d, script);
	/* only the ASCII recipient of the first message is sent */
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\n"
	    "MAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@mx.test>\r\n"
	    "DATA\r\nx\r\n.\r\nQUIT\r\n"));
	CHECK(cdrv_log_is(&d, "READY\nBODY\nDONE\n"
	    " R 553 5.6.7 | SMTPUTF8 is required, but was not offered by "
	    "host mx.test[192.0.2.1]\n"
	    " R 250 2.0.0 remote | host mx.test[192.0.2.1] said: 250 ok (in "
	    "reply to end of DATA command)\n"
	    "READY\nDONE\n"
	    " R 553 5.6.7 | SMTPUTF8 is required, but was not offered by "
	    "host mx.test[192.0.2.1]\n"
	    "READY\nDONE\n"
	    " R 554 5.6.9 | SMTPUTF8 is required, but was not offered by "
	    "host mx.test[192.0.2.1]\n"
	    "READY\n"));
	cdrv_close(&d);
}

/* A non-ASCII domain alone needs no SMTPUTF8: it goes out as A-labels. */
TEST(smtpc_idn_domain_as_a_labels)
{
	static const char *const r[] = { "bob@b\xc3\xbc" "cher.example" };
	const struct smtp_client_msg m = {
		"alice@\xc3\xa4.example", r, 1, 0, false, false,
	};
	struct cdrv d;
	cdrv_start(&d, &m, 1, "x\r\n");
	d.no_quit = true;
	const char *script[] = { GREET, EHLO_PIPE, NULL };
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\n"
	    "MAIL FROM:<alice@xn--4ca.example>\r\n"
	    "RCPT TO:<bob@xn--bcher-kva.example>\r\nDATA\r\n"));
	cdrv_close(&d);
}

TEST(smtpc_smtputf8_offered)
{
	static const char *const r[] = { "b\xc3\xb6@mx.test" };
	const struct smtp_client_msg m = { "a@client.test", r, 1, 0, false, false };
	struct cdrv d;
	cdrv_start(&d, &m, 1, "x\r\n");
	const char *script[] = {
		GREET, "250-mx.test\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n",
		"250 ok\r\n250 ok\r\n354 go\r\n", "250 ok\r\n", NULL,
	};
	cdrv_script(&d, script);
	CHECK(strstr(buf_cstr(&d.out), "MAIL FROM:<a@client.test> SMTPUTF8\r\n"
	    "RCPT TO:<b\xc3\xb6@mx.test>\r\n") != NULL);
	CHECK(strstr(buf_cstr(&d.log), " R 250 ") != NULL);
	cdrv_close(&d);
}

TEST(smtpc_bad_addresses_never_reach_the_wire)
{
	static const char *const r[] = { "bob@mx.test\r\nRSET", "a b@x", "ok@x" };
	const struct smtp_client_msg msgs[] = {
		{ "a@x\r\nDATA", r + 2, 1, 0, false, false },
		{ "alice@x", r, 3, 0, false, false },
	};
	struct cdrv d;
	cdrv_start(&d, msgs, 2, NULL);
	d.no_quit = true;
	const char *script[] = { GREET, EHLO_PIPE,
	    "250 ok\r\n250 ok\r\n554 5.5.1 no\r\n", NULL };
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\nMAIL FROM:<alice@x>\r\n"
	    "RCPT TO:<ok@x>\r\nDATA\r\nRSET\r\n"));
	CHECK(strstr(buf_cstr(&d.log), "DONE\n R 553 5.1.7 | bad sender") != NULL);
	CHECK(strstr(buf_cstr(&d.log), " R 553 5.1.3 | bad recipient address "
	    "syntax\n R 553 5.1.3") != NULL);
	cdrv_close(&d);
}

TEST(smtpc_starttls_then_auth_plain)
{
	struct smtp_client_params p = cdrv_params();
	p.auth_user = "user";
	p.auth_pass = "pass";
	struct cdrv d;
	cdrv_open(&d, &p);
	d.no_quit = true;
	cdrv_turn(&d, GREET);
	cdrv_turn(&d, "250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n");
	CHECK_STR(cdrv_take(&d), "EHLO client.test\r\nSTARTTLS\r\n");
	/* what follows the 220 in the clear must never be read */
	cdrv_turn(&d, "220 go ahead\r\n250 injected\r\n");
	CHECK(smtp_client_tls_active(d.c));
	CHECK_STR(cdrv_take(&d), "EHLO client.test\r\n");
	cdrv_turn(&d, "250-mx.test\r\n250 AUTH=PLAIN\r\n");
	/* base64 of NUL "user" NUL "pass" */
	CHECK_STR(cdrv_take(&d), "AUTH PLAIN AHVzZXIAcGFzcw==\r\n");
	cdrv_turn(&d, "235 2.7.0 ok\r\n");
	CHECK(cdrv_log_is(&d, "STARTTLS\nREADY\n"));
	CHECK(smtp_client_extensions(d.c)->auth_plain);
	CHECK(smtp_client_wait_seconds(d.c) == 0);   /* READY */
	CHECK(!smtp_client_extensions(d.c)->starttls);
	cdrv_close(&d);
}

TEST(smtpc_auth_login)
{
	struct smtp_client_params p = cdrv_params();
	p.auth_user = "user";
	p.auth_pass = "pass";
	p.flags = SMTP_CLI_F_TLS_ACTIVE;
	struct cdrv d;
	cdrv_open(&d, &p);
	d.no_quit = true;
	cdrv_turn(&d, GREET);
	cdrv_turn(&d, "250-mx.test\r\n250 AUTH LOGIN CRAM-MD5\r\n");
	CHECK_STR(cdrv_take(&d), "EHLO client.test\r\nAUTH LOGIN\r\n");
	cdrv_turn(&d, "334 VXNlcm5hbWU6\r\n");
	CHECK_STR(cdrv_take(&d), "dXNlcg==\r\n");
	cdrv_turn(&d, "334 UGFzc3dvcmQ6\r\n");
	CHECK_STR(cdrv_take(&d), "cGFzcw==\r\n");
	cdrv_turn(&d, "535 5.7.8 bad credentials\r\n");
	CHECK_STR(cdrv_take(&d), "QUIT\r\n");
	CHECK(cdrv_log_is(&d, "AUTH 535 5.7.8 remote | authentication "
	    "failed; host mx.test[192.0.2.1] said: 535 5.7.8 bad credentials\n"));
	cdrv_close(&d);
}

TEST(smtpc_auth_never_in_the_clear)
{
	struct smtp_client_params p = cdrv_params();
	p.auth_user = "user";
	p.auth_pass = "pass";
	struct cdrv d;
	cdrv_open(&d, &p);
	const char *script[] = { GREET, "250-mx.test\r\n250 AUTH PLAIN\r\n", NULL };
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\nQUIT\r\n"));
	CHECK(cdrv_log_is(&d, "AUTH 450 4.7.0 | cannot authenticate to "
	    "mx.test[192.0.2.1]: refusing to send credentials without TLS\n"));
	cdrv_close(&d);
}

TEST(smtpc_tls_required)
{
	struct smtp_client_params p = cdrv_params();
	p.flags = SMTP_CLI_F_TLS_REQUIRED;
	struct cdrv d;
	cdrv_open(&d, &p);
	const char *script[] = { GREET, EHLO_PIPE, NULL };
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\nQUIT\r\n"));
	CHECK(cdrv_log_is(&d, "TLS_REQUIRED 450 4.7.4 | TLS is required, but "
	    "was not offered by host mx.test[192.0.2.1]\n"));
	cdrv_close(&d);

	cdrv_open(&d, &p);
	const char *refused[] = { GREET, "250-mx.test\r\n250 STARTTLS\r\n",
	    "454 4.7.0 TLS not available\r\n", NULL };
	cdrv_script(&d, refused);
	CHECK(cdrv_log_is(&d, "TLS_REQUIRED 450 4.7.4 | TLS is required, but "
	    "host mx.test[192.0.2.1] refused to start TLS: 454 4.7.0 TLS not "
	    "available\n"));
	cdrv_close(&d);
}

/* Opportunistic TLS: a refused STARTTLS continues in the clear. */
TEST(smtpc_starttls_refused_continues)
{
	struct smtp_client_params p = cdrv_params();
	struct cdrv d;
	cdrv_open(&d, &p);
	const char *script[] = { GREET, "250-mx.test\r\n250 STARTTLS\r\n",
	    "454 4.7.0 TLS not available\r\n", "221 bye\r\n", NULL };
	cdrv_script(&d, script);
	CHECK(cdrv_out_is(&d, "EHLO client.test\r\nSTARTTLS\r\nQUIT\r\n"));
	CHECK(cdrv_log_is(&d, "READY\nQUIT 221 2.0.0 | QUIT sent to "
	    "mx.test[192.0.2.1]\n"));
	CHECK(!smtp_client_tls_active(d.c));
	cdrv_close(&d);
}

TEST(smtpc_greeting_refused)
{
	struct smtp_client_params p = cdrv_params();
	struct cdrv d;
	cdrv_open(&d, &p);
	cdrv_turn(&d, "554 5.7.1 go away\r\n");
	CHECK(cdrv_out_is(&d, "QUIT\r\n"));
	CHECK(cdrv_log_is(&d, "GREETING 554 5.7.1 remote | host "
	    "mx.test[192.0.2.1] refused to talk to me: 554 5.7.1 go away\n"));
	cdrv_close(&d);
}

/* The body is dot-stuffed and line ends made CRLF, whatever the pieces. */
static bool stuffed(const char *body, size_t chunk, const char *want)
{
	struct cdrv d;
	cdrv_start(&d, &msg_two, 1, body);
	d.body_chunk = chunk;
	d.no_quit = true;
	const char *script[] = { GREET, EHLO_PIPE,
	    "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", NULL };
	cdrv_script(&d, script);
	struct buf w = BUF_INIT;
	buf_printf(&w, "EHLO client.test\r\n"
	    "MAIL FROM:<alice@client.test> SIZE=40\r\nRCPT TO:<bob@mx.test>\r\n"
	    "RCPT TO:<nobody@mx.test>\r\nDATA\r\n%s", want);
	bool ok = cdrv_out_is(&d, buf_cstr(&w));
	buf_free(&w);
	cdrv_close(&d);
	return ok;
}

TEST(smtpc_dot_stuffing_and_line_ends)
{
	const char *body = ".a\n.b\r.c\r\n..d\r\n.\r\nend";
	const char *want = "..a\r\n..b\r\n..c\r\n...d\r\n..\r\nend\r\n.\r\n";
	CHECK(stuffed(body, 0, want));
	CHECK(stuffed(body, 1, want));
	CHECK(stuffed(body, 2, want));
	CHECK(stuffed("", 0, ".\r\n"));
	CHECK(stuffed("\r", 0, "\r\n.\r\n"));
	CHECK(stuffed("a\r\n\r\n", 0, "a\r\n\r\n.\r\n"));
}

/* 100 MB in 64 KiB pieces: the output never holds more than a piece. */
TEST(smtpc_body_is_streamed)
{
	struct smtp_client_params p = cdrv_params();
	struct smtp_client *c = smtp_client_new(&p);
	static const char *const r[] = { "bob@mx.test" };
	const struct smtp_client_msg m = { "a@x", r, 1, 0, false, false };
	const char *turns[] = { GREET, EHLO_PIPE, "250 ok\r\n250 ok\r\n354 go\r\n" };
	struct smtp_cevent ev;
	size_t n, most = 0, total = 0;
	bool body = false;
	for (int t = 0; t < 3; t++) {
		smtp_client_feed(c, turns[t], strlen(turns[t]));
		while (smtp_client_next_event(c, &ev)) {
			if (ev.type == SMTP_CEV_READY)
				smtp_client_send(c, &m);
			body |= ev.type == SMTP_CEV_BODY;
		}
		smtp_client_output(c, &n);
		smtp_client_output_consume(c, n);
	}
	CHECK(body && smtp_client_wants_body(c));
	char *piece = malloc(65536);
	memset(piece, 'x', 65536);
	for (size_t i = 1; i < 65536; i += 80)
		piece[i - 1] = '\r', piece[i] = '\n';
	for (int i = 0; i < 1600; i++) {
		smtp_client_body(c, piece, 65536);
		smtp_client_output(c, &n);
		most = n > most ? n : most;
		total += n;
		smtp_client_output_consume(c, n);
	}
	CHECK(smtp_client_body_end(c));
	CHECK(!smtp_client_wants_body(c));
	CHECK(most < 70000);
	CHECK(total >= 1600 * 65536ul);
	free(piece);
	smtp_client_free(c);
}

#define EHLO_CHUNK "250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n"

/* BDAT: one chunk per piece, no dot-stuffing, CRLF line ends, LAST. */
static struct cdrv *bdat_session(struct cdrv *d, const char *ehlo)
{
	struct smtp_client_params p = cdrv_params();
	p.flags = SMTP_CLI_F_CHUNKING;
	cdrv_open(d, &p);
	d->msgs = &msg_two;
	d->nmsgs = 1;
	d->body = "a\n.b\r\nc";
	d->body_chunk = 4;
	cdrv_turn(d, GREET);
	cdrv_turn(d, ehlo);
	return d;
}

TEST(smtpc_bdat)
{
	struct cdrv d;
	bdat_session(&d, EHLO_CHUNK);
	cdrv_turn(&d, "250 ok\r\n250 ok\r\n550 5.1.1 no\r\n");
	CHECK_STR(cdrv_take(&d), "EHLO client.test\r\n"
	    "MAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@mx.test>\r\n"
	    "RCPT TO:<nobody@mx.test>\r\n"
	    "BDAT 5\r\na\r\n.bBDAT 3\r\n\r\ncBDAT 2 LAST\r\n\r\n");
	cdrv_turn(&d, "250 2.0.0 5 octets\r\n250 2.0.0 3 octets\r\n"
	    "250 2.0.0 queued\r\n");
	CHECK_STR(cdrv_take(&d), "QUIT\r\n");
	CHECK(cdrv_log_is(&d, "READY\nBODY\nDONE\n"
	    " R 250 2.0.0 remote | host mx.test[192.0.2.1] said: 250 2.0.0 "
	    "queued (in reply to BDAT command)\n"
	    " R 550 5.1.1 remote | host mx.test[192.0.2.1] said: 550 5.1.1 "
	    "no (in reply to RCPT TO command)\nREADY\n"));
	cdrv_close(&d);
}

/* The first refused chunk is the answer; the replies still owed are
 * read, then RSET. */
TEST(smtpc_bdat_chunk_refused)
{
	struct cdrv d;
	bdat_session(&d, EHLO_CHUNK);
	d.no_quit = true;
	cdrv_turn(&d, "250 ok\r\n250 ok\r\n250 ok\r\n");
	cdrv_take(&d);
	cdrv_turn(&d, "554 5.6.0 bad content\r\n503 5.5.1 no\r\n");
	CHECK(strstr(buf_cstr(&d.log), "DONE") == NULL);
	cdrv_turn(&d, "503 5.5.1 no\r\n");
	CHECK_STR(cdrv_take(&d), "RSET\r\n");
	CHECK(cdrv_log_is(&d, "READY\nBODY\nDONE\n"
	    " R 554 5.6.0 remote | host mx.test[192.0.2.1] said: 554 5.6.0 "
	    "bad content (in reply to BDAT command)\n"
	    " R 554 5.6.0 remote | host mx.test[192.0.2.1] said: 554 5.6.0 "
	    "bad content (in reply to BDAT command)\n"));
	cdrv_turn(&d, "250 ok\r\n250 surplus\r\n");
	CHECK(strstr(buf_cstr(&d.log), "READY\nPROTOCOL") != NULL);
	cdrv_close(&d);
}

/* CHUNKING without PIPELINING: DATA as usual. */
TEST(smtpc_bdat_needs_pipelining)
{
	struct cdrv d;
	bdat_session(&d, "250-mx.test\r\n250 CHUNKING\r\n");
	cdrv_turn(&d, "250 ok\r\n");
	cdrv_turn(&d, "250 ok\r\n");
	cdrv_turn(&d, "250 ok\r\n");
	cdrv_turn(&d, "354 go\r\n");
	CHECK(strstr(cdrv_take(&d), "DATA\r\na\r\n..b\r\nc\r\n.\r\n") != NULL);
	cdrv_close(&d);
}
