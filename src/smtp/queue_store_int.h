/* Internals shared by the queue store's source files. */
#ifndef AMB_QUEUE_STORE_INT_H
#define AMB_QUEUE_STORE_INT_H
#include <stdbool.h>

#include "common/buf.h"
#include "smtp/queue_store.h"

struct queue_store {
	char *dir;
	/* Directory descriptors; every file operation is relative to one. */
	int incoming, msg, env, corrupt;
};

/* fsync of a directory descriptor; name is for the message. */
bool qs_sync_dir(struct queue_store *qs, int dirfd, const char *name,
    struct buf *err);
/* Startup recovery; fills ids (may be NULL) with the committed ids. */
bool qs_recover(struct queue_store *qs, struct queue_ids *ids, struct buf *err);
/* Moves env/<id> and msg/<id> to corrupt/ and logs why. */
void qs_move_aside(struct queue_store *qs, const char *id, const char *why);
/* Whether name exists in dirfd (false also on errors other than ENOENT,
 * with *failed set). */
bool qs_exists(int dirfd, const char *name, bool *failed);

#endif
