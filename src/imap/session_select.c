/* SELECT, EXAMINE (with CONDSTORE and QRESYNC, RFC 7162), UNSELECT,
 * CLOSE. */
#include "imap/session_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void sess_deselect(struct imap_session *s)
{
	if (!s->selected)
		return;
	view_clear(s);
	free(s->sel_name);
	s->sel_name = NULL;
	memset(&s->view, 0, sizeof s->view);
	s->selected = false;
}

static void untagged_code(struct imap_session *s, const char *code,
    uint64_t n, const char *text)
{
	imap_w_untagged(&s->w);
	imap_w_atom(&s->w, "OK");
	imap_w_code_begin(&s->w, code);
	imap_w_number(&s->w, n);
	imap_w_code_end(&s->w);
	imap_w_text(&s->w, text);
	imap_w_end(&s->w);
}

static void untagged_count(struct imap_session *s, uint64_t n,
    const char *what)
{
	imap_w_untagged(&s->w);
	imap_w_number(&s->w, n);
	imap_w_atom(&s->w, what);
	imap_w_end(&s->w);
}

static void write_list_line(struct imap_session *s,
    const struct mailindex_mailbox *mb)
{
	imap_w_untagged(&s->w);
	imap_w_atom(&s->w, "LIST");
	imap_w_open(&s->w);
	const char *use = mailindex_special_name(mb->special);
	if (use != NULL)
		imap_w_atom(&s->w, use);
	imap_w_close(&s->w);
	imap_w_string(&s->w, "/", 1);
	imap_w_mailbox(&s->w, mb->name);
	imap_w_end(&s->w);
}

/* The UIDs of `known` (or 1:uidnext-1) that are not in the view: what a
 * client may still hold when the expunge history was lost. */
static void missing_uids(struct imap_session *s, const struct imap_qresync *q,
    uint32_t uidnext, struct mailindex_uids *out)
{
	for (uint32_t u = 1; u < uidnext; u++) {
		long at = view_find_uid(s, u);
		if (at >= 0)
			continue;
		if (q->has_known_uids && !imap_seqset_contains(&q->known_uids, u,
		    uidnext - 1))
			continue;
		sess_uids_add(out, u);
	}
}

/* RFC 7162 3.2.5.1: VANISHED (EARLIER) and FETCH of what changed since
 * the client's MODSEQ, when its UIDVALIDITY is still right. */
static void qresync_report(struct imap_session *s, const struct imap_qresync *q,
    const struct mailindex_mailbox *mb)
{
	struct mailindex_uids gone = { 0 };
	struct buf err = BUF_INIT;
	bool complete = true;
	if (q->uidvalidity != mb->uidvalidity)
		return;
	if (mailindex_expunged_since(s->ix, mb->id, q->modseq, &gone, &complete,
	    &err) == MAILINDEX_OK && !complete) {
		mailindex_uids_free(&gone);
		if (mb->uidnext - 1 <= 1000000u)   /* bounded work */
			missing_uids(s, q, mb->uidnext, &gone);
	}
	struct imap_seqset set;
	imap_seqset_init(&set);
	for (size_t i = 0; i < gone.n; i++)
		if (!q->has_known_uids || imap_seqset_contains(&q->known_uids,
		    gone.v[i], mb->uidnext ? mb->uidnext - 1 : 0))
			imap_seqset_add(&set, gone.v[i]);
	if (set.n > 0) {
		imap_w_untagged(&s->w);
		imap_w_atom(&s->w, "VANISHED");
		imap_w_open(&s->w);
		imap_w_atom(&s->w, "EARLIER");
		imap_w_close(&s->w);
		imap_w_seqset(&s->w, &set);
		imap_w_end(&s->w);
	}
	imap_seqset_free(&set);
	mailindex_uids_free(&gone);
	for (size_t i = 0; i < s->view.msgs.n; i++) {
		const struct mailindex_msg *m = &s->view.msgs.v[i];
		if (m->modseq <= q->modseq)
			continue;
		if (q->has_known_uids && !imap_seqset_contains(&q->known_uids,
		    m->uid, mb->uidnext ? mb->uidnext - 1 : 0))
			continue;
		view_write_fetch(s, i, true, true);
	}
	buf_free(&err);
}

