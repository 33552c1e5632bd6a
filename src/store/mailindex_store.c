/* STORE (flags and keywords, CONDSTORE) and EXPUNGE. */
#include "store/mailindex_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"

static unsigned new_flags(unsigned cur, const struct mailindex_store *st)
{
	switch (st->op) {
	case MAILINDEX_STORE_SET:
		return st->flags;
	case MAILINDEX_STORE_ADD:
		return cur | st->flags;
	case MAILINDEX_STORE_REMOVE:
		return cur & ~st->flags;
	}
	return cur;
}

struct store_ctx {
	struct mailindex *ix;
	int64_t mbox;
	const char *dir;
	const struct mailindex_store *st;
	uint64_t modseq;             /* 0 until the first change */
	struct mi_undo undo;
	struct mailindex_msgs *changed;
	struct mailindex_uids *modified;
};

static enum mailindex_rc store_one(struct store_ctx *c, uint32_t uid,
    struct buf *err)
{
	struct mailindex_msg m = { 0 };
	int r = mi_msg_get(c->ix, c->mbox, uid, &m, err);
	if (r <= 0)
		return r == 0 ? MAILINDEX_OK : mi_fail(c->ix, NULL);
	enum mailindex_rc rc = MAILINDEX_OK;
	struct buf kw = BUF_INIT, from = BUF_INIT, to = BUF_INIT;
	if (c->st->unchangedsince && m.modseq > c->st->unchangedsince) {
		mi_uids_push(c->modified, uid);
		goto out;
	}
	unsigned flags = new_flags(m.flags, c->st);
	if (c->st->keywords != NULL || c->st->op == MAILINDEX_STORE_SET)
		mi_keywords_apply(m.keywords, c->st->op, c->st->keywords, &kw);
	else
		buf_addstr(&kw, m.keywords);
	if (flags == m.flags && strcmp(kw.data, m.keywords) == 0)
		goto out;
	if (c->modseq == 0 &&
	    (rc = mi_next_modseq(c->ix, c->mbox, &c->modseq, err)) != MAILINDEX_OK)
		goto out;
	/* The file name mirrors flags and keywords, for rebuilds and other
	 * readers. */
	struct buf oinfo = BUF_INIT, ninfo = BUF_INIT;
	if ((rc = mi_info(c->ix, c->mbox, m.flags, m.keywords, false, &oinfo,
	    err)) == MAILINDEX_OK)
		rc = mi_info(c->ix, c->mbox, flags, kw.data, true, &ninfo, err);
	if (rc == MAILINDEX_OK && strcmp(buf_cstr(&oinfo), buf_cstr(&ninfo)) &&
	    mi_msg_find(c->dir, m.base, uid, buf_cstr(&oinfo), &from)) {
		mi_msg_file(c->dir, m.base, uid, buf_cstr(&ninfo), &to);
		if (!mi_file_move(&c->undo, from.data, to.data, err))
			rc = MAILINDEX_FAIL;
	}
	buf_free(&oinfo);
	buf_free(&ninfo);
	sqlite3_stmt *s = rc == MAILINDEX_OK ? mi_stmt(c->ix, "UPDATE messages SET"
	    " flags = ?, keywords = ?, modseq = ? WHERE mailbox = ? AND uid = ?",
	    err) : NULL;
	if (s != NULL) {
		sqlite3_bind_int(s, 1, (int)flags);
		sqlite3_bind_text(s, 2, kw.data, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, (int64_t)c->modseq);
		sqlite3_bind_int64(s, 4, c->mbox);
		sqlite3_bind_int64(s, 5, uid);
		rc = mi_run(c->ix, s, err);
	} else if (rc == MAILINDEX_OK) {
		rc = MAILINDEX_FAIL;
	}
	if (rc == MAILINDEX_OK) {
		m.flags = flags;
		free(m.keywords);
		m.keywords = buf_detach(&kw);
		m.modseq = c->modseq;
		mi_msgs_push(c->changed, &m);
		memset(&m, 0, sizeof m);
	}
out:
	mi_msg_free(&m);
	buf_free(&kw);
	buf_free(&from);
	buf_free(&to);
	return rc;
}

