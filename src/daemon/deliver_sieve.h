/* Inside the deliver process: the user's Sieve script between a queued
 * message and the store. A worker thread runs the script and stores the
 * copies it asks for (deliver_sieve.c); the messages it makes (vacation
 * replies, redirects) then go out from the event loop's thread through
 * lookup's RCPT_CHECK and the queue's QUEUE_INJECT (deliver_out.c). */
#ifndef AMB_DELIVER_SIEVE_H
#define AMB_DELIVER_SIEVE_H
#include <stdbool.h>
#include <stdint.h>

#include "common/ipc.h"
#include "daemon/proc.h"
#include "store/msgstore.h"

/* What the worker needs; owned by the caller's job. */
struct dsieve_in {
	const struct msgstore_delivery *md;  /* folder and info are set per copy */
	const char *default_folder;   /* implicit keep: "" INBOX, the +folder,
	                               * or Junk for spam */
	bool spam;                    /* the verdict: Junk is the default folder
	                               * (made if missing), and no vacation
	                               * reply goes (backscatter) */
	const char *env_from;         /* envelope sender, "" for <> */
	const char *env_to;           /* the recipient as addressed */
};

/* Messages to send once the copies are stored, and log lines. */
struct dsieve_out;

/* On a worker: runs the active script of md->address (compiled once per
 * change of the file) and stores what it keeps. Without a script, or
 * when it fails at run time, the message goes to the default folder
 * (RFC 5228 2.10.6). *out (may be NULL) holds what the loop thread must
 * still do; pass it to dsieve_send. */
enum msgstore_result dsieve_deliver(const struct dsieve_in *in,
    struct dsieve_out **out, struct buf *reason);

/* On the loop thread: logs, then sends the replies and redirects; done
 * runs once every one has been answered (at once when there are none),
 * ok false when a redirect was not queued (the delivery is then retried).
 * Takes out. */
typedef void dsieve_done_fn(void *arg, bool ok);
void dsieve_send(struct dsieve_out *out, dsieve_done_fn *done, void *arg);
/* RCPT_RESULT from lookup, QUEUE_INJECT_RESULT from queue: true if it
 * was one of ours. */
bool dsieve_message(enum proc_role from, const struct ipc_msg *m);
/* A peer went away: what waits on it fails. */
void dsieve_peer_down(enum proc_role peer);
/* Ends every send under way (done is called, ok false) and frees the
 * script cache. */
void dsieve_shutdown(void);

/* deliver_sieve.c -> deliver_out.c */
void dsieve_cache_free(void);
enum dsieve_kind { DSIEVE_VACATION, DSIEVE_REDIRECT };
void dsieve_out_add(struct dsieve_out **out, enum dsieve_kind kind,
    const char *rcpt, const char *sender, int fd);
void dsieve_out_log(struct dsieve_out **out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
