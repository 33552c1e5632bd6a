/* The queue store: opening, creating, committing, updating and removing
 * messages. Layout and crash rules are in queue_store.h; recovery,
 * listing and loading are in queue_store_scan.c. */
#include "smtp/queue_store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"

static const char *const subdirs[] = { "incoming", "msg", "env", "corrupt" };

bool qs_sync_dir(struct queue_store *qs, int dirfd, const char *name,
    struct buf *err)
{
	if (fsync(dirfd) == 0)
		return true;
	buf_printf(err, "%s/%s: sync failed: %s", qs->dir, name, strerror(errno));
	return false;
}

bool qs_exists(int dirfd, const char *name, bool *failed)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	if (errno != ENOENT && failed != NULL)
		*failed = true;
	return false;
}

static int open_subdir(const char *dir, const char *name, struct buf *err)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", dir, name);
	int fd = -1;
	if (file_mkdir(path.data, 0700, err)) {
		fd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			buf_printf(err, "%s: %s", path.data, strerror(errno));
	}
	buf_free(&path);
	return fd;
}

struct queue_store *queue_store_open(const char *dir, struct queue_ids *ids,
    struct buf *err)
{
	if (ids != NULL)
		*ids = (struct queue_ids){ NULL, 0 };
	if (!file_mkdir(dir, 0700, err))
		return NULL;
	struct queue_store *qs = xcalloc(1, sizeof *qs);
	qs->dir = xstrdup(dir);
	int *fds[] = { &qs->incoming, &qs->msg, &qs->env, &qs->corrupt };
	for (size_t i = 0; i < 4; i++)
		*fds[i] = -1;
	for (size_t i = 0; i < 4; i++) {
		*fds[i] = open_subdir(dir, subdirs[i], err);
		if (*fds[i] < 0) {
			queue_store_close(qs);
			return NULL;
		}
	}
	if (!qs_recover(qs, ids, err)) {
		queue_store_close(qs);
		return NULL;
	}
	return qs;
}

