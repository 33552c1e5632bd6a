/* STORE (with UNCHANGEDSINCE), COPY, MOVE (RFC 6851), EXPUNGE and UID
 * EXPUNGE (RFC 4315), and the spam/ham signal of moves around Junk. */
#include "imap/session_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/msgstore.h"
#include "store/stream.h"

/* The UIDs of a command's set, ascending. False after answering BAD. */
static bool set_uids(struct imap_session *s, struct imap_command *c,
    struct imap_seqset *set, struct mailindex_uids *out)
{
	struct buf err = BUF_INIT;
	size_t *idx, n;
	out->v = NULL;
	out->n = 0;
	if (!view_resolve(s, set, c->uid, &idx, &n, &err)) {
		sess_tagged(s, c->tag, "BAD", NULL, buf_cstr(&err));
		buf_free(&err);
		return false;
	}
	out->v = xcalloc(n ? n : 1, sizeof *out->v);
	for (size_t i = 0; i < n; i++)
		out->v[out->n++] = s->view.msgs.v[idx[i]].uid;
	free(idx);
	buf_free(&err);
	return true;
}

static bool writable(struct imap_session *s, const char *tag)
{
	if (!s->view.readonly)
		return true;
	sess_tagged(s, tag, "NO", NULL, "Mailbox is read-only (EXAMINE)");
	return false;
}

/* Takes the changed rows into the view. */
static void take_changes(struct imap_session *s, struct mailindex_msgs *ch)
{
	for (size_t i = 0; i < ch->n; i++) {
		long at = view_find_uid(s, ch->v[i].uid);
		if (at < 0)
			continue;
		struct mailindex_msg *m = &s->view.msgs.v[at];
		m->flags = ch->v[i].flags;
		m->modseq = ch->v[i].modseq;
		free(m->keywords);
		m->keywords = ch->v[i].keywords;
		ch->v[i].keywords = NULL;
	}
}

/* FETCH responses of a STORE: every message of the set (RFC 3501 6.4.6)
 * unless .SILENT; with CONDSTORE the changed ones still get their MODSEQ
 * (RFC 7162 3.1.3). Messages that failed UNCHANGEDSINCE get none. All
 * three lists ascend by UID: one merged walk. */
static void store_fetches(struct imap_session *s, struct imap_command *c,
    const struct mailindex_uids *uids, const struct mailindex_msgs *ch,
    const struct mailindex_uids *modified)
{
	bool silent = c->u.store.silent;
	size_t k = 0, m = 0;
	for (size_t i = 0; i < uids->n; i++) {
		uint32_t uid = uids->v[i];
		while (k < ch->n && ch->v[k].uid < uid)
			k++;
		while (m < modified->n && modified->v[m] < uid)
			m++;
		long at = view_find_uid(s, uid);
		if (at < 0 || (m < modified->n && modified->v[m] == uid))
			continue;
		bool did = k < ch->n && ch->v[k].uid == uid;
		if (!silent)
			view_write_fetch(s, (size_t)at, true, c->uid);
		else if (did && s->condstore)
			view_write_fetch(s, (size_t)at, false, c->uid);
	}
}

/* [MODIFIED set]: sequence numbers for STORE, UIDs for UID STORE. */
static void modified_code(struct imap_session *s, struct imap_command *c,
    const struct mailindex_uids *modified, struct buf *code)
{
	struct imap_seqset set;
	imap_seqset_init(&set);
	for (size_t i = 0; i < modified->n; i++) {
		long at = view_find_uid(s, modified->v[i]);
		if (c->uid)
			imap_seqset_add(&set, modified->v[i]);
		else if (at >= 0)
			imap_seqset_add(&set, (uint32_t)at + 1);
	}
	buf_addstr(code, "MODIFIED ");
	imap_seqset_format(&set, code);
	imap_seqset_free(&set);
}

