/* Message rows: queries, indexing a delivered file, expunge. */
#include "store/mailindex_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/xmalloc.h"
#include "store/mboxname.h"

#define MSG_COLS "SELECT uid, flags, keywords, modseq, internaldate, size," \
	" base FROM messages "

void mi_msg_from_row(sqlite3_stmt *st, struct mailindex_msg *m)
{
	const unsigned char *kw = sqlite3_column_text(st, 2);
	m->uid = (uint32_t)sqlite3_column_int64(st, 0);
	m->flags = (unsigned)sqlite3_column_int(st, 1);
	m->keywords = xstrdup(kw ? (const char *)kw : "");
	m->modseq = (uint64_t)sqlite3_column_int64(st, 3);
	m->internaldate = sqlite3_column_int64(st, 4);
	m->size = (uint64_t)sqlite3_column_int64(st, 5);
	m->base = xstrdup((const char *)sqlite3_column_text(st, 6));
}

void mi_msgs_push(struct mailindex_msgs *v, const struct mailindex_msg *m)
{
	/* Grows by doubling: n is a power of two when full. */
	if ((v->n & (v->n - 1)) == 0)
		v->v = xreallocarray(v->v, v->n ? v->n * 2 : 1, sizeof *v->v);
	v->v[v->n++] = *m;
}

void mi_uids_push(struct mailindex_uids *v, uint32_t uid)
{
	if ((v->n & (v->n - 1)) == 0)
		v->v = xreallocarray(v->v, v->n ? v->n * 2 : 1, sizeof *v->v);
	v->v[v->n++] = uid;
}

void mailindex_msgs_free(struct mailindex_msgs *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].keywords);
		free(m->v[i].base);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void mailindex_uids_free(struct mailindex_uids *u)
{
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

enum mailindex_rc mi_msg_insert(struct mailindex *ix, int64_t mbox,
    const struct mailindex_msg *m, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "INSERT INTO messages(mailbox, uid, base,"
	    " flags, keywords, modseq, internaldate, size)"
	    " VALUES(?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_int64(st, 1, mbox);
	sqlite3_bind_int64(st, 2, m->uid);
	sqlite3_bind_text(st, 3, m->base, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, (int)m->flags);
	sqlite3_bind_text(st, 5, m->keywords ? m->keywords : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (int64_t)m->modseq);
	sqlite3_bind_int64(st, 7, m->internaldate);
	sqlite3_bind_int64(st, 8, (int64_t)m->size);
	return mi_run(ix, st, err);
}

enum mailindex_rc mi_msg_expunge_row(struct mailindex *ix, int64_t mbox,
    uint32_t uid, uint64_t modseq, struct buf *err)
{
	enum mailindex_rc rc = mi_exec(ix, "DELETE FROM messages WHERE"
	    " mailbox = ? AND uid = ?", 2, mbox, uid, 0, 0, err);
	if (rc == MAILINDEX_OK)
		rc = mi_exec(ix, "INSERT OR REPLACE INTO expunged(mailbox, uid,"
		    " modseq) VALUES(?, ?, ?)", 3, mbox, uid, (int64_t)modseq, 0, err);
	return rc;
}

enum mailindex_rc mi_take_uid(struct mailindex *ix, int64_t mbox,
    uint32_t *uid, struct buf *err)
{
	int64_t v = 0;
	int r = mi_query_int(ix, "UPDATE mailboxes SET uidnext = uidnext + 1"
	    " WHERE id = ? AND uidnext < 4294967295 RETURNING uidnext - 1", 1,
	    mbox, 0, &v, err);
	if (r == 0)
		buf_printf(err, "mailbox %lld: no UID left", (long long)mbox);
	*uid = (uint32_t)v;
	return r > 0 ? MAILINDEX_OK : r == 0 ? MAILINDEX_FAIL : mi_fail(ix, NULL);
}

enum mailindex_rc mailindex_message(struct mailindex *ix, int64_t mbox,
    uint32_t uid, struct mailindex_msg *out, struct buf *err)
{
	memset(out, 0, sizeof *out);
	int r = mi_msg_get(ix, mbox, uid, out, err);
	if (r == 0)
		buf_printf(err, "message %u does not exist", (unsigned)uid);
	return r > 0 ? MAILINDEX_OK : r == 0 ? MAILINDEX_NOTFOUND :
	    mi_fail(ix, NULL);
}

void mailindex_msg_free(struct mailindex_msg *m)
{
	mi_msg_free(m);
}

/* One message row: 1 found, 0 none, -1 error. */
int mi_msg_get(struct mailindex *ix, int64_t mbox, uint32_t uid,
    struct mailindex_msg *out, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, MSG_COLS "WHERE mailbox = ? AND uid = ?",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mbox);
	sqlite3_bind_int64(st, 2, uid);
	int r = mi_row(ix, st, err);
	if (r > 0)
		mi_msg_from_row(st, out);
	mi_done(st);
	return r;
}

