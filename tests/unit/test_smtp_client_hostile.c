/* SMTP client engine against hostile or broken servers: every oddity is
 * a protocol error with a clear text and a temporary failure, never a
 * guess, never a crash. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include "smtp/client.h"
#include "smtp_cdrv.h"

#define GREET "220 mx.test ESMTP\r\n"
#define EHLO_PIPE "250-mx.test\r\n250 PIPELINING\r\n"
#define PEER "mx.test[192.0.2.1]"

static const char *const one_rcpt[] = { "bob@mx.test" };
static const struct smtp_client_msg msg = {
	"alice@client.test", one_rcpt, 1, 0, false, false,
};

/* Runs turns against a fresh client sending msg; returns the log (the
 * caller frees it). */
static char *run(const char *const *turns, size_t feed_chunk)
{
	struct cdrv d;
	cdrv_start(&d, &msg, 1, "body\r\n");
	d.feed_chunk = feed_chunk;
	cdrv_script(&d, turns);
	char *log = buf_detach(&d.log);
	cdrv_close(&d);
	return log;
}

static bool log_is(const char *const *turns, const char *want)
{
	char *got = run(turns, 0);
	bool ok = strcmp(got, want) == 0;
	if (!ok)
		fprintf(stderr, "--- got\n%s--- want\n%s---\n", got, want);
	free(got);
	return ok;
}

static bool log_has(const char *const *turns, const char *want)
{
	char *got = run(turns, 0);
	bool ok = strstr(got, want) != NULL;
	if (!ok)
		fprintf(stderr, "--- got\n%s--- wanted in it\n%s---\n", got, want);
	free(got);
	return ok;
}

static char *repeat(const char *line, size_t times, const char *last)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < times; i++)
		buf_addstr(&b, line);
	buf_addstr(&b, last);
	return buf_detach(&b);
}

TEST(smtpc_reply_line_limit)
{
	char *ok = repeat("x", 512 - 2, "\r\n");
	memcpy(ok, "220 ", 4);
	const char *t1[] = { ok, EHLO_PIPE, NULL };
	CHECK(log_has(t1, "READY\n"));
	char *bad = repeat("x", 513 - 2, "\r\n");
	memcpy(bad, "220 ", 4);
	const char *t2[] = { bad, NULL };
	CHECK(log_is(t2, "PROTOCOL 451 4.5.0 | protocol error with " PEER
	    " while receiving the initial server greeting: reply line longer "
	    "than 512 octets\n"));
	/* a line that never ends fails as soon as it is too long */
	char *endless = repeat("2", 600, "");
	const char *t3[] = { endless, NULL };
	CHECK(log_has(t3, "reply line longer than 512 octets\n"));
	free(ok);
	free(bad);
	free(endless);
}

TEST(smtpc_reply_line_count_limit)
{
	char *ok = repeat("250-x\r\n", 99, "250 x\r\n");
	const char *t1[] = { GREET, ok, NULL };
	CHECK(log_has(t1, "READY\n"));
	char *huge = repeat("250-x\r\n", 100000, "250 x\r\n");
	const char *t2[] = { GREET, huge, NULL };
	CHECK(log_is(t2, "PROTOCOL 451 4.5.0 | protocol error with " PEER
	    " while performing the EHLO handshake: reply of more than 100 "
	    "lines\n"));
	free(ok);
	free(huge);
}

TEST(smtpc_reply_text_sanitised)
{
	static const char nul_reply[] = "550 5.1.1 bad\0user\x1b[1m"
	    "\xff\x7f\tend\r\n";
	struct cdrv d;
	cdrv_start(&d, &msg, 1, NULL);
	cdrv_turn(&d, GREET);
	cdrv_turn(&d, "250 mx.test\r\n");
	cdrv_turn(&d, "250 ok\r\n");
	smtp_client_feed(d.c, nul_reply, sizeof(nul_reply) - 1);
	cdrv_pump(&d);
	CHECK(cdrv_log_is(&d, "READY\nDONE\n R 550 5.1.1 remote | host " PEER
	    " said: 550 5.1.1 bad user [1m?  end (in reply to RCPT TO "
	    "command)\n"));
	cdrv_close(&d);
}

TEST(smtpc_bad_reply_codes)
{
	static const char *const bad[] = {
		"600 no\r\n", "199 no\r\n", "2x0 no\r\n", "260 no\r\n",
		"250x no\r\n", "25\r\n", "hello\r\n", "\r\n", " 250 x\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *t[] = { bad[i], NULL };
		CHECK(log_has(t, "PROTOCOL 451 4.5.0 | protocol error with "
		    PEER " while receiving the initial server greeting: "
		    "malformed reply line"));
	}
	const char *mixed[] = { "220-mx\r\n250 mx\r\n", NULL };
	CHECK(log_has(mixed, "reply lines with codes 220 and 250\n"));
}

TEST(smtpc_data_ahead_of_command)
{
	const char *t[] = { GREET "250 mx.test\r\n", NULL };
	CHECK(log_is(t, "PROTOCOL 451 4.5.0 | protocol error with " PEER
	    " while receiving the initial server greeting: server sent data "
	    "ahead of our command\n"));
}

