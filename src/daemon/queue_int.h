/* Inside the queue process: what queue_inject.c shares with queue.c. */
#ifndef AMB_QUEUE_INT_H
#define AMB_QUEUE_INT_H
#include <stddef.h>
#include <stdint.h>

#include "common/ipc.h"
#include "daemon/proc.h"
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

#endif