void cmd_store(struct imap_session *s, struct imap_command *c)
{
	struct imap_store_args *a = &c->u.store;
	struct buf kw = BUF_INIT, err = BUF_INIT, code = BUF_INIT;
	struct mailindex_uids uids = { 0 }, modified = { 0 };
	struct mailindex_msgs ch = { 0 };
	unsigned flags;
	if (!sess_parse_flags(&a->flags, &flags, &kw, &err)) {
		sess_tagged(s, c->tag, "BAD", NULL, buf_cstr(&err));
		goto out;
	}
	if (!writable(s, c->tag) || !set_uids(s, c, &a->set, &uids))
		goto out;
	if (a->has_unchangedsince)
		s->condstore = s->view.condstore = true;
	static const enum mailindex_store_op ops[] = {
		[IMAP_STORE_SET] = MAILINDEX_STORE_SET,
		[IMAP_STORE_ADD] = MAILINDEX_STORE_ADD,
		[IMAP_STORE_REMOVE] = MAILINDEX_STORE_REMOVE,
	};
	struct mailindex_store st = { ops[a->op], flags,
	    kw.len || a->op == IMAP_STORE_SET ? buf_cstr(&kw) : NULL,
	    a->unchangedsince };
	enum mailindex_rc rc = MAILINDEX_OK;
	if (a->has_unchangedsince && a->unchangedsince == 0) {
		/* Every message fails it (RFC 7162 3.1.3). */
		for (size_t i = 0; i < uids.n; i++)
			sess_uids_add(&modified, uids.v[i]);
	} else if (uids.n > 0) {
		rc = mailindex_store(s->ix, s->view.mbox, uids.v, uids.n, &st, &ch,
		    &modified, &err);
	}
	if (rc != MAILINDEX_OK) {
		view_refresh(s, c->uid);
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
		goto out;
	}
	view_check_keywords(s, &ch);
	take_changes(s, &ch);
	store_fetches(s, c, &uids, &ch, &modified);
	view_refresh(s, c->uid);
	if (modified.n > 0)
		modified_code(s, c, &modified, &code);
	sess_tagged(s, c->tag, "OK", modified.n ? code.data : NULL,
	    "STORE completed");
out:
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&uids);
	mailindex_uids_free(&modified);
	buf_free(&kw);
	buf_free(&err);
	buf_free(&code);
}

/* --- COPY / MOVE --- */

/* The first IMAP_TRAINING_MAX bytes of a message; false if unreadable. */
static bool training_text(struct imap_session *s, int64_t mbox, uint32_t uid,
    struct buf *out)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	struct istream *is = NULL;
	ssize_t r = 0;
	if (mailindex_msg_path(s->ix, mbox, uid, &path, &err) == MAILINDEX_OK)
		is = msgstore_open(buf_cstr(&path), s->have_pk ? s->pk : NULL,
		    s->sk, &err);
	buf_reserve(out, IMAP_TRAINING_MAX + 1);
	while (is != NULL && out->len < IMAP_TRAINING_MAX &&
	    (r = istream_read(is, out->data + out->len,
	    IMAP_TRAINING_MAX - out->len)) > 0)
		out->len += (size_t)r;
	bool ok = is != NULL && r >= 0;
	istream_free(is);
	buf_free(&path);
	buf_free(&err);
	return ok;
}

static void training_signals(struct imap_session *s,
    const struct mailindex_mailbox *src, const struct mailindex_mailbox *dst,
    const struct mailindex_copyuid *cu, bool move)
{
	bool into_junk = (dst->special & MAILINDEX_USE_JUNK) &&
	    !(src->special & MAILINDEX_USE_JUNK);
	/* Out of Junk into Trash is throwing spam away, not calling it ham. */
	bool out_of_junk = move && (src->special & MAILINDEX_USE_JUNK) &&
	    !(dst->special & (MAILINDEX_USE_JUNK | MAILINDEX_USE_TRASH));
	if (s->training == NULL || (!into_junk && !out_of_junk))
		return;
	struct buf msg = BUF_INIT;
	for (size_t i = 0; i < cu->dst.n; i++) {
		buf_reset(&msg);
		bool ok = training_text(s, dst->id, cu->dst.v[i], &msg);
		struct imap_training t = { dst->name, cu->uidvalidity,
		    cu->dst.v[i], into_junk, ok ? buf_cstr(&msg) : NULL,
		    ok ? msg.len : 0 };
		s->training(s->training_arg, &t);
	}
	buf_free(&msg);
}