TEST(smtpc_reply_while_idle)
{
	struct cdrv d;
	cdrv_open(&d, &(struct smtp_client_params){ .helo_name = "c", .peer = "p" });
	d.no_quit = true;
	cdrv_turn(&d, GREET);
	cdrv_turn(&d, "250 p\r\n");
	cdrv_turn(&d, "250 surprise\r\n");
	CHECK(cdrv_log_is(&d, "READY\nPROTOCOL 451 4.5.0 | protocol error "
	    "with p while idle: unexpected reply \"250 surprise\"\n"));
	/* nothing is accepted any more */
	CHECK(!smtp_client_send(d.c, &msg));
	CHECK(!smtp_client_quit(d.c));
	smtp_client_feed(d.c, "250 x\r\n", 7);
	cdrv_pump(&d);
	CHECK(smtp_client_closed(d.c));
	cdrv_close(&d);
}

/* Replies answering the wrong command: 354 where RCPT's reply belongs. */
TEST(smtpc_replies_out_of_order)
{
	const char *t[] = { GREET, EHLO_PIPE, "250 ok\r\n354 go\r\n250 ok\r\n",
	    NULL };
	CHECK(log_is(t, "READY\nDONE\n R 451 4.5.0 | protocol error with "
	    PEER " while sending RCPT TO: unexpected reply \"354 go\" "
	    "instead of 354\n"
	    "PROTOCOL 451 4.5.0 | protocol error with " PEER " while sending "
	    "RCPT TO: unexpected reply \"354 go\" instead of 354\n"));
}

/* A 250 to DATA would claim an empty message was taken. */
TEST(smtpc_data_answered_250)
{
	const char *t[] = { GREET, EHLO_PIPE, "250 ok\r\n250 ok\r\n250 ok\r\n",
	    NULL };
	CHECK(log_has(t, "DONE\n R 451 4.5.0 | protocol error with " PEER
	    " while sending DATA command: unexpected reply \"250 ok\" "
	    "instead of 354\nPROTOCOL 451 4.5.0"));
	const char *t2[] = { GREET, EHLO_PIPE, "250 ok\r\n250 ok\r\n334 what\r\n",
	    NULL };
	CHECK(log_has(t2, "unexpected reply \"334 what\" instead of 354\n"));
}

TEST(smtpc_421_ends_the_session)
{
	const char *t[] = { GREET, EHLO_PIPE,
	    "250 ok\r\n421 4.3.2 shutting down\r\n", NULL };
	CHECK(log_is(t, "READY\nDONE\n R 421 4.3.2 remote | host " PEER
	    " said: 421 4.3.2 shutting down (in reply to RCPT TO command)\n"
	    "SERVICE 421 4.3.2 remote | host " PEER " said: 421 4.3.2 "
	    "shutting down (in reply to RCPT TO command)\n"));
}

/* A session up to the BODY event, which the test then plays itself. */
static void until_body(struct cdrv *d)
{
	struct smtp_cevent ev;
	cdrv_start(d, &msg, 1, NULL);
	d->no_quit = true;
	cdrv_turn(d, GREET);
	cdrv_turn(d, EHLO_PIPE);
	smtp_client_feed(d->c, "250 ok\r\n250 ok\r\n354 go\r\n", 24);
	while (smtp_client_next_event(d->c, &ev) && ev.type != SMTP_CEV_BODY)
		;
}

TEST(smtpc_connection_lost)
{
	struct cdrv d;
	cdrv_start(&d, &msg, 1, NULL);
	cdrv_turn(&d, "220 mx");
	smtp_client_eof(d.c);
	cdrv_pump(&d);
	CHECK(cdrv_log_is(&d, "LOST 421 4.4.2 | lost connection with " PEER
	    " while receiving the initial server greeting\n"));
	cdrv_close(&d);

	/* the glue's body loop sees the end and stops */
	until_body(&d);
	struct smtp_cevent ev;
	CHECK(smtp_client_body(d.c, "part", 4));
	smtp_client_eof(d.c);
	CHECK(smtp_client_next_event(d.c, &ev) && ev.type == SMTP_CEV_DONE &&
	    ev.rcpts[0].code == 421 && strcmp(ev.rcpts[0].text, "lost "
	    "connection with " PEER " while sending message body") == 0);
	CHECK(smtp_client_next_event(d.c, &ev) && ev.type == SMTP_CEV_CLOSED &&
	    ev.reason == SMTP_CLI_LOST);
	CHECK(!smtp_client_body(d.c, "more", 4));
	CHECK(!smtp_client_body_end(d.c));
	cdrv_close(&d);
}

TEST(smtpc_timeout_at_end_of_data)
{
	struct cdrv d;
	cdrv_start(&d, &msg, 1, "x\r\n");
	cdrv_turn(&d, GREET);
	cdrv_turn(&d, EHLO_PIPE);
	cdrv_turn(&d, "250 ok\r\n250 ok\r\n354 go\r\n");
	smtp_client_timeout(d.c);
	cdrv_pump(&d);
	CHECK(cdrv_log_is(&d, "READY\nBODY\nDONE\n R 421 4.4.2 | conversation "
	    "with " PEER " timed out while sending end of data -- message may "
	    "be sent more than once\nTIMEOUT 421 4.4.2 | conversation with "
	    PEER " timed out while sending end of data -- message may be sent "
	    "more than once\n"));
	cdrv_close(&d);
}