void mi_msg_free(struct mailindex_msg *m)
{
	free(m->keywords);
	free(m->base);
	m->keywords = m->base = NULL;
}

enum mailindex_rc mailindex_messages(struct mailindex *ix, int64_t mbox,
    uint64_t since, struct mailindex_msgs *out, struct buf *err)
{
	out->v = NULL;
	out->n = 0;
	enum mailindex_rc rc = mailindex_mailbox_by_id(ix, mbox, NULL, err);
	if (rc != MAILINDEX_OK)
		return rc;
	/* All: the primary key gives UID order without a sort. */
	sqlite3_stmt *st = since == 0 ?
	    mi_stmt(ix, MSG_COLS "WHERE mailbox = ?", err) :
	    mi_stmt(ix, MSG_COLS "WHERE mailbox = ? AND modseq > ? ORDER BY uid",
	    err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_int64(st, 1, mbox);
	if (since != 0)
		sqlite3_bind_int64(st, 2, (int64_t)since);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct mailindex_msg m;
		mi_msg_from_row(st, &m);
		mi_msgs_push(out, &m);
	}
	rc = r == SQLITE_DONE ? MAILINDEX_OK : mi_fail(ix, err);
	mi_done(st);
	if (rc != MAILINDEX_OK)
		mailindex_msgs_free(out);
	return rc;
}

