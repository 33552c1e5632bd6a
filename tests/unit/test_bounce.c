#include "t.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "smtp/bounce.h"

static void sample(struct envelope *e)
{
	envelope_init(e);
	memcpy(e->id, "006b0470aabbccddeeff", QUEUE_ID_SIZE);
	e->arrival = 1795400000;
	envelope_set(&e->sender, "ann@sender.test");
	struct rcpt *r = envelope_add_rcpt(e, "sales@example.test",
	    "bob@example.test", "", RCPT_LOCAL);
	r->state = RCPT_FAILED;
	rcpt_set_error(r, "550 5.1.1 <bob@example.test>: user unknown");
	r = envelope_add_rcpt(e, "carol@example.test", "carol@example.test", "",
	    RCPT_LOCAL);
	r->state = RCPT_DELIVERED;
	r = envelope_add_rcpt(e, "dan@far.test", "dan@far.test", "", RCPT_REMOTE);
	r->state = RCPT_DEFERRED;
	r->next_attempt = 1795403600;
	rcpt_set_error(r, "connection refused");
}

static const char headers[] = "From: ann@sender.test\r\nSubject: plans\r\n";

TEST(bounce_failed_report)
{
	struct envelope e;
	struct buf out = BUF_INIT;
	sample(&e);
	CHECK(bounce_needed(&e, BOUNCE_FAILED));
	struct bounce_params p = { &e, BOUNCE_FAILED, "mx.example.test",
		1795400100, headers, sizeof headers - 1 };
	bounce_build(&p, &out);
	const char *s = buf_cstr(&out);
	CHECK(strstr(s, "To: <ann@sender.test>\r\n") != NULL);
	CHECK(strstr(s, "Auto-Submitted: auto-replied\r\n") != NULL);
	CHECK(strstr(s, "report-type=delivery-status") != NULL);
	CHECK(strstr(s, "Final-Recipient: rfc822; bob@example.test\r\n"
	    "Original-Recipient: rfc822; sales@example.test\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.test>: user unknown\r\n")
	    != NULL);
	/* Only the failed recipient is reported, with the original headers. */
	CHECK(strstr(s, "carol@") == NULL && strstr(s, "dan@") == NULL);
	CHECK(strstr(s, "text/rfc822-headers\r\n\r\nFrom: ann@sender.test\r\n"
	    "Subject: plans\r\n\r\n--") != NULL);
	const char *ad = strstr(s, "Arrival-Date: ");
	CHECK(ad != NULL && strstr(ad, " +0000\r\n") == strchr(ad, '\r') - 6);
	buf_free(&out);
	envelope_free(&e);
}

TEST(bounce_quotes_the_remote_reply)
{
	struct envelope e;
	struct buf out = BUF_INIT;
	sample(&e);
	rcpt_set_error(&e.rcpts[0], "host mx.example.test[192.0.2.1]:25 said: "
	    "550 5.7.1 go away (in reply to RCPT TO command)");
	struct bounce_params p = { &e, BOUNCE_FAILED, "mx.sender.test",
		1795400100, headers, sizeof headers - 1 };
	bounce_build(&p, &out);
	CHECK(strstr(out.data, "Status: 5.7.1\r\nRemote-MTA: dns; mx.example.test"
	    "\r\nDiagnostic-Code: smtp; 550 5.7.1 go away\r\n") != NULL);
	/* Not a reply at all: no Diagnostic-Code, a generic status. */
	buf_reset(&out);
	rcpt_set_error(&e.rcpts[0], "host said: nothing");
	bounce_build(&p, &out);
	CHECK(strstr(out.data, "Diagnostic-Code") == NULL);
	CHECK(strstr(out.data, "Status: 5.0.0\r\n") != NULL);
	buf_free(&out);
	envelope_free(&e);
}

TEST(bounce_delay_notice_and_when_not_to_send)
{
	struct envelope e;
	struct buf out = BUF_INIT;
	sample(&e);
	struct bounce_params p = { &e, BOUNCE_DELAYED, "mx.example.test",
		1795400100, headers, sizeof headers - 1 };
	CHECK(bounce_needed(&e, BOUNCE_DELAYED));
	bounce_build(&p, &out);
	CHECK(strstr(out.data, "Action: delayed\r\nStatus: 4.0.0\r\n"
	    "Will-Retry-Until: ") != NULL);
	CHECK(strstr(out.data, "Subject: Delayed Mail") != NULL);
	e.flags |= ENV_F_DELAY_SENT;
	CHECK(!bounce_needed(&e, BOUNCE_DELAYED));
	envelope_set(&e.sender, "");
	CHECK(!bounce_needed(&e, BOUNCE_FAILED));
	buf_free(&out);
	envelope_free(&e);
}

TEST(bounce_quotes_at_most_the_limit_and_reads_headers)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/msg", t_tmpdir());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	/* The empty line straddles two reads of 4096 bytes. */
	char big[8192];
	memset(big, 'a', sizeof big);
	memcpy(big, "X-A: ", 5);
	memcpy(big + 4093, "\r\n\r\nbody", 8);
	CHECK(write(fd, big, sizeof big) == (ssize_t)sizeof big);
	lseek(fd, 0, SEEK_SET);
	struct buf h = BUF_INIT;
	CHECK(bounce_read_headers(fd, &h));
	CHECK(h.len == 4095);
	CHECK(memcmp(h.data + h.len - 2, "\r\n", 2) == 0);
	/* No empty line at all: cut at the limit. */
	lseek(fd, 0, SEEK_SET);
	CHECK(ftruncate(fd, 0) == 0);
	memset(big, 'b', sizeof big);
	for (int i = 0; i < 20; i++)
		CHECK(write(fd, big, 5000) == 5000);
	lseek(fd, 0, SEEK_SET);
	buf_reset(&h);
	CHECK(bounce_read_headers(fd, &h));
	CHECK(h.len == BOUNCE_HEADERS_MAX);
	close(fd);
	buf_free(&h);
}
