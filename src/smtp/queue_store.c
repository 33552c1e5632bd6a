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
		/* Read-write: smtp lends lookup a read descriptor for the
		 * end-of-DATA checks. */
		*fd = openat(qs->msg, id,
		    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (*fd >= 0)
			return true;
		if (errno != EEXIST)
			break;
	}
	buf_printf(err, "%s/msg: cannot create message: %s", qs->dir,
	    strerror(errno));
	return false;
}

void queue_store_abort(struct queue_store *qs, const char *id)
{
	/* Never a committed one: its envelope is what makes it committed. */
	if (queue_id_valid(id) && !qs_exists(qs->env, id, NULL))
		(void)unlinkat(qs->msg, id, 0);
}

/* env/<id>.tmp, fsync, rename to env/<id> (the caller syncs env/). On
 * failure the temporary file is gone and env/<id> is as before. */
static bool write_env(struct queue_store *qs, const struct envelope *e,
    struct buf *err)
{
	struct buf data = BUF_INIT, tmp = BUF_INIT;
	if (!envelope_encode(e, &data, err)) {
		buf_free(&data);
		return false;
	}
	buf_printf(&tmp, "%s.tmp", e->id);
	int fd = openat(qs->env, tmp.data,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	bool ok = fd >= 0 &&
	    file_write_full(fd, data.data, data.len) &&
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
	}
	buf_free(&tmp);
	buf_free(&data);
	return ok;
}

/* fsync msg/<id> and note its size. */
static bool sync_msg(struct queue_store *qs, const char *id, uint64_t *size,
    struct buf *err)
{
	int fd = openat(qs->msg, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
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
		buf_printf(err, "%s/msg/%s: cannot sync message: %s", qs->dir,
		    id, why);
	if (fd >= 0)
		close(fd);
	return why == NULL;
}

/* First half of a commit: the message's bytes are on disk. */
static bool commit_msg(struct queue_store *qs, const struct envelope *e,
    uint64_t *size, struct buf *err)
{
	if (!check_id(e->id, err) || !envelope_check(e, err))
		return false;
	if (qs_exists(qs->env, e->id, NULL)) {
		buf_printf(err, "queue id %s is already committed", e->id);
		return false;
	}
	if (!sync_msg(qs, e->id, size, err)) {
		queue_store_abort(qs, e->id);
		return false;
	}
	return true;
}

/* A sync of dir failed: every message still in the batch fails too. */
static void fail_rest(struct queue_store *qs, const struct envelope *const *es,
    size_t n, bool *ok, struct buf *errs, bool env_written, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		ok[i] = false;
		buf_printf(&errs[i], "%s/%s: cannot sync directory: %s", qs->dir,
		    what, strerror(errno));
		if (env_written)
			(void)unlinkat(qs->env, es[i]->id, 0);
		(void)unlinkat(qs->msg, es[i]->id, 0);
	}
}

void queue_store_commit_many(struct queue_store *qs,
    const struct envelope *const *es, size_t n, bool *ok, struct buf *errs)
{
	uint64_t *sizes = xcalloc(n ? n : 1, sizeof *sizes);
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any |= ok[i] = commit_msg(qs, es[i], &sizes[i], &errs[i]);
	if (any && fsync(qs->msg) != 0)
		fail_rest(qs, es, n, ok, errs, false, "msg");
	any = false;
	for (size_t i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		struct envelope copy;
		envelope_copy(&copy, es[i]);
		copy.size = sizes[i];
		ok[i] = write_env(qs, &copy, &errs[i]);
		envelope_free(&copy);
		if (!ok[i])
			(void)unlinkat(qs->msg, es[i]->id, 0);
		any |= ok[i];
	}
	if (any && fsync(qs->env) != 0)
		fail_rest(qs, es, n, ok, errs, true, "env");
	free(sizes);
}

bool queue_store_commit(struct queue_store *qs, const struct envelope *e,
    struct buf *err)
{
	bool ok;
	queue_store_commit_many(qs, &e, 1, &ok, err);
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
	return write_env(qs, e, err) && qs_sync_dir(qs, qs->env, "env", err);
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
	/* Nothing is synced: a removal lost in a crash brings the envelope
	 * back, and the deliveries it repeats find their Maildir files
	 * already there (msgstore.h), so they are not made twice. */
	if (unlinkat(qs->env, id, 0) != 0) {
		buf_printf(err, "%s/env/%s: cannot remove: %s", qs->dir, id,
		    strerror(errno));
		return false;
	}
	if (unlinkat(qs->msg, id, 0) != 0 && errno != ENOENT) {
		buf_printf(err, "%s/msg/%s: cannot remove: %s", qs->dir, id,
		    strerror(errno));
		return false;
	}
	return true;
}
