/* Test driver for the SMTP server engine: feeds input in chunks, answers
 * verdicts with a fixed policy and records replies, events and body. */
#ifndef AMB_TEST_SMTP_SESS_H
#define AMB_TEST_SMTP_SESS_H
#include "common/buf.h"
#include "smtp/server.h"

struct sess {
	struct smtp_server *s;
	struct buf out;     /* every reply octet */
	struct buf log;     /* one line per event (BODY merged into body) */
	struct buf body;    /* BODY data of all messages */
	bool hold;          /* leave verdicts pending */
	bool closed;        /* CLOSE event seen */
};

/* Policy: MAIL from <bad@...> 550; RCPT to domain bad.test 550 5.1.1;
 * DATA_END 250 "2.0.0 queued"; AUTH password "secret" 235, else 535. */
void sess_open(struct sess *t, const struct smtp_server_params *p);
void sess_close(struct sess *t);
/* Feeds len octets in pieces of chunk (0: all at once), pumping events. */
void sess_feed(struct sess *t, const char *in, size_t len, size_t chunk);
void sess_send(struct sess *t, const char *in);   /* strlen, all at once */
void sess_pump(struct sess *t);
/* Answers the pending verdict with the default policy. */
void sess_answer(struct sess *t);
/* Returns the output since the last call and forgets it. */
const char *sess_take(struct sess *t);
/* Default parameters: hostname mx.test, TLS available. */
struct smtp_server_params sess_params(void);

#define EHLO_REPLY "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n" \
	"250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n" \
	"250-CHUNKING\r\n250 STARTTLS\r\n"

#endif