enum mailindex_rc mailindex_expunged_since(struct mailindex *ix, int64_t mbox,
    uint64_t since, struct mailindex_uids *out, bool *complete,
    struct buf *err)
{
	out->v = NULL;
	out->n = 0;
	int64_t floor = 0;
	int r = mi_query_int(ix, "SELECT expunge_floor FROM mailboxes WHERE id = ?",
	    1, mbox, 0, &floor, err);
	if (r <= 0) {
		if (r == 0)
			buf_printf(err, "mailbox %lld does not exist", (long long)mbox);
		return r == 0 ? MAILINDEX_NOTFOUND : mi_fail(ix, NULL);
	}
	*complete = (int64_t)since >= floor;
	sqlite3_stmt *st = mi_stmt(ix, "SELECT uid FROM expunged WHERE"
	    " mailbox = ? AND modseq > ? ORDER BY uid", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_int64(st, 1, mbox);
	sqlite3_bind_int64(st, 2, (int64_t)since);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		mi_uids_push(out, (uint32_t)sqlite3_column_int64(st, 0));
	enum mailindex_rc rc = r == SQLITE_DONE ? MAILINDEX_OK : mi_fail(ix, err);
	mi_done(st);
	if (rc != MAILINDEX_OK)
		mailindex_uids_free(out);
	return rc;
}

/* The folder directory of a mailbox id. */
enum mailindex_rc mi_mailbox_dir(struct mailindex *ix, int64_t mbox,
    struct mailindex_mailbox *mb, struct buf *dir, struct buf *err)
{
	enum mailindex_rc rc = mailindex_mailbox_by_id(ix, mbox, mb, err);
	if (rc == MAILINDEX_OK)
		mi_folder_dir(ix, mb->name, dir);
	return rc;
}

enum mailindex_rc mailindex_msg_path(struct mailindex *ix, int64_t mbox,
    uint32_t uid, struct buf *out, struct buf *err)
{
	struct mailindex_mailbox mb = { 0 };
	struct mailindex_msg m = { 0 };
	struct buf dir = BUF_INIT;
	enum mailindex_rc rc = mi_mailbox_dir(ix, mbox, &mb, &dir, err);
	int r = rc == MAILINDEX_OK ? mi_msg_get(ix, mbox, uid, &m, err) : 1;
	if (r <= 0) {
		if (r == 0)
			buf_printf(err, "message %u does not exist", (unsigned)uid);
		rc = r == 0 ? MAILINDEX_NOTFOUND : mi_fail(ix, NULL);
	}
	struct buf info = BUF_INIT;
	if (rc == MAILINDEX_OK)
		rc = mi_info(ix, mbox, m.flags, m.keywords, false, &info, err);
	if (rc == MAILINDEX_OK && !mi_msg_find(dir.data, m.base, uid,
	    buf_cstr(&info), out)) {
		buf_printf(err, "message %u: its file is gone", (unsigned)uid);
		rc = MAILINDEX_NOTFOUND;
	}
	buf_free(&info);
	mi_msg_free(&m);
	mailindex_mailbox_free(&mb);
	buf_free(&dir);
	return rc;
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

enum mailindex_rc mi_msgs_of_uids(struct mailindex *ix, int64_t mbox,
    const uint32_t *uids, size_t n, struct mailindex_msgs *out,
    struct buf *err)
{
	if (uids == NULL)
		return mailindex_messages(ix, mbox, 0, out, err);
	uint32_t *sorted = xmemdup(uids, n * sizeof *uids);
	qsort(sorted, n, sizeof *sorted, uid_cmp);
	enum mailindex_rc rc = MAILINDEX_OK;
	for (size_t i = 0; i < n && rc == MAILINDEX_OK; i++) {
		if (i > 0 && sorted[i] == sorted[i - 1])
			continue;
		struct mailindex_msg m = { 0 };
		int r = mi_msg_get(ix, mbox, sorted[i], &m, err);
		if (r > 0)
			mi_msgs_push(out, &m);
		else if (r < 0)
			rc = mi_fail(ix, NULL);
	}
	free(sorted);
	return rc;
}

/* Which mailbox a file path lies in ("<maildir>[/<folder>]/{new,cur}/f"). */
static bool path_mailbox(struct mailindex *ix, const char *path,
    struct buf *name, struct buf *file)
{
	size_t ml = strlen(ix->maildir);
	if (strncmp(path, ix->maildir, ml) != 0 || path[ml] != '/')
		return false;
	const char *rest = path + ml + 1;
	const char *slash = strchr(rest, '/');
	if (slash == NULL)
		return false;
	const char *sub = rest;
	if (strncmp(rest, "new/", 4) != 0 && strncmp(rest, "cur/", 4) != 0) {
		if (!mboxname_from_folder(rest, (size_t)(slash - rest), name))
			return false;
		sub = slash + 1;
	} else {
		buf_addstr(name, "INBOX");
	}
	if (strncmp(sub, "new/", 4) != 0 && strncmp(sub, "cur/", 4) != 0)
		return false;
	buf_addstr(file, sub + 4);
	return file->len > 0 && strchr(file->data, '/') == NULL &&
	    file->data[0] != '.';
}

static enum mailindex_rc add_locked(struct mailindex *ix, const char *path,
    const char *mbname, const char *fname, const struct mailindex_new *opt,
    struct mailindex_added *out, struct mi_undo *u, struct buf *err)
{
	struct mailindex_mailbox mb = { 0 };
	int r = mi_mailbox_row(ix, mbname, &mb, err);
	enum mailindex_rc rc = r < 0 ? mi_fail(ix, NULL) : MAILINDEX_OK;
	if (r == 0 && (rc = mi_sync_mailboxes_locked(ix, err)) ==
	    MAILINDEX_OK && (r = mi_mailbox_row(ix, mbname, &mb, err)) <= 0)
		rc = r < 0 ? mi_fail(ix, NULL) : MAILINDEX_NOTFOUND;
	if (rc != MAILINDEX_OK) {
		if (rc == MAILINDEX_NOTFOUND)
			buf_printf(err, "mailbox %s does not exist", mbname);
		return rc;
	}
	struct mi_entry e;
	mi_entry_parse(fname, false, &e);
	struct mailindex_msg m = { .base = e.base, .flags = opt->flags };
	struct buf kw = BUF_INIT, dir = BUF_INIT, to = BUF_INIT;
	/* Indexing the same file again (deliver after a session's sync). */
	sqlite3_stmt *st = mi_stmt(ix, "SELECT uid, modseq FROM messages WHERE"
	    " mailbox = ? AND base = ?", err);
	if (st == NULL) {
		rc = MAILINDEX_FAIL;
		goto out;
	}
	sqlite3_bind_int64(st, 1, mb.id);
	sqlite3_bind_text(st, 2, e.base, -1, SQLITE_TRANSIENT);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		out->uid = (uint32_t)sqlite3_column_int64(st, 0);
		out->modseq = (uint64_t)sqlite3_column_int64(st, 1);
	} else if (r != SQLITE_DONE) {
		rc = mi_fail(ix, err);
	}
	mi_done(st);
	out->uidvalidity = mb.uidvalidity;
	out->mbox = mb.id;
	if (rc != MAILINDEX_OK || out->uid != 0)
		goto out;
	struct stat sb;
	errno = 0;
	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		buf_printf(err, "%s: %s", path, errno ? strerror(errno) :
		    "not a regular file");
		rc = MAILINDEX_FAIL;
		goto out;
	}
	mi_keywords_apply("", MAILINDEX_STORE_SET, opt->keywords, &kw);
	m.keywords = kw.data ? kw.data : (char *)"";
	m.internaldate = opt->internaldate ? opt->internaldate : sb.st_mtime;
	if (!mi_base_size(e.base, &m.size))
		m.size = (uint64_t)sb.st_size;
	if ((rc = mi_take_uid(ix, mb.id, &m.uid, err)) != MAILINDEX_OK ||
	    (rc = mi_next_modseq(ix, mb.id, &m.modseq, err)) != MAILINDEX_OK)
		goto out;
	mi_folder_dir(ix, mbname, &dir);
	struct buf info = BUF_INIT;
	rc = mi_info(ix, mb.id, m.flags, m.keywords, true, &info, err);
	mi_msg_file(dir.data, e.base, m.uid, buf_cstr(&info), &to);
	buf_free(&info);
	if (rc == MAILINDEX_OK && !mi_file_move(u, path, to.data, err))
		rc = MAILINDEX_FAIL;
	if (rc == MAILINDEX_OK)
		rc = mi_msg_insert(ix, mb.id, &m, err);
	/* The mtime carries INTERNALDATE through a rebuild. */
	if (rc == MAILINDEX_OK && opt->internaldate) {
		struct timespec ts[2] = { { m.internaldate, 0 }, { m.internaldate, 0 } };
		utimensat(AT_FDCWD, to.data, ts, 0);
	}
	out->uid = m.uid;
	out->modseq = m.modseq;
out:
	mi_entry_free(&e);
	mailindex_mailbox_free(&mb);
	buf_free(&kw);
	buf_free(&dir);
	buf_free(&to);
	return rc;
}

