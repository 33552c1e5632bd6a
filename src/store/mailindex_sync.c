/* Sync of the index with the Maildir: files added or removed behind its
 * back, folders made or removed, and the rebuild of a lost index. */
#include "store/mailindex_priv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "common/xmalloc.h"
#include "store/mboxname.h"

/* Directory times within this many seconds of now are not trusted to
 * show the next change (coarse file system clocks), so no stamp is kept. */
#define STAMP_SETTLE 2

/* mtime of a directory in ns; 0 when missing or too recent to trust. */
static int64_t dir_mtime(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) != 0 || sb.st_mtim.tv_sec >= time(NULL) - STAMP_SETTLE)
		return 0;
	return (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
}

/* "<new mtime>/<cur mtime>" in ns; empty when not to be trusted. */
static void dir_stamp(const char *dir, struct buf *out)
{
	struct buf p = BUF_INIT;
	struct stat n, c;
	buf_printf(&p, "%s/new", dir);
	bool ok = stat(p.data, &n) == 0;
	buf_reset(&p);
	buf_printf(&p, "%s/cur", dir);
	ok = ok && stat(p.data, &c) == 0;
	time_t now = time(NULL);
	if (ok && n.st_mtim.tv_sec < now - STAMP_SETTLE &&
	    c.st_mtim.tv_sec < now - STAMP_SETTLE)
		buf_printf(out, "%lld.%09ld/%lld.%09ld", (long long)n.st_mtim.tv_sec,
		    n.st_mtim.tv_nsec, (long long)c.st_mtim.tv_sec, c.st_mtim.tv_nsec);
	buf_free(&p);
}

/* 1 the stored stamp equals the folder's now, 0 not, -1 error. */
static int stamp_same(struct mailindex *ix, int64_t mbox, const char *stamp,
    struct buf *err)
{
	if (*stamp == '\0')
		return 0;
	sqlite3_stmt *st = mi_stmt(ix, "SELECT stamp FROM mailboxes WHERE id = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mbox);
	int r = mi_row(ix, st, err);
	if (r > 0) {
		const unsigned char *s = sqlite3_column_text(st, 0);
		r = s != NULL && strcmp((const char *)s, stamp) == 0;
	}
	mi_done(st);
	return r;
}

struct sync_ctx {
	struct mailindex *ix;
	int64_t mbox;
	const char *dir;
	bool rebuild;
	uint64_t modseq;            /* allocated on the first change */
	struct mi_entry *ents;
	size_t nents;
	bool *used;
	struct mi_undo undo;
	bool expunged;
};

static enum mailindex_rc modseq(struct sync_ctx *c, struct buf *err)
{
	if (c->modseq != 0)
		return MAILINDEX_OK;
	return mi_next_modseq(c->ix, c->mbox, &c->modseq, err);
}

/* The first unused entry with this base, or -1. Entries are sorted by
 * base, so a binary search finds the run. */
static long find_entry(struct sync_ctx *c, const char *base)
{
	size_t lo = 0, hi = c->nents;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(c->ents[mid].base, base) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->nents && !strcmp(c->ents[lo].base, base); lo++)
		if (!c->used[lo])
			return (long)lo;
	return -1;
}

static void entry_path(struct sync_ctx *c, const struct mi_entry *e,
    struct buf *out)
{
	buf_printf(out, "%s/%s/%s", c->dir, e->in_new ? "new" : "cur", e->name);
}

static enum mailindex_rc set_flags(struct sync_ctx *c, uint32_t uid,
    unsigned flags, struct buf *err)
{
	enum mailindex_rc rc = modseq(c, err);
	if (rc == MAILINDEX_OK)
		rc = mi_exec(c->ix, "UPDATE messages SET flags = ?, modseq = ?"
		    " WHERE mailbox = ? AND uid = ?", 4, flags, (int64_t)c->modseq,
		    c->mbox, uid, err);
	return rc;
}

/* A row against the folder: gone (expunge), renamed by someone else
 * (take the flags of the name), or not in its canonical place. */
