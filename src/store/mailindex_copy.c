/* COPY and MOVE between mailboxes (UIDPLUS COPYUID data). */
#include "store/mailindex_priv.h"

#include <string.h>

void mailindex_copyuid_free(struct mailindex_copyuid *c)
{
	mailindex_uids_free(&c->src);
	mailindex_uids_free(&c->dst);
}

struct copy_ctx {
	struct mailindex *ix;
	int64_t src, dst;
	const char *src_dir, *dst_dir;
	bool move;
	uint64_t src_modseq, dst_modseq;
	struct mi_undo *undo;
};

static enum mailindex_rc copy_cache(struct mailindex *ix, int64_t src,
    uint32_t suid, int64_t dst, uint32_t duid, struct buf *err)
{
	return mi_exec(ix, "INSERT INTO caches(mailbox, uid, data) SELECT ?, ?,"
	    " data FROM caches WHERE mailbox = ? AND uid = ?", 4, dst, duid, src,
	    suid, err);
}

static enum mailindex_rc copy_one(struct copy_ctx *c, struct mailindex_msg *m,
    uint32_t *new_uid, struct buf *err)
{
	struct buf from = BUF_INIT, to = BUF_INIT, base = BUF_INIT;
	struct mailindex_msg d = *m;
	enum mailindex_rc rc = mi_take_uid(c->ix, c->dst, &d.uid, err);
	bool taken = false;
	/* A move keeps the delivered name unless the target has it already;
	 * a copy needs a name of its own. */
	sqlite3_stmt *st = mi_stmt(c->ix, "SELECT 1 FROM messages WHERE"
	    " mailbox = ? AND base = ?", err);
	if (st == NULL)
		rc = MAILINDEX_FAIL;
	if (st != NULL && c->move) {
		sqlite3_bind_int64(st, 1, c->dst);
		sqlite3_bind_text(st, 2, m->base, -1, SQLITE_TRANSIENT);
		taken = sqlite3_step(st) == SQLITE_ROW;
		mi_done(st);
	}
	if (c->move && !taken)
		buf_addstr(&base, m->base);
	else
		mi_base_unique(m->base, &base);
	d.base = base.data;
	d.modseq = c->dst_modseq;
	struct buf sinfo = BUF_INIT, dinfo = BUF_INIT;
	if (rc == MAILINDEX_OK)
		rc = mi_info(c->ix, c->src, m->flags, m->keywords, false, &sinfo, err);
	if (rc == MAILINDEX_OK)
		rc = mi_info(c->ix, c->dst, d.flags, d.keywords, true, &dinfo, err);
	if (rc == MAILINDEX_OK && !mi_msg_find(c->src_dir, m->base, m->uid,
	    sinfo.data, &from)) {
		buf_printf(err, "message %u: its file is gone", (unsigned)m->uid);
		rc = MAILINDEX_FAIL;
	}
	mi_msg_file(c->dst_dir, d.base, d.uid, buf_cstr(&dinfo), &to);
	buf_free(&sinfo);
	buf_free(&dinfo);
	if (rc == MAILINDEX_OK && !(c->move ?
	    mi_file_move(c->undo, from.data, to.data, err) :
	    mi_file_link(c->undo, from.data, to.data, err)))
		rc = MAILINDEX_FAIL;
	if (rc == MAILINDEX_OK)
		rc = mi_msg_insert(c->ix, c->dst, &d, err);
	if (rc == MAILINDEX_OK)
		rc = copy_cache(c->ix, c->src, m->uid, c->dst, d.uid, err);
	if (rc == MAILINDEX_OK && c->move)
		rc = mi_msg_expunge_row(c->ix, c->src, m->uid, c->src_modseq, err);
	*new_uid = d.uid;
	buf_free(&from);
	buf_free(&to);
	buf_free(&base);
	return rc;
}

enum mailindex_rc mi_copy_locked(struct mailindex *ix, int64_t src,
    const uint32_t *uids, size_t n, int64_t dst, bool move,
    struct mailindex_copyuid *out, struct mi_undo *undo, struct buf *err)
{
	struct mailindex_mailbox smb = { 0 }, dmb = { 0 };
	struct buf sdir = BUF_INIT, ddir = BUF_INIT;
	struct mailindex_msgs msgs = { 0 };
	struct copy_ctx c = { ix, src, dst, NULL, NULL, move, 0, 0, undo };
	enum mailindex_rc rc = mi_mailbox_dir(ix, src, &smb, &sdir, err);
	if (rc == MAILINDEX_OK)
		rc = mi_mailbox_dir(ix, dst, &dmb, &ddir, err);
	if (rc == MAILINDEX_OK && move && src == dst) {
		buf_addstr(err, "cannot move messages into their own mailbox");
		rc = MAILINDEX_CANNOT;
	}
	if (rc == MAILINDEX_OK)
		rc = mi_msgs_of_uids(ix, src, uids, n, &msgs, err);
	out->uidvalidity = dmb.uidvalidity;
	c.src_dir = sdir.data;
	c.dst_dir = ddir.data;
	if (rc == MAILINDEX_OK && msgs.n > 0) {
		rc = mi_next_modseq(ix, dst, &c.dst_modseq, err);
		if (rc == MAILINDEX_OK && move)
			rc = mi_next_modseq(ix, src, &c.src_modseq, err);
	}
	for (size_t i = 0; i < msgs.n && rc == MAILINDEX_OK; i++) {
		uint32_t nu = 0;
		rc = copy_one(&c, &msgs.v[i], &nu, err);
		mi_uids_push(&out->src, msgs.v[i].uid);
		mi_uids_push(&out->dst, nu);
	}
	mailindex_msgs_free(&msgs);
	mailindex_mailbox_free(&smb);
	mailindex_mailbox_free(&dmb);
	buf_free(&sdir);
	buf_free(&ddir);
	return rc;
}

enum mailindex_rc mailindex_copy(struct mailindex *ix, int64_t src,
    const uint32_t *uids, size_t n, int64_t dst, bool move,
    struct mailindex_copyuid *out, struct buf *err)
{
	memset(out, 0, sizeof *out);
	enum mailindex_rc rc = mi_begin(ix, err);
	if (rc != MAILINDEX_OK)
		return rc;
	struct mi_undo u = { 0 };
	rc = mi_end(ix, mi_copy_locked(ix, src, uids, n, dst, move, out, &u, err),
	    err);
	if (rc != MAILINDEX_OK)
		mi_undo_rollback(&u);
	mi_undo_free(&u);
	if (rc == MAILINDEX_OK && move && out->src.n > 0)
		mi_folder_meta_save(ix, src);
	if (rc != MAILINDEX_OK)
		mailindex_copyuid_free(out);
	return rc;
}