enum mailindex_rc mailindex_store(struct mailindex *ix, int64_t mbox,
    const uint32_t *uids, size_t n, const struct mailindex_store *st,
    struct mailindex_msgs *changed, struct mailindex_uids *modified,
    struct buf *err)
{
	memset(changed, 0, sizeof *changed);
	memset(modified, 0, sizeof *modified);
	if ((st->flags & ~MAILINDEX_FLAGS_ALL) ||
	    !mi_keywords_valid(st->keywords, err)) {
		if (st->flags & ~MAILINDEX_FLAGS_ALL)
			buf_addstr(err, "unknown flag");
		return MAILINDEX_BADNAME;
	}
	struct mailindex_mailbox mb = { 0 };
	struct buf dir = BUF_INIT;
	enum mailindex_rc rc = mi_begin(ix, err);
	if (rc != MAILINDEX_OK)
		return rc;
	rc = mi_mailbox_dir(ix, mbox, &mb, &dir, err);
	struct store_ctx c = { ix, mbox, dir.data, st, 0, { 0 }, changed, modified };
	for (size_t i = 0; i < n && rc == MAILINDEX_OK; i++)
		rc = store_one(&c, uids[i], err);
	rc = mi_end(ix, rc, err);
	if (rc != MAILINDEX_OK) {
		mi_undo_rollback(&c.undo);
		mailindex_msgs_free(changed);
		mailindex_uids_free(modified);
	}
	mi_undo_free(&c.undo);
	mailindex_mailbox_free(&mb);
	buf_free(&dir);
	return rc;
}

/* Removes one message (file first: a crash then leaves a row without a
 * file, which sync expunges, never a file that comes back). */
enum mailindex_rc mi_expunge_one(struct mailindex *ix, int64_t mbox,
    const char *dir, const struct mailindex_msg *m, uint64_t modseq,
    struct buf *err)
{
	struct buf path = BUF_INIT, info = BUF_INIT;
	enum mailindex_rc rc = mi_info(ix, mbox, m->flags, m->keywords, false,
	    &info, err);
	if (rc == MAILINDEX_OK &&
	    mi_msg_find(dir, m->base, m->uid, buf_cstr(&info), &path) &&
	    unlink(path.data) != 0 && errno != ENOENT) {
		buf_printf(err, "%s: %s", path.data, strerror(errno));
		rc = MAILINDEX_FAIL;
	}
	buf_free(&path);
	buf_free(&info);
	return rc == MAILINDEX_OK ?
	    mi_msg_expunge_row(ix, mbox, m->uid, modseq, err) : rc;
}

/* The \Deleted messages among uids (NULL: the whole mailbox). */
static enum mailindex_rc deleted_msgs(struct mailindex *ix, int64_t mbox,
    const uint32_t *uids, size_t n, struct mailindex_msgs *out,
    struct buf *err)
{
	struct mailindex_msgs all = { 0 };
	enum mailindex_rc rc = mi_msgs_of_uids(ix, mbox, uids, n, &all, err);
	for (size_t i = 0; rc == MAILINDEX_OK && i < all.n; i++) {
		if (all.v[i].flags & MAILINDEX_DELETED) {
			mi_msgs_push(out, &all.v[i]);
			memset(&all.v[i], 0, sizeof all.v[i]);
		}
	}
	mailindex_msgs_free(&all);
	return rc;
}

enum mailindex_rc mailindex_expunge(struct mailindex *ix, int64_t mbox,
    const uint32_t *uids, size_t n, struct mailindex_uids *expunged,
    struct buf *err)
{
	memset(expunged, 0, sizeof *expunged);
	struct mailindex_mailbox mb = { 0 };
	struct mailindex_msgs del = { 0 };
	struct buf dir = BUF_INIT;
	uint64_t modseq = 0;
	enum mailindex_rc rc = mi_begin(ix, err);
	if (rc != MAILINDEX_OK)
		return rc;
	rc = mi_mailbox_dir(ix, mbox, &mb, &dir, err);
	if (rc == MAILINDEX_OK)
		rc = deleted_msgs(ix, mbox, uids, n, &del, err);
	if (rc == MAILINDEX_OK && del.n > 0)
		rc = mi_next_modseq(ix, mbox, &modseq, err);
	for (size_t i = 0; i < del.n && rc == MAILINDEX_OK; i++) {
		rc = mi_expunge_one(ix, mbox, dir.data, &del.v[i], modseq, err);
		if (rc == MAILINDEX_OK)
			mi_uids_push(expunged, del.v[i].uid);
	}
	rc = mi_end(ix, rc, err);
	if (rc == MAILINDEX_OK && del.n > 0)
		mi_folder_meta_save(ix, mbox);
	if (rc != MAILINDEX_OK)
		mailindex_uids_free(expunged);
	mailindex_msgs_free(&del);
	mailindex_mailbox_free(&mb);
	buf_free(&dir);
	return rc;
}