static enum mailindex_rc sync_row(struct sync_ctx *c, struct mailindex_msg *m,
    struct buf *err)
{
	long i = find_entry(c, m->base);
	if (i < 0) {
		enum mailindex_rc rc = modseq(c, err);
		c->expunged = true;
		return rc == MAILINDEX_OK ?
		    mi_msg_expunge_row(c->ix, c->mbox, m->uid, c->modseq, err) : rc;
	}
	struct mi_entry *e = &c->ents[i];
	c->used[i] = true;
	if (!e->in_new && e->uid == m->uid)
		return e->flags == m->flags ? MAILINDEX_OK :
		    set_flags(c, m->uid, e->flags, err);
	struct buf from = BUF_INIT, to = BUF_INIT, info = BUF_INIT;
	entry_path(c, e, &from);
	enum mailindex_rc rc = mi_info(c->ix, c->mbox, m->flags, m->keywords,
	    true, &info, err);
	mi_msg_file(c->dir, m->base, m->uid, buf_cstr(&info), &to);
	if (rc == MAILINDEX_OK && !mi_file_move(&c->undo, from.data, to.data, err))
		rc = MAILINDEX_FAIL;
	buf_free(&from);
	buf_free(&to);
	buf_free(&info);
	return rc;
}

static enum mailindex_rc sync_rows(struct sync_ctx *c, struct buf *err)
{
	struct mailindex_msgs rows;
	enum mailindex_rc rc = mailindex_messages(c->ix, c->mbox, 0, &rows, err);
	for (size_t i = 0; i < rows.n && rc == MAILINDEX_OK; i++)
		rc = sync_row(c, &rows.v[i], err);
	mailindex_msgs_free(&rows);
	return rc;
}

/* 1 if the mailbox has a message with this UID (uid != 0) or else this
 * base already, 0 if not, -1 error. Two lookups, each on an index. */
