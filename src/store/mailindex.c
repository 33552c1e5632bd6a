/* Opening, creating and rebuilding the mail index. */
#include "store/mailindex_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "store/maildir.h"

#define BUSY_TIMEOUT_MS 10000

static void index_path(const char *maildir, struct buf *out)
{
	const char *slash = strrchr(maildir, '/');
	if (slash == NULL)
		buf_addstr(out, MAILINDEX_FILE);
	else
		buf_printf(out, "%.*s/%s", (int)(slash - maildir), maildir,
		    MAILINDEX_FILE);
}

void mailindex_close(struct mailindex *ix)
{
	if (ix == NULL)
		return;
	for (int i = 0; i < MI_STMT_CACHE; i++)
		sqlite3_finalize(ix->stmts[i].st);
	sodium_free(ix->cache_key);     /* wipes it */
	sqlite3_close_v2(ix->db);
	free(ix->maildir);
	free(ix->path);
	free(ix);
}

static enum mailindex_rc setup(struct mailindex *ix, struct buf *err)
{
	sqlite3_extended_result_codes(ix->db, 1);
	sqlite3_busy_timeout(ix->db, BUSY_TIMEOUT_MS);
	/* WAL lets sessions read while deliver writes; NORMAL sync is enough
	 * for an index that a crash can at worst send back to the Maildir. */
	if (sqlite3_exec(ix->db, "PRAGMA foreign_keys = ON;"
	    "PRAGMA synchronous = NORMAL;", NULL, NULL, NULL) != SQLITE_OK)
		return mi_fail(ix, err);
	return MAILINDEX_OK;
}

static enum mailindex_rc wal_mode(struct mailindex *ix, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int r = sqlite3_prepare_v2(ix->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL);
	if (r == SQLITE_OK)
		r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? MAILINDEX_OK : mi_fail(ix, err);
}

/* A fresh file: schema and everything the Maildir holds, in one
 * transaction, so no process sees a half-built index. Another process
 * may have won the race to it, hence the check under the lock. */
static enum mailindex_rc populate(struct mailindex *ix, struct buf *err)
{
	enum mailindex_rc rc = mi_begin(ix, err);
	if (rc != MAILINDEX_OK)
		return rc;
	bool empty = false;
	rc = mi_schema_check(ix, &empty, err);
	if (rc == MAILINDEX_OK && empty &&
	    (rc = mi_schema_create(ix, err)) == MAILINDEX_OK &&
	    (rc = mi_sync_mailboxes_locked(ix, err)) == MAILINDEX_OK)
		rc = mi_subscriptions_load(ix, err);
	return mi_end(ix, rc, err);
}

static enum mailindex_rc quick_check(struct mailindex *ix, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(ix->db, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return mi_fail(ix, err);
	enum mailindex_rc rc = MAILINDEX_OK;
	int r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		rc = mi_fail(ix, err);
	} else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		buf_printf(err, "mail index %s is damaged: %s", ix->path,
		    sqlite3_column_text(st, 0));
		rc = MAILINDEX_CORRUPT;
	}
	sqlite3_finalize(st);
	return rc;
}