enum mailindex_rc mailindex_add(struct mailindex *ix, const char *path,
    const struct mailindex_new *opt, struct mailindex_added *out,
    struct buf *err)
{
	static const struct mailindex_new none = { 0 };
	struct buf name = BUF_INIT, file = BUF_INIT;
	enum mailindex_rc rc = MAILINDEX_OK;
	memset(out, 0, sizeof *out);
	if (opt == NULL)
		opt = &none;
	if (!path_mailbox(ix, path, &name, &file)) {
		buf_printf(err, "%s is not a message file of this Maildir", path);
		rc = MAILINDEX_BADNAME;
	} else if ((opt->flags & ~MAILINDEX_FLAGS_ALL) ||
	    !mi_keywords_valid(opt->keywords, err)) {
		if (opt->flags & ~MAILINDEX_FLAGS_ALL)
			buf_addstr(err, "unknown flag");
		rc = MAILINDEX_BADNAME;
	}
	if (rc == MAILINDEX_OK && (rc = mi_begin(ix, err)) == MAILINDEX_OK) {
		struct mi_undo u = { 0 };
		rc = mi_end(ix, add_locked(ix, path, name.data, file.data, opt, out,
		    &u, err), err);
		if (rc != MAILINDEX_OK)
			mi_undo_rollback(&u);
		mi_undo_free(&u);
	}
	buf_free(&name);
	buf_free(&file);
	return rc;
}