static int taken(struct sync_ctx *c, uint32_t uid, const char *base,
    struct buf *err)
{
	sqlite3_stmt *st = uid != 0 ?
	    mi_stmt(c->ix, "SELECT 1 FROM messages WHERE mailbox = ? AND uid = ?",
	    err) :
	    mi_stmt(c->ix, "SELECT 1 FROM messages WHERE mailbox = ? AND base = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->mbox);
	if (uid != 0)
		sqlite3_bind_int64(st, 2, uid);
	else
		sqlite3_bind_text(st, 2, base, -1, SQLITE_TRANSIENT);
	int r = mi_row(c->ix, st, err);
	mi_done(st);
	return r;
}

/* Indexes a file the index does not know. keep_uid: its U= (rebuild). */
static enum mailindex_rc sync_new(struct sync_ctx *c, struct mi_entry *e,
    bool keep_uid, struct buf *err)
{
	struct buf from = BUF_INIT, to = BUF_INIT, base = BUF_INIT, kw = BUF_INIT,
	    info = BUF_INIT;
	struct mailindex_msg m = { .flags = e->flags };
	struct stat sb;
	enum mailindex_rc rc = MAILINDEX_OK;
	entry_path(c, e, &from);
	/* Gone meanwhile, or not a message (a directory, a link): skipped. */
	if (lstat(from.data, &sb) != 0 || !S_ISREG(sb.st_mode))
		goto out;
	rc = modseq(c, err);
	int t = rc == MAILINDEX_OK ? taken(c, 0, e->base, err) : 0;
	if (t < 0)
		rc = mi_fail(c->ix, NULL);
	if (t > 0)
		mi_base_unique(e->base, &base);   /* a second file of one name */
	else
		buf_addstr(&base, e->base);
	m.base = base.data;
	m.uid = keep_uid ? e->uid : 0;
	if (rc == MAILINDEX_OK && m.uid == 0)
		rc = mi_take_uid(c->ix, c->mbox, &m.uid, err);
	m.modseq = c->modseq;
	m.internaldate = sb.st_mtime;
	if (!mi_base_size(m.base, &m.size))
		m.size = (uint64_t)sb.st_size;
	/* Keyword letters of the name count where the folder's file knows
	 * them (a rebuild); unknown letters are dropped from the name. */
	if (rc == MAILINDEX_OK)
		rc = mi_keywords_of_letters(c->ix, c->mbox, e->kw, &kw, err);
	m.keywords = kw.data;
	if (rc == MAILINDEX_OK)
		rc = mi_info(c->ix, c->mbox, m.flags, m.keywords, false, &info, err);
	mi_msg_file(c->dir, m.base, m.uid, buf_cstr(&info), &to);
	if (rc == MAILINDEX_OK && !mi_file_move(&c->undo, from.data, to.data, err))
		rc = MAILINDEX_FAIL;
	if (rc == MAILINDEX_OK)
		rc = mi_msg_insert(c->ix, c->mbox, &m, err);
out:
	buf_free(&kw);
	buf_free(&info);
	buf_free(&from);
	buf_free(&to);
	buf_free(&base);
	return rc;
}

/* Rebuild: files keep the UIDs their names carry, when unique and below
 * the UID space's end; UIDNEXT goes above all of them. */
static enum mailindex_rc sync_keep_uids(struct sync_ctx *c, struct buf *err)
{
	enum mailindex_rc rc = MAILINDEX_OK;
	int64_t next = 1;
	for (size_t i = 0; i < c->nents && rc == MAILINDEX_OK; i++) {
		struct mi_entry *e = &c->ents[i];
		if (c->used[i] || e->in_new || e->uid == 0 || e->uid == UINT32_MAX)
			continue;
		int t = taken(c, e->uid, NULL, err);
		if (t == 0)
			t = taken(c, 0, e->base, err);
		if (t < 0)
			return mi_fail(c->ix, NULL);
		if (t > 0)
			continue;
		c->used[i] = true;
		rc = sync_new(c, e, true, err);
		if (e->uid >= next)
			next = (int64_t)e->uid + 1;
	}
	if (rc == MAILINDEX_OK)
		rc = mi_exec(c->ix, "UPDATE mailboxes SET uidnext = max(uidnext, ?)"
		    " WHERE id = ?", 2, next, c->mbox, 0, 0, err);
	return rc;
}

static enum mailindex_rc sync_files(struct sync_ctx *c, struct buf *err)
{
	enum mailindex_rc rc = sync_rows(c, err);
	if (rc == MAILINDEX_OK && c->rebuild)
		rc = sync_keep_uids(c, err);
	/* The rest in file name order: delivered names start with the
	 * queue id, which starts with the arrival time. */
	for (size_t i = 0; i < c->nents && rc == MAILINDEX_OK; i++)
		if (!c->used[i]) {
			c->used[i] = true;
			rc = sync_new(c, &c->ents[i], false, err);
		}
	return rc;
}

static enum mailindex_rc save_stamp(struct mailindex *ix, int64_t mbox,
    const char *stamp, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "UPDATE mailboxes SET stamp = ? WHERE"
	    " id = ?", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	if (*stamp)
		sqlite3_bind_text(st, 1, stamp, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, mbox);
	return mi_run(ix, st, err);
}

static enum mailindex_rc sync_folder(struct mailindex *ix, int64_t mbox,
    const char *dir, bool force, bool rebuild, struct mi_undo *u,
    struct buf *err)
{
	/* The stamp is taken before the scan: a change during it shows
	 * as a different stamp next time. */
	struct buf stamp = BUF_INIT;
	dir_stamp(dir, &stamp);
	int same = force ? 0 : stamp_same(ix, mbox, buf_cstr(&stamp), err);
	enum mailindex_rc rc = same < 0 ? mi_fail(ix, NULL) : MAILINDEX_OK;
	struct sync_ctx c = { .ix = ix, .mbox = mbox, .dir = dir,
	    .rebuild = rebuild };
	if (rc == MAILINDEX_OK && !same) {
		if (!mi_entries_read(dir, &c.ents, &c.nents, err))
			rc = MAILINDEX_FAIL;
		c.used = xcalloc(c.nents + 1, sizeof *c.used);
		if (rc == MAILINDEX_OK)
			rc = sync_files(&c, err);
		if (rc == MAILINDEX_OK)
			rc = save_stamp(ix, mbox, buf_cstr(&stamp), err);
		mi_entries_free(c.ents, c.nents);
		free(c.used);
	}
	/* The caller undoes the renames if its transaction fails. */
	for (size_t i = 0; i < c.undo.n; i++)
		mi_undo_rename(u, c.undo.v[i].from, c.undo.v[i].to, false);
	mi_undo_free(&c.undo);
	buf_free(&stamp);
	return rc;
}

enum mailindex_rc mi_sync_locked(struct mailindex *ix, int64_t mbox,
    bool force, bool rebuild, struct mi_undo *u, struct buf *err)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf dir = BUF_INIT;
	enum mailindex_rc rc = mi_mailbox_dir(ix, mbox, &mb, &dir, err);
	uint64_t before = mb.highestmodseq;
	if (rc == MAILINDEX_OK)
		rc = sync_folder(ix, mbox, dir.data, force, rebuild, u, err);
	/* UIDNEXT may have moved past an expunged top UID: keep it for a
	 * rebuild (inside the transaction; a rollback leaves it too high,
	 * which is harmless). */
	struct mailindex_mailbox now = { 0 };
	if (rc == MAILINDEX_OK && mailindex_mailbox_by_id(ix, mbox, &now, NULL) ==
	    MAILINDEX_OK && now.highestmodseq != before)
		mi_folder_meta_save(ix, mbox);
	mailindex_mailbox_free(&now);
	mailindex_mailbox_free(&mb);
	buf_free(&dir);
	return rc;
}