static enum mailindex_rc try_open(struct mailindex *ix, unsigned flags,
    struct buf *err)
{
	/* Made here so it is private (SQLite would follow the umask); its
	 * -wal and -shm files take the same mode. */
	int fd = open(ix->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		buf_printf(err, "mail index %s: %s", ix->path, strerror(errno));
		return MAILINDEX_FAIL;
	}
	close(fd);
	if (sqlite3_open_v2(ix->path, &ix->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		return mi_fail(ix, err);
	enum mailindex_rc rc = setup(ix, err);
	if (rc == MAILINDEX_OK)
		rc = wal_mode(ix, err);
	bool empty = false;
	if (rc == MAILINDEX_OK)
		rc = mi_schema_check(ix, &empty, err);
	if (rc == MAILINDEX_OK && empty)
		rc = populate(ix, err);
	else if (rc == MAILINDEX_OK)
		rc = mi_sync_mailboxes_if_changed(ix, err);
	/* The check reads the whole file, caches included (O(size)): only
	 * when a session found the index damaged (mailindex_mark_damaged). */
	struct buf mark = BUF_INIT;
	buf_printf(&mark, "%s.damaged", ix->path);
	if (rc == MAILINDEX_OK && (flags & MAILINDEX_OPEN_CHECK) &&
	    file_exists(mark.data)) {
		rc = quick_check(ix, err);
		sqlite3_db_release_memory(ix->db);     /* the pages it read */
		if (rc == MAILINDEX_OK)
			unlink(mark.data);
	}
	buf_free(&mark);
	int64_t dv = 0;
	if (rc == MAILINDEX_OK && mi_query_int(ix, "PRAGMA data_version", 0, 0,
	    0, &dv, err) < 0)
		rc = mi_fail(ix, NULL);
	ix->data_version = dv;
	return rc;
}

void mailindex_mark_damaged(struct mailindex *ix)
{
	struct buf mark = BUF_INIT, err = BUF_INIT;
	buf_printf(&mark, "%s.damaged", ix->path);
	(void)file_write_atomic(mark.data, "", 0, 0600, &err);
	buf_free(&mark);
	buf_free(&err);
}

static void move_aside(const char *path)
{
	char stamp[32];
	snprintf(stamp, sizeof stamp, ".broken-%lld", (long long)time(NULL));
	static const char *const sfx[] = { "", "-wal" };
	for (int i = 0; i < 2; i++) {
		struct buf from = BUF_INIT, to = BUF_INIT;
		buf_printf(&from, "%s%s", path, sfx[i]);
		buf_printf(&to, "%s%s%s", path, stamp, sfx[i]);
		rename(from.data, to.data);
		buf_free(&from);
		buf_free(&to);
	}
	static const char *const gone[] = { "-shm", ".damaged" };
	for (int i = 0; i < 2; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s%s", path, gone[i]);
		unlink(p.data);
		buf_free(&p);
	}
}

static struct mailindex *ix_new(const char *maildir)
{
	struct mailindex *ix = xcalloc(1, sizeof *ix);
	struct buf p = BUF_INIT;
	index_path(maildir, &p);
	ix->path = buf_detach(&p);
	ix->maildir = xstrdup(maildir);
	return ix;
}

struct mailindex *mailindex_open(const char *maildir, unsigned flags,
    struct buf *err)
{
	/* sodium_malloc (the cache key) needs it; it is idempotent. */
	if (sodium_init() < 0) {
		buf_addstr(err, "libsodium cannot start");
		return NULL;
	}
	if (!maildir_create(maildir, err))
		return NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct mailindex *ix = ix_new(maildir);
		size_t mark = err->len;
		enum mailindex_rc rc = try_open(ix, flags, err);
		if (rc == MAILINDEX_OK)
			return ix;
		mailindex_close(ix);
		if (rc != MAILINDEX_CORRUPT || attempt > 0)
			break;
		/* Damaged or foreign: keep it for inspection, start over. */
		struct buf p = BUF_INIT;
		index_path(maildir, &p);
		move_aside(p.data);
		buf_free(&p);
		err->len = mark;
		if (err->data != NULL)
			err->data[mark] = '\0';
	}
	return NULL;
}

enum mailindex_rc mailindex_rebuild(const char *maildir, struct buf *err)
{
	struct buf p = BUF_INIT;
	index_path(maildir, &p);
	move_aside(p.data);
	buf_free(&p);
	struct mailindex *ix = mailindex_open(maildir, 0, err);
	mailindex_close(ix);
	return ix != NULL ? MAILINDEX_OK : MAILINDEX_FAIL;
}

int mailindex_changed(struct mailindex *ix)
{
	int64_t dv = 0;
	if (mi_query_int(ix, "PRAGMA data_version", 0, 0, 0, &dv, NULL) < 0)
		return -1;
	bool changed = dv != ix->data_version;
	ix->data_version = dv;
	return changed;
}

enum mailindex_rc mailindex_usage(struct mailindex *ix, uint64_t *bytes,
    uint64_t *messages, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "SELECT coalesce(sum(bytes), 0),"
	    " coalesce(sum(messages), 0) FROM mailboxes", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	enum mailindex_rc rc = MAILINDEX_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*bytes = (uint64_t)sqlite3_column_int64(st, 0);
		*messages = (uint64_t)sqlite3_column_int64(st, 1);
	} else {
		rc = mi_fail(ix, err);
	}
	mi_done(st);
	return rc;
}