static bool copy_quota_ok(struct imap_session *s, const struct mailindex_uids *u)
{
	uint64_t used = 0, msgs = 0, add = 0;
	struct buf err = BUF_INIT;
	if (s->quota == 0)
		return true;
	mailindex_usage(s->ix, &used, &msgs, &err);
	buf_free(&err);
	for (size_t i = 0; i < u->n; i++) {
		long at = view_find_uid(s, u->v[i]);
		if (at >= 0)
			add += s->view.msgs.v[at].size;
	}
	return used + add <= s->quota;
}

static void copyuid_code(const struct mailindex_copyuid *cu, struct buf *out)
{
	struct imap_seqset a, b;
	imap_seqset_init(&a);
	imap_seqset_init(&b);
	for (size_t i = 0; i < cu->src.n; i++)
		imap_seqset_add(&a, cu->src.v[i]);
	for (size_t i = 0; i < cu->dst.n; i++)
		imap_seqset_add(&b, cu->dst.v[i]);
	buf_printf(out, "COPYUID %u ", cu->uidvalidity);
	imap_seqset_format(&a, out);
	buf_addch(out, ' ');
	imap_seqset_format(&b, out);
	imap_seqset_free(&a);
	imap_seqset_free(&b);
}

void cmd_copy(struct imap_session *s, struct imap_command *c, bool move)
{
	struct imap_copy_args *a = &c->u.copy;
	struct mailindex_mailbox src = { 0 }, dst = { 0 };
	struct mailindex_uids uids = { 0 };
	struct mailindex_copyuid cu = { 0 };
	struct buf err = BUF_INIT, code = BUF_INIT;
	if ((move && !writable(s, c->tag)) || !set_uids(s, c, &a->set, &uids))
		goto out;
	enum mailindex_rc rc = mailindex_mailbox_get(s->ix, a->mailbox, &dst,
	    &err);
	if (rc == MAILINDEX_NOTFOUND) {
		sess_tagged(s, c->tag, "NO", "TRYCREATE", "No such mailbox");
		goto out;
	}
	if (rc == MAILINDEX_OK && !copy_quota_ok(s, &uids)) {
		sess_tagged(s, c->tag, "NO", "OVERQUOTA", "Quota exceeded");
		goto out;
	}
	if (rc == MAILINDEX_OK)
		rc = mailindex_mailbox_by_id(s->ix, s->view.mbox, &src, &err);
	if (rc == MAILINDEX_OK && uids.n > 0)
		rc = mailindex_copy(s->ix, s->view.mbox, uids.v, uids.n, dst.id,
		    move, &cu, &err);
	if (rc != MAILINDEX_OK) {
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
		goto out;
	}
	if (cu.dst.n > 0)
		copyuid_code(&cu, &code);
	if (move && code.len > 0)
		imap_w_status(&s->w, NULL, "OK", code.data, "Moved");
	/* MOVE's EXPUNGEs are its own: they are due even for MOVE by
	 * sequence number. */
	view_refresh(s, true);
	if (!s->closed)
		sess_tagged(s, c->tag, "OK", move || code.len == 0 ? NULL :
		    code.data, move ? "MOVE completed" : "COPY completed");
	training_signals(s, &src, &dst, &cu, move);
out:
	mailindex_copyuid_free(&cu);
	mailindex_mailbox_free(&src);
	mailindex_mailbox_free(&dst);
	mailindex_uids_free(&uids);
	buf_free(&err);
	buf_free(&code);
}

/* --- EXPUNGE / UID EXPUNGE --- */

void cmd_expunge(struct imap_session *s, struct imap_command *c)
{
	struct mailindex_uids uids = { 0 }, gone = { 0 };
	struct buf err = BUF_INIT;
	if (!writable(s, c->tag))
		goto out;
	if (c->uid && !set_uids(s, c, &c->u.expunge, &uids))
		goto out;
	enum mailindex_rc rc = MAILINDEX_OK;
	if (!c->uid || uids.n > 0)
		rc = mailindex_expunge(s->ix, s->view.mbox, c->uid ? uids.v : NULL,
		    uids.n, &gone, &err);
	view_refresh(s, true);
	if (s->closed)
		goto out;
	if (rc != MAILINDEX_OK)
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
	else
		sess_tagged(s, c->tag, "OK", NULL, "EXPUNGE completed");
out:
	mailindex_uids_free(&uids);
	mailindex_uids_free(&gone);
	buf_free(&err);
}