void queue_store_close(struct queue_store *qs)
{
	if (qs == NULL)
		return;
	int fds[] = { qs->incoming, qs->msg, qs->env, qs->corrupt };
	for (size_t i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(qs->dir);
	free(qs);
}

static bool check_id(const char *id, struct buf *err)
{
	if (queue_id_valid(id))
		return true;
	buf_printf(err, "invalid queue id");
	return false;
}

bool queue_store_create(struct queue_store *qs, char id[QUEUE_ID_SIZE],
    int *fd, struct buf *err)
{
	/* A clash needs the same second and 40 equal random bits; retry a
	 * few times anyway rather than fail a session. */
	for (int tries = 0; tries < 8; tries++) {
		queue_id_new((uint64_t)time(NULL), id);
		*fd = openat(qs->incoming, id,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (*fd >= 0)
			return true;
		if (errno != EEXIST)
			break;
	}
	buf_printf(err, "%s/incoming: cannot create message: %s", qs->dir,
	    strerror(errno));
	return false;
}

void queue_store_abort(struct queue_store *qs, const char *id)
{
	if (queue_id_valid(id))
		(void)unlinkat(qs->incoming, id, 0);
}

static bool write_full(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* env/<id>.tmp, fsync, rename to env/<id>, fsync env/. On failure the
 * temporary file is gone and env/<id> is as before, unless only the final
 * directory sync failed (*renamed then tells the caller). */
static bool write_env(struct queue_store *qs, const struct envelope *e,
    bool *renamed, struct buf *err)
{
	struct buf data = BUF_INIT, tmp = BUF_INIT;
	*renamed = false;
	if (!envelope_encode(e, &data, err)) {
		buf_free(&data);
		return false;
	}
	buf_printf(&tmp, "%s.tmp", e->id);
	int fd = openat(qs->env, tmp.data,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	bool ok = fd >= 0 &&
	    write_full(fd, (const unsigned char *)data.data, data.len) &&
	    fsync(fd) == 0;
	int saved = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && renameat(qs->env, tmp.data, qs->env, e->id) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		buf_printf(err, "%s/env/%s: cannot write envelope: %s", qs->dir,
		    e->id, strerror(saved));
		(void)unlinkat(qs->env, tmp.data, 0);
	} else {
		*renamed = true;
		ok = qs_sync_dir(qs, qs->env, "env", err);
	}
	buf_free(&tmp);
	buf_free(&data);
	return ok;
}

/* fsync incoming/<id> and note its size. */
static bool sync_incoming(struct queue_store *qs, const char *id,
    uint64_t *size, struct buf *err)
{
	int fd = openat(qs->incoming, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	const char *why = NULL;
	if (fd < 0 || fstat(fd, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (fsync(fd) != 0)
		why = strerror(errno);
	else
		*size = (uint64_t)st.st_size;
	if (why != NULL)
		buf_printf(err, "%s/incoming/%s: cannot sync message: %s", qs->dir,
		    id, why);
	if (fd >= 0)
		close(fd);
	return why == NULL;
}

/* Moves incoming/<id> to msg/<id> without ever replacing a message. */
static bool move_to_msg(struct queue_store *qs, const char *id, struct buf *err)
{
	int r = renameat2(qs->incoming, id, qs->msg, id, RENAME_NOREPLACE);
	if (r != 0 && errno == EINVAL) {
		/* File system without RENAME_NOREPLACE; the queue process is
		 * the only writer, so check-then-rename is safe. */
		if (qs_exists(qs->msg, id, NULL))
			errno = EEXIST;
		else
			r = renameat(qs->incoming, id, qs->msg, id);
	}
	if (r != 0) {
		buf_printf(err, "%s/msg/%s: cannot move message: %s", qs->dir, id,
		    strerror(errno));
		return false;
	}
	return true;
}

bool queue_store_commit(struct queue_store *qs, const struct envelope *e,
    struct buf *err)
{
	if (!check_id(e->id, err) || !envelope_check(e, err))
		return false;
	uint64_t size = 0;
	if (qs_exists(qs->env, e->id, NULL)) {
		buf_printf(err, "queue id %s is already committed", e->id);
		return false;
	}
	if (!sync_incoming(qs, e->id, &size, err)) {
		queue_store_abort(qs, e->id);
		return false;
	}
	if (!move_to_msg(qs, e->id, err)) {
		queue_store_abort(qs, e->id);
		return false;
	}
	struct envelope copy;
	envelope_copy(&copy, e);
	copy.size = size;
	bool renamed = false;
	bool ok = qs_sync_dir(qs, qs->msg, "msg", err) &&
	    qs_sync_dir(qs, qs->incoming, "incoming", err) &&
	    write_env(qs, &copy, &renamed, err);
	envelope_free(&copy);
	if (!ok) {
		/* Undo in the order of removal: envelope, then message. */
		if (renamed)
			(void)unlinkat(qs->env, e->id, 0);
		(void)unlinkat(qs->msg, e->id, 0);
		(void)fsync(qs->env);
		(void)fsync(qs->msg);
	}
	return ok;
}

bool queue_store_update(struct queue_store *qs, const struct envelope *e,
    struct buf *err)
{
	if (!check_id(e->id, err))
		return false;
	bool failed = false;
	if (!qs_exists(qs->env, e->id, &failed) || !qs_exists(qs->msg, e->id, &failed)) {
		buf_printf(err, "queue id %s: %s", e->id,
		    failed ? "cannot check the queue" : "not in the queue");
		return false;
	}
	bool renamed;
	return write_env(qs, e, &renamed, err);
}

int queue_store_open_msg(struct queue_store *qs, const char *id, struct buf *err)
{
	if (!check_id(id, err))
		return -1;
	int fd = openat(qs->msg, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		buf_printf(err, "%s/msg/%s: %s", qs->dir, id, strerror(errno));
	return fd;
}

bool queue_store_remove(struct queue_store *qs, const char *id, struct buf *err)
{
	if (!check_id(id, err))
		return false;
	if (unlinkat(qs->env, id, 0) != 0) {
		buf_printf(err, "%s/env/%s: cannot remove: %s", qs->dir, id,
		    strerror(errno));
		return false;
	}
	/* Once the envelope is gone for good the message is an orphan that
	 * recovery would delete too; removing it now just saves the space. */
	if (!qs_sync_dir(qs, qs->env, "env", err))
		return false;
	if (unlinkat(qs->msg, id, 0) != 0 && errno != ENOENT) {
		buf_printf(err, "%s/msg/%s: cannot remove: %s", qs->dir, id,
		    strerror(errno));
		return false;
	}
	return qs_sync_dir(qs, qs->msg, "msg", err);
}
