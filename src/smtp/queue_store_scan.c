/* The queue store's directory scans: startup recovery, listing, and
 * loading envelopes (moving corrupt ones aside). */
#include "smtp/queue_store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"

void queue_ids_free(struct queue_ids *l)
{
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}

static void ids_add(struct queue_ids *l, const char *id)
{
	l->ids = xreallocarray(l->ids, l->n + 1, sizeof *l->ids);
	memcpy(l->ids[l->n++], id, QUEUE_ID_SIZE);
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, QUEUE_ID_SIZE);
}

/* Calls fn for every entry of dirfd but . and ..; false if the directory
 * cannot be read. */
typedef void entry_fn(struct queue_store *qs, const char *name, void *arg);

static bool each_entry(struct queue_store *qs, int dirfd, const char *what,
    entry_fn *fn, void *arg, struct buf *err)
{
	/* A fresh descriptor, so the stored one keeps no read position. */
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		buf_printf(err, "%s/%s: cannot read: %s", qs->dir, what,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			fn(qs, de->d_name, arg);
		errno = 0;
	}
	bool ok = errno == 0;
	if (!ok)
		buf_printf(err, "%s/%s: cannot read: %s", qs->dir, what,
		    strerror(errno));
	closedir(d);
	return ok;
}

static void foreign(struct queue_store *qs, const char *sub, const char *name)
{
	log_warn("queue: ignoring unexpected file %s/%s/%s", qs->dir, sub, name);
}

/* incoming/<id>: never acknowledged, so never needed again. */
static void clean_incoming(struct queue_store *qs, const char *name, void *arg)
{
	(void)arg;
	if (!queue_id_valid(name))
		foreign(qs, "incoming", name);
	else if (unlinkat(qs->incoming, name, 0) == 0)
		log_info("queue: %s: dropped unfinished incoming message", name);
}

/* env/<id>.tmp: an update or commit cut short; env/<id> holds the truth. */
static void clean_env_tmp(struct queue_store *qs, const char *name, void *arg)
{
	(void)arg;
	size_t n = strlen(name);
	if (n == QUEUE_ID_LEN + 4 && strcmp(name + QUEUE_ID_LEN, ".tmp") == 0) {
		char id[QUEUE_ID_SIZE];
		memcpy(id, name, QUEUE_ID_LEN);
		id[QUEUE_ID_LEN] = '\0';
		if (queue_id_valid(id)) {
			(void)unlinkat(qs->env, name, 0);
			return;
		}
	}
	if (!queue_id_valid(name))
		foreign(qs, "env", name);
}

/* msg/<id> without env/<id>: a commit or removal cut short. */
static void clean_orphan_msg(struct queue_store *qs, const char *name, void *arg)
{
	bool *failed = arg;
	if (!queue_id_valid(name)) {
		foreign(qs, "msg", name);
		return;
	}
	if (!qs_exists(qs->env, name, failed) && !*failed &&
	    unlinkat(qs->msg, name, 0) == 0)
		log_info("queue: %s: dropped uncommitted message", name);
}

static void collect_id(struct queue_store *qs, const char *name, void *arg)
{
	(void)qs;
	if (queue_id_valid(name))
		ids_add(arg, name);
}

bool queue_store_list(struct queue_store *qs, struct queue_ids *ids,
    struct buf *err)
{
	*ids = (struct queue_ids){ NULL, 0 };
	if (!each_entry(qs, qs->env, "env", collect_id, ids, err)) {
		queue_ids_free(ids);
		return false;
	}
	if (ids->n > 1)
		qsort(ids->ids, ids->n, sizeof *ids->ids, id_cmp);
	return true;
}

/* Keeps only the ids whose envelopes load; the others are moved aside. */
static void keep_loadable(struct queue_store *qs, struct queue_ids *ids)
{
	size_t kept = 0;
	for (size_t i = 0; i < ids->n; i++) {
		struct envelope e;
		struct buf err = BUF_INIT;
		if (queue_store_load(qs, ids->ids[i], &e, &err))
			memmove(ids->ids[kept++], ids->ids[i], QUEUE_ID_SIZE);
		else
			log_err("queue: %s", buf_cstr(&err));
		envelope_free(&e);
		buf_free(&err);
	}
	ids->n = kept;
}

