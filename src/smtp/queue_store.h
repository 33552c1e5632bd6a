/* The queue's durable on-disk store. A library only: the queue process
 * owns the directory and calls these; nothing here knows about IPC.
 *
 * Layout under DIR (= <state_dir>/queue), every directory 0700, files 0600:
 *   msg/<id>         the message bytes: written by smtp through the
 *                    descriptor queue_store_create hands out, then
 *                    committed, or never acknowledged.
 *   env/<id>         its envelope (envelope.h). A message is committed
 *                    exactly when env/<id> exists and msg/<id> is durable.
 *   env/<id>.tmp     an envelope being written; deleted at startup.
 *   incoming/        where older versions received messages; emptied at
 *                    startup.
 *   corrupt/         envelopes that fail their checksum or checks, and
 *                    their messages, moved aside (<id>.env, <id>.msg) with
 *                    a log line, for a human to look at.
 *
 * Commit: fsync msg/<id>; fsync msg/ (its entry); write env/<id>.tmp,
 * fsync, rename to env/<id>, fsync env/. Only when that returned may smtp
 * answer 250. queue_store_commit_many does it for several messages with
 * one sync of each directory (group commit, as databases do).
 * Update: the same temp-fsync-rename-fsync of the envelope.
 * Remove: unlink env/<id>, then msg/<id>, without syncing: a removal lost
 * in a crash only repeats deliveries that already happened, and the
 * deliver process finds those in the Maildir and does not make them twice.
 * Startup recovery (queue_store_open): delete everything in incoming/,
 * env/<id>.tmp files, and msg/<id> without env/<id> (being received, or a
 * commit or a removal cut short); move a corrupt env/<id>, or one whose
 * msg/<id> is missing, to corrupt/.
 * So after a crash at any instant a message is either committed whole
 * (and delivered once its recipients are processed) or gone, and it was
 * acknowledged only if committed. Each recipient's state is written before
 * the next step, so a crash may repeat at most the one delivery that was
 * under way when it happened; the deliver process makes that idempotent.
 */
#ifndef AMB_QUEUE_STORE_H
#define AMB_QUEUE_STORE_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "smtp/envelope.h"
#include "smtp/queue_id.h"

struct queue_store;

/* A list of committed ids in ascending (arrival) order. */
struct queue_ids {
	char (*ids)[QUEUE_ID_SIZE];
	size_t n;
};
void queue_ids_free(struct queue_ids *l);

/* Opens DIR (created 0700 with its subdirectories if missing) and does
 * the startup recovery above. If ids is not NULL it receives the committed
 * ids. NULL with a reason in err on failure. */
struct queue_store *queue_store_open(const char *dir, struct queue_ids *ids,
    struct buf *err);
void queue_store_close(struct queue_store *qs);

/* A new message: creates msg/<id> (O_EXCL, 0600) and returns the id
 * and a write descriptor (close-on-exec; the caller owns it). */
bool queue_store_create(struct queue_store *qs, char id[QUEUE_ID_SIZE],
    int *fd, struct buf *err);
/* Makes the message durable with envelope e (whose id names it; its size
 * is taken from the file, not from e). False (e.g. ENOSPC, EIO: reply
 * 452 4.3.1) leaves nothing of the message behind. */
bool queue_store_commit(struct queue_store *qs, const struct envelope *e,
    struct buf *err);
/* Commits n messages at once; ok[i] and errs[i] say how each went. */
void queue_store_commit_many(struct queue_store *qs,
    const struct envelope *const *es, size_t n, bool *ok, struct buf *errs);
/* Drops a message not yet committed (the client went away). */
void queue_store_abort(struct queue_store *qs, const char *id);

/* Loads a committed envelope. A corrupt one is moved to corrupt/ (with
 * its message) and logged; false in every failure case. */
bool queue_store_load(struct queue_store *qs, const char *id,
    struct envelope *e, struct buf *err);
/* Durably replaces the envelope of a committed message. */
bool queue_store_update(struct queue_store *qs, const struct envelope *e,
    struct buf *err);
/* A read descriptor of a committed message's bytes, or -1 (err says why). */
int queue_store_open_msg(struct queue_store *qs, const char *id, struct buf *err);
/* Removes a message (envelope first). */
bool queue_store_remove(struct queue_store *qs, const char *id, struct buf *err);
/* The committed ids now, in ascending order. */
bool queue_store_list(struct queue_store *qs, struct queue_ids *ids,
    struct buf *err);

#endif
