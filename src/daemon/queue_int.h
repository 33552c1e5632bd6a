/* Inside the queue process: what queue_inject.c shares with queue.c. */
#ifndef AMB_QUEUE_INT_H
#define AMB_QUEUE_INT_H
#include <stddef.h>
#include <stdint.h>

#include "common/ipc.h"
#include "daemon/proc.h"
#include "smtp/bounce.h"
#include "smtp/envelope.h"
#include "smtp/queue_store.h"

/* The spool; NULL while the queue is stopping. */
struct queue_store *queue_spool(void);
/* Takes e (its strings; e is zeroed) for the next group commit; the
 * outcome goes to `from` as QUEUE_RESULT (smtp), QUEUE_INJECT_RESULT
 * (deliver) or, for the queue's own messages (PROC_QUEUE), a log line. */
void queue_pending_add(uint64_t req, enum proc_role from, struct envelope *e);

/* A message made inside mailboxd (bounce, delay notice, vacation reply,
 * redirect): sender, flags and recipients come from tmpl (resolved by
 * the caller; id, arrival and size are ignored), the bytes from src_fd
 * (read with pread from offset 0) when it is >= 0, else from msg/len.
 * It is committed like any message, with the result going to `from`.
 * False with a reason when nothing was queued. */
bool queue_inject(const struct envelope *tmpl, int src_fd, const void *msg,
    size_t len, uint64_t req, enum proc_role from, struct buf *err);
/* MSG_QUEUE_INJECT from deliver. */
void queue_on_inject(const struct ipc_msg *m);

/* Delivery status notifications (queue_notice.c). done(arg, true) once
 * the notice is committed, or dropped for good because its recipient
 * does not resolve; done(arg, false) when it should be tried again. */
typedef void queue_notice_done_fn(void *arg, bool sent);
/* Starts a notice of kind about env (for BOUNCE_FAILED the recipients
 * pick marks; NULL: those bounce.h reports) to env's sender. False, and
 * done never called, when it cannot start now (no lookup, spool
 * unreadable). */
bool queue_notice_start(const struct envelope *env, enum bounce_kind kind,
    const bool *pick, queue_notice_done_fn *done, void *arg);
/* MSG_RCPT_RESULT from lookup. */
void queue_notice_on_rcpt_result(const struct ipc_msg *m);
/* The group commit's answer to a notice's queue_inject. */
void queue_notice_committed(uint64_t req, bool ok, const char *text);
/* Lookup went away: notices waiting for it end with done(arg, false). */
void queue_notice_lookup_down(void);
/* At shutdown, without calling back. */
void queue_notice_free_all(void);

#endif