bool qs_recover(struct queue_store *qs, struct queue_ids *ids, struct buf *err)
{
	bool failed = false;
	struct queue_ids found;
	if (!each_entry(qs, qs->incoming, "incoming", clean_incoming, NULL, err) ||
	    !each_entry(qs, qs->env, "env", clean_env_tmp, NULL, err) ||
	    !each_entry(qs, qs->msg, "msg", clean_orphan_msg, &failed, err))
		return false;
	if (failed) {
		buf_printf(err, "%s/env: cannot check envelopes: %s", qs->dir,
		    strerror(errno));
		return false;
	}
	if (!queue_store_list(qs, &found, err))
		return false;
	keep_loadable(qs, &found);
	if (ids != NULL)
		*ids = found;
	else
		queue_ids_free(&found);
	return qs_sync_dir(qs, qs->incoming, "incoming", err) &&
	    qs_sync_dir(qs, qs->env, "env", err) &&
	    qs_sync_dir(qs, qs->msg, "msg", err);
}

static void move_one(struct queue_store *qs, int dirfd, const char *id,
    const char *suffix)
{
	struct buf to = BUF_INIT;
	buf_printf(&to, "%s.%s", id, suffix);
	if (renameat(dirfd, id, qs->corrupt, to.data) != 0 && errno != ENOENT)
		log_err("queue: %s: cannot move %s to corrupt/: %s", id, suffix,
		    strerror(errno));
	buf_free(&to);
}

void qs_move_aside(struct queue_store *qs, const char *id, const char *why)
{
	log_err("queue: %s: %s; moving it to %s/corrupt/", id, why, qs->dir);
	move_one(qs, qs->env, id, "env");
	move_one(qs, qs->msg, id, "msg");
	(void)fsync(qs->corrupt);
	(void)fsync(qs->env);
	(void)fsync(qs->msg);
}

/* Reads env/<id>; ENVELOPE_MAX_FILE bounds it. */
static bool read_env(struct queue_store *qs, const char *id, struct buf *out,
    struct buf *err)
{
	int fd = openat(qs->env, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		buf_printf(err, "%s/env/%s: %s", qs->dir, id, strerror(errno));
		return false;
	}
	char chunk[8192];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len + (size_t)n > ENVELOPE_MAX_FILE + 1)
			break;
		buf_add(out, chunk, (size_t)n);
	}
	int saved = errno;
	close(fd);
	if (n != 0) {
		/* Too large is left to the decoder, which reports it. */
		if (n > 0)
			return true;
		buf_printf(err, "%s/env/%s: %s", qs->dir, id, strerror(saved));
		return false;
	}
	return true;
}

bool queue_store_load(struct queue_store *qs, const char *id,
    struct envelope *e, struct buf *err)
{
	envelope_init(e);
	if (!queue_id_valid(id)) {
		buf_printf(err, "invalid queue id");
		return false;
	}
	struct buf data = BUF_INIT, why = BUF_INIT;
	bool ok = read_env(qs, id, &data, err);
	if (ok) {
		envelope_free(e);
		ok = envelope_decode((const unsigned char *)data.data, data.len, e, &why);
		if (ok && strcmp(e->id, id) != 0) {
			buf_printf(&why, "envelope names another id %s", e->id);
			ok = false;
		}
		bool failed = false;
		if (ok && !qs_exists(qs->msg, id, &failed) && !failed) {
			buf_printf(&why, "message file missing");
			ok = false;
		}
		if (!ok && why.len > 0) {
			qs_move_aside(qs, id, buf_cstr(&why));
			buf_printf(err, "%s: %s (moved to corrupt/)", id, buf_cstr(&why));
		} else if (!ok) {
			buf_printf(err, "%s/msg/%s: cannot check: %s", qs->dir, id,
			    strerror(errno));
		}
	}
	buf_free(&data);
	buf_free(&why);
	return ok;
}