enum mailindex_rc mailindex_sync(struct mailindex *ix, int64_t mbox,
    bool force, struct buf *err)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf dir = BUF_INIT, stamp = BUF_INIT;
	/* IDLE polls this: no write lock while nothing changed. */
	enum mailindex_rc rc = mi_mailbox_dir(ix, mbox, &mb, &dir, err);
	if (rc == MAILINDEX_OK && !force) {
		dir_stamp(dir.data, &stamp);
		int same = stamp_same(ix, mbox, buf_cstr(&stamp), err);
		if (same != 0) {
			rc = same > 0 ? MAILINDEX_OK : mi_fail(ix, NULL);
			goto out;
		}
	}
	if (rc == MAILINDEX_OK && (rc = mi_begin(ix, err)) == MAILINDEX_OK) {
		struct mi_undo u = { 0 };
		rc = mi_end(ix, mi_sync_locked(ix, mbox, force, false, &u, err), err);
		if (rc != MAILINDEX_OK)
			mi_undo_rollback(&u);
		mi_undo_free(&u);
	}
out:
	mailindex_mailbox_free(&mb);
	buf_free(&dir);
	buf_free(&stamp);
	return rc;
}

/* Leftovers of deletes interrupted after their commit. */
static void purge_deleted(struct mailindex *ix)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/tmp", ix->maildir);
	DIR *d = opendir(p.data);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "archmailbox-deleted.", 20) != 0)
			continue;
		struct buf q = BUF_INIT;
		buf_printf(&q, "%s/%s", p.data, e->d_name);
		mi_folder_remove(q.data);
		buf_free(&q);
	}
	if (d != NULL)
		closedir(d);
	buf_free(&p);
}

/* A mailbox row for a folder found on disk, its messages indexed with
 * the UIDs their names carry. Its archmailbox-uidvalidity file, if any,
 * gives back UIDVALIDITY and UIDNEXT; MODSEQs then start above any that
 * a client can have seen (microseconds since 1970). */
static enum mailindex_rc discover(struct mailindex *ix, const char *name,
    struct buf *err)
{
	struct buf dir = BUF_INIT;
	mi_folder_dir(ix, name, &dir);
	struct mi_folder_meta m = { 0, 1, 0 };
	bool known = mi_folder_meta_read(dir.data, &m);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	uint64_t modseq = known ? (uint64_t)tv.tv_sec * 1000000u +
	    (uint64_t)tv.tv_usec : 1;
	int64_t id = 0;
	enum mailindex_rc rc = MAILINDEX_OK;
	/* Keep the user's UIDVALIDITY counter above what folders carry. */
	int64_t last = 0;
	if (known && mi_query_int(ix, "SELECT value FROM meta WHERE"
	    " key = 'uidvalidity'", 0, 0, 0, &last, err) < 0)
		rc = mi_fail(ix, NULL);
	if (rc == MAILINDEX_OK && known && (int64_t)m.uidvalidity > last)
		rc = mi_exec(ix, "INSERT OR REPLACE INTO meta(key, value)"
		    " VALUES('uidvalidity', ?)", 1, m.uidvalidity, 0, 0, 0, err);
	if (rc == MAILINDEX_OK)
		rc = mi_mailbox_insert(ix, name, known ? m.uidvalidity : 0,
		    m.uidnext, m.special, modseq, &id, err);
	struct mi_undo u = { 0 };
	if (rc == MAILINDEX_OK)
		rc = mi_keywords_load(ix, id, dir.data, err);
	if (rc == MAILINDEX_OK)
		rc = sync_folder(ix, id, dir.data, true, true, &u, err);
	mi_undo_free(&u);
	if (rc == MAILINDEX_OK)
		mi_folder_meta_save(ix, id);
	buf_free(&dir);
	return rc;
}