static void select_responses(struct imap_session *s,
    const struct mailindex_mailbox *mb)
{
	view_send_flags(s);
	untagged_count(s, s->view.msgs.n, "EXISTS");
	if (!s->rev2) {
		untagged_count(s, 0, "RECENT");
		for (size_t i = 0; i < s->view.msgs.n; i++) {
			if (!(s->view.msgs.v[i].flags & MAILINDEX_SEEN)) {
				untagged_code(s, "UNSEEN", i + 1, "First unseen");
				break;
			}
		}
	}
	untagged_code(s, "UIDVALIDITY", mb->uidvalidity, "UIDs valid");
	untagged_code(s, "UIDNEXT", mb->uidnext, "Predicted next UID");
	untagged_code(s, "HIGHESTMODSEQ", mb->highestmodseq, "Highest");
	if (s->rev2)
		write_list_line(s, mb);
}

void cmd_select(struct imap_session *s, struct imap_command *c)
{
	const struct imap_select_args *a = &c->u.select;
	struct mailindex_mailbox mb = { 0 };
	struct buf err = BUF_INIT;
	if (a->qresync && !s->qresync) {
		sess_tagged(s, c->tag, "BAD", NULL, "QRESYNC is not enabled");
		return;
	}
	/* Leaving the old mailbox happens even if the new one fails. */
	if (s->selected && (s->qresync || s->rev2))
		imap_w_status(&s->w, NULL, "OK", "CLOSED", "Previous mailbox closed");
	sess_deselect(s);
	enum mailindex_rc rc = mailindex_mailbox_get(s->ix, a->mailbox, &mb, &err);
	if (rc == MAILINDEX_OK)
		rc = mailindex_sync(s->ix, mb.id, false, &err);
	if (rc == MAILINDEX_OK) {
		/* The sync may have changed the counters. */
		mailindex_mailbox_free(&mb);
		rc = mailindex_mailbox_get(s->ix, a->mailbox, &mb, &err);
	}
	if (rc == MAILINDEX_OK)
		rc = view_load(s, &mb, &err);
	if (rc != MAILINDEX_OK) {
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
		goto out;
	}
	if (a->condstore)
		s->condstore = true;
	s->selected = true;
	s->sel_name = xstrdup(mb.name);
	s->view.ix = s->ix;
	s->view.mbox = mb.id;
	s->view.maildir = s->maildir;
	s->view.readonly = c->type == IMAP_CMD_EXAMINE;
	s->view.condstore = s->condstore;
	s->view.utf8 = s->utf8;
	s->view.pk = s->have_pk ? s->pk : NULL;
	s->view.sk = s->sk;
	select_responses(s, &mb);
	if (a->qresync)
		qresync_report(s, &a->qr, &mb);
	sess_tagged(s, c->tag, "OK", s->view.readonly ? "READ-ONLY" :
	    "READ-WRITE", c->type == IMAP_CMD_EXAMINE ? "EXAMINE completed" :
	    "SELECT completed");
out:
	mailindex_mailbox_free(&mb);
	buf_free(&err);
}

void cmd_unselect(struct imap_session *s, struct imap_command *c,
    bool expunge)
{
	struct buf err = BUF_INIT;
	struct mailindex_uids gone = { 0 };
	/* CLOSE expunges silently (RFC 3501 6.4.2); not in EXAMINE. */
	if (expunge && !s->view.readonly)
		mailindex_expunge(s->ix, s->view.mbox, NULL, 0, &gone, &err);
	mailindex_uids_free(&gone);
	buf_free(&err);
	sess_deselect(s);
	sess_tagged(s, c->tag, "OK", NULL, expunge ? "CLOSE completed" :
	    "UNSELECT completed");
}
