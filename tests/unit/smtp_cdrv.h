/* Test driver for the SMTP client engine: plays a scripted server, one
 * turn of replies at a time, and records the client's output and its
 * events as text. */
#ifndef AMB_TEST_SMTP_CDRV_H
#define AMB_TEST_SMTP_CDRV_H
#include "common/buf.h"
#include "smtp/client.h"

struct cdrv {
	struct smtp_client *c;
	struct buf out;          /* every octet the client sent */
	struct buf log;          /* one line per event and per result */
	const struct smtp_client_msg *msgs;   /* sent on READY, in turn */
	size_t nmsgs, next;
	const char *body;        /* fed on BODY */
	size_t body_chunk;       /* 0: all at once */
	size_t feed_chunk;       /* server replies in pieces; 0: whole */
	bool no_quit;            /* leave the session READY at the end */
	bool closed;
};

/* Default params: helo "client.test", peer "mx.test[192.0.2.1]". */
struct smtp_client_params cdrv_params(void);
void cdrv_open(struct cdrv *d, const struct smtp_client_params *p);
/* cdrv_open with the default params, sending msgs[n] with body. */
void cdrv_start(struct cdrv *d, const struct smtp_client_msg *msgs, size_t n,
    const char *body);
void cdrv_close(struct cdrv *d);
/* Feeds one turn of server replies, then pumps every event. */
void cdrv_turn(struct cdrv *d, const char *replies);
/* Every turn of a NULL-terminated list. */
void cdrv_script(struct cdrv *d, const char *const *turns);
void cdrv_pump(struct cdrv *d);
/* Output since the last call (forgotten afterwards). */
const char *cdrv_take(struct cdrv *d);
/* true when the log matches; prints both otherwise. */
bool cdrv_log_is(struct cdrv *d, const char *want);
bool cdrv_out_is(struct cdrv *d, const char *want);

#endif