/* Rows whose folder has gone (other than INBOX's, the Maildir). */
static enum mailindex_rc drop_vanished(struct mailindex *ix, struct buf *err)
{
	struct mailindex_mailbox *v;
	size_t n;
	enum mailindex_rc rc = mailindex_list(ix, &v, &n, err);
	for (size_t i = 0; i < n && rc == MAILINDEX_OK; i++) {
		struct buf dir = BUF_INIT;
		struct stat sb;
		mi_folder_dir(ix, v[i].name, &dir);
		if (strcmp(v[i].name, "INBOX") != 0 && stat(dir.data, &sb) != 0)
			rc = mi_exec(ix, "DELETE FROM mailboxes WHERE id = ?", 1,
			    v[i].id, 0, 0, 0, err);
		buf_free(&dir);
	}
	mailindex_list_free(v, n);
	return rc;
}

static enum mailindex_rc discover_name(struct mailindex *ix, const char *name,
    struct buf *err)
{
	int r = mi_mailbox_row(ix, name, NULL, err);
	if (r < 0)
		return mi_fail(ix, NULL);
	return r == 0 ? discover(ix, name, err) : MAILINDEX_OK;
}

enum mailindex_rc mi_sync_mailboxes_locked(struct mailindex *ix,
    struct buf *err)
{
	purge_deleted(ix);
	enum mailindex_rc rc = discover_name(ix, "INBOX", err);
	DIR *d = rc == MAILINDEX_OK ? opendir(ix->maildir) : NULL;
	if (rc == MAILINDEX_OK && d == NULL) {
		buf_printf(err, "%s: cannot read", ix->maildir);
		rc = MAILINDEX_FAIL;
	}
	struct dirent *e;
	while (rc == MAILINDEX_OK && (e = readdir(d)) != NULL) {
		struct buf name = BUF_INIT, p = BUF_INIT;
		struct stat sb;
		buf_printf(&p, "%s/%s/cur", ix->maildir, e->d_name);
		if (mboxname_from_folder(e->d_name, strlen(e->d_name), &name) &&
		    stat(p.data, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = discover_name(ix, name.data, err);
		buf_free(&name);
		buf_free(&p);
	}
	if (d != NULL)
		closedir(d);
	return rc == MAILINDEX_OK ? drop_vanished(ix, err) : rc;
}

enum mailindex_rc mailindex_sync_mailboxes(struct mailindex *ix,
    struct buf *err)
{
	enum mailindex_rc rc = mi_begin(ix, err);
	if (rc == MAILINDEX_OK)
		rc = mi_end(ix, mi_sync_mailboxes_locked(ix, err), err);
	return rc;
}

enum mailindex_rc mi_sync_mailboxes_if_changed(struct mailindex *ix,
    struct buf *err)
{
	/* Folders are made, renamed and removed in the Maildir itself, so
	 * its mtime tells whether a look is needed: a stat per open. */
	int64_t stamp = dir_mtime(ix->maildir), have = 0;
	int r = mi_query_int(ix, "SELECT value FROM meta WHERE key = 'root'", 0,
	    0, 0, &have, err);
	if (r < 0)
		return mi_fail(ix, NULL);
	if (r > 0 && stamp != 0 && have == stamp)
		return MAILINDEX_OK;
	enum mailindex_rc rc = mi_begin(ix, err);
	if (rc != MAILINDEX_OK)
		return rc;
	rc = mi_sync_mailboxes_locked(ix, err);
	if (rc == MAILINDEX_OK)
		rc = mi_exec(ix, "INSERT OR REPLACE INTO meta(key, value)"
		    " VALUES('root', ?)", 1, stamp, 0, 0, 0, err);
	return mi_end(ix, rc, err);
}