/* A refusal while the body is still going out answers the message, and
 * the connection cannot be used again. */
TEST(smtpc_reply_during_body)
{
	struct cdrv d;
	until_body(&d);
	smtp_client_body(d.c, "part\r\n", 6);
	cdrv_turn(&d, "552 5.3.4 too big\r\n");
	CHECK(cdrv_log_is(&d, "READY\nDONE\n R 552 5.3.4 remote | host " PEER
	    " said: 552 5.3.4 too big (in reply to end of DATA command)\n"
	    "PROTOCOL 552 5.3.4 remote | host " PEER " replied before the end "
	    "of the message: 552 5.3.4 too big\n"));
	CHECK(!smtp_client_wants_body(d.c));
	cdrv_close(&d);
}

/* The reply after the message is complete, then one nobody asked for. */
TEST(smtpc_extra_reply_after_message)
{
	const char *t[] = { GREET, EHLO_PIPE, "250 ok\r\n250 ok\r\n354 go\r\n",
	    "250 queued\r\n250 extra\r\n", NULL };
	CHECK(log_has(t, "DONE\n R 250 2.0.0 remote | host " PEER " said: "
	    "250 queued (in reply to end of DATA command)\n"
	    "READY\nPROTOCOL 451 4.5.0 | protocol error with " PEER " while "
	    "idle: server sent data ahead of our command\n"));
}

TEST(smtpc_enhanced_code_of_wrong_class_ignored)
{
	const char *t[] = { GREET, EHLO_PIPE,
	    "250 ok\r\n550 2.1.5 odd\r\n554 none\r\n", "250 ok\r\n", NULL };
	CHECK(log_has(t, " R 550 5.0.0 remote | host " PEER " said: 550 "
	    "2.1.5 odd (in reply to RCPT TO command)\n"));
}

TEST(smtpc_calls_out_of_turn_refused)
{
	struct smtp_client_params p = { .helo_name = "c" };
	struct smtp_client *c = smtp_client_new(&p);
	CHECK(!smtp_client_send(c, &msg));
	CHECK(!smtp_client_quit(c));
	CHECK(!smtp_client_body(c, "x", 1));
	CHECK(!smtp_client_body_end(c));
	CHECK(!smtp_client_wants_body(c));
	smtp_client_tls_started(c);   /* ignored: no STARTTLS pending */
	size_t n;
	smtp_client_output(c, &n);
	CHECK(n == 0);
	smtp_client_free(c);

	const struct smtp_client_msg none = { "a@x", one_rcpt, 0, 0, false, false };
	struct cdrv d;
	cdrv_start(&d, NULL, 0, NULL);
	d.no_quit = true;
	cdrv_turn(&d, GREET);
	cdrv_turn(&d, "250 x\r\n");
	CHECK(!smtp_client_send(d.c, &none));
	CHECK(smtp_client_send(d.c, &msg));
	CHECK(!smtp_client_send(d.c, &msg));
	cdrv_close(&d);
}

/* 354 and the final reply at once: the server answered a body it had
 * not yet received. */
TEST(smtpc_reply_ahead_of_body)
{
	const char *t[] = { GREET, EHLO_PIPE,
	    "250 ok\r\n250 ok\r\n354 go\r\n250 2.0.0 queued\r\n", NULL };
	CHECK(log_is(t, "READY\nDONE\n R 451 4.5.0 | protocol error with "
	    PEER " while sending DATA command: server sent data ahead of the "
	    "message body\nPROTOCOL 451 4.5.0 | protocol error with " PEER
	    " while sending DATA command: server sent data ahead of the "
	    "message body\n"));
}

/* The handshake is the glue's; a lost connection during it still ends
 * the session, and the plaintext after 220 never counts as a reply. */
TEST(smtpc_lost_during_tls_handshake)
{
	struct cdrv d;
	cdrv_start(&d, NULL, 0, NULL);
	cdrv_turn(&d, GREET);
	cdrv_turn(&d, "250-mx.test\r\n250 STARTTLS\r\n");
	struct smtp_cevent ev;
	smtp_client_feed(d.c, "220 go\r\n", 8);
	CHECK(smtp_client_next_event(d.c, &ev) && ev.type == SMTP_CEV_STARTTLS);
	smtp_client_feed(d.c, "250 fake\r\n", 10);
	CHECK(!smtp_client_next_event(d.c, &ev));
	smtp_client_eof(d.c);
	CHECK(smtp_client_next_event(d.c, &ev) && ev.type == SMTP_CEV_CLOSED &&
	    ev.reason == SMTP_CLI_LOST && strcmp(ev.result->text, "lost "
	    "connection with " PEER " while performing the TLS handshake") == 0);
	cdrv_close(&d);
}
