/* FETCH and UID FETCH (RFC 3501 6.4.5, RFC 9051 6.4.5), with CONDSTORE's
 * CHANGEDSINCE and MODSEQ and QRESYNC's VANISHED (RFC 7162). */
#include "imap/view_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* Does the attribute set \Seen (BODY[...] without PEEK, RFC822,
 * RFC822.TEXT; BINARY[...] without PEEK too, RFC 3516)? */
static bool sets_seen(const struct imap_fetch_att *a)
{
	switch (a->type) {
	case IMAP_FA_RFC822: case IMAP_FA_RFC822_TEXT:
		return true;
	case IMAP_FA_BODY_SECTION: case IMAP_FA_BINARY:
		return !a->peek;
	default:
		return false;
	}
}

/* Marks the selected unseen messages \Seen; changed[k] says which of
 * idx changed (they report FLAGS). Failing to store is not fatal. */
static void mark_seen(struct imap_view *v, const size_t *idx, size_t n,
    bool *changed)
{
	uint32_t *uids = xcalloc(n + 1, sizeof(*uids));
	size_t nu = 0;
	struct mailindex_store st = { MAILINDEX_STORE_ADD, MAILINDEX_SEEN, NULL, 0 };
	struct mailindex_msgs ch = { 0 };
	struct mailindex_uids mod = { 0 };
	struct buf err = BUF_INIT;
	for (size_t k = 0; k < n; k++)
		if (!(v->msgs.v[idx[k]].flags & MAILINDEX_SEEN))
			uids[nu++] = v->msgs.v[idx[k]].uid;
	if (nu > 0 && mailindex_store(v->ix, v->mbox, uids, nu, &st, &ch, &mod,
	    &err) == MAILINDEX_OK) {
		for (size_t j = 0; j < ch.n; j++) {
			size_t i = view_index_of_uid(v, ch.v[j].uid);
			if (i == v->msgs.n || v->msgs.v[i].uid != ch.v[j].uid)
				continue;
			v->msgs.v[i].flags = ch.v[j].flags;
			v->msgs.v[i].modseq = ch.v[j].modseq;
			for (size_t k = 0; k < n; k++)
				changed[k] |= idx[k] == i;
		}
		mailindex_msgs_free(&ch);
		mailindex_uids_free(&mod);
	}
	buf_free(&err);
	free(uids);
}

/* "* VANISHED (EARLIER) uids": expunged since CHANGEDSINCE, in the set. */
static void vanished(struct imap_view *v, const struct imap_fetch_args *a,
    struct imap_writer *w)
{
	struct mailindex_uids ex = { 0 };
	struct mailindex_mailbox mb = { 0 };
	struct imap_seqset out;
	struct buf err = BUF_INIT;
	bool complete = true;
	imap_seqset_init(&out);
	if (mailindex_mailbox_by_id(v->ix, v->mbox, &mb, &err) != MAILINDEX_OK ||
	    mailindex_expunged_since(v->ix, v->mbox, a->changedsince, &ex,
	    &complete, &err) != MAILINDEX_OK)
		goto done;
	uint32_t max = mb.uidnext > 0 ? mb.uidnext - 1 : 0;
	if (complete) {
		for (size_t k = 0; k < ex.n; k++)
			if (imap_seqset_contains(&a->set, ex.v[k], max))
				imap_seqset_add(&out, ex.v[k]);
	} else {
		/* the history was lost: every UID that is not here */
		size_t i = 0;
		for (uint32_t u = 1; u <= max; u++) {
			while (i < v->msgs.n && v->msgs.v[i].uid < u)
				i++;
			if ((i == v->msgs.n || v->msgs.v[i].uid != u) &&
			    imap_seqset_contains(&a->set, u, max))
				imap_seqset_add(&out, u);
		}
	}
	if (out.n > 0) {
		imap_w_untagged(w);
		imap_w_atom(w, "VANISHED (EARLIER)");
		imap_w_seqset(w, &out);
		imap_w_end(w);
	}
done:
	imap_seqset_free(&out);
	mailindex_uids_free(&ex);
	mailindex_mailbox_free(&mb);
	buf_free(&err);
}

/* Raw pre-rendered IMAP text as the next item. */
static void w_raw(struct imap_writer *w, const struct buf *b)
{
	imap_w_atom(w, "");
	buf_add(w->out, b->data ? b->data : "", b->len);
}

/* RFC822, RFC822.HEADER, RFC822.TEXT as the BODY sections they are. */
static void as_section(const struct imap_fetch_att *a,
    struct imap_fetch_att *s)
{
	memset(s, 0, sizeof(*s));
	s->type = IMAP_FA_BODY_SECTION;
	s->peek = a->type == IMAP_FA_RFC822_HEADER;
	s->section.spec = a->type == IMAP_FA_RFC822 ? IMAP_SEC_NONE :
	    a->type == IMAP_FA_RFC822_HEADER ? IMAP_SEC_HEADER : IMAP_SEC_TEXT;
}

struct msg_out {
	const struct mailindex_msg *m;
	struct msgcache c;
	bool have_c;
	bool flags, uid, modseq;    /* already written */
	const char *no_text;
};

static bool write_att(struct view_cx *cx, struct msg_out *mo,
    const struct imap_fetch_att *a, struct imap_writer *w)
{
	const struct mailindex_msg *m = mo->m;
	const struct buf *pre = NULL;
	struct imap_fetch_att s;
	switch (a->type) {
	case IMAP_FA_FLAGS:
		imap_w_atom(w, "FLAGS");
		fetch_w_flags(w, m);
		mo->flags = true;
		return true;
	case IMAP_FA_UID:
		imap_w_atom(w, "UID");
		imap_w_number(w, m->uid);
		mo->uid = true;
		return true;
	case IMAP_FA_INTERNALDATE:
		imap_w_atom(w, "INTERNALDATE");
		imap_w_date_time(w, (time_t)m->internaldate, 0);
		return true;
	case IMAP_FA_RFC822_SIZE:
		imap_w_atom(w, "RFC822.SIZE");
		imap_w_number(w, m->size);
		return true;
	case IMAP_FA_MODSEQ:
		imap_w_atom(w, "MODSEQ");
		imap_w_open(w);
		imap_w_number(w, m->modseq);
		imap_w_close(w);
		mo->modseq = true;
		return true;
	case IMAP_FA_ENVELOPE: case IMAP_FA_BODY: case IMAP_FA_BODYSTRUCTURE:
		if (!mo->have_c && !(mo->have_c = view_cached(cx, m, &mo->c, true)))
			return false;
		pre = a->type == IMAP_FA_ENVELOPE ? &mo->c.envelope :
		    a->type == IMAP_FA_BODY ? &mo->c.body : &mo->c.bodystructure;
		imap_w_fetch_att_name(w, a);
		w_raw(w, pre);
		return true;
	case IMAP_FA_RFC822: case IMAP_FA_RFC822_HEADER: case IMAP_FA_RFC822_TEXT:
		as_section(a, &s);
		imap_w_fetch_att_name(w, a);
		return fetch_section(cx, m, &s, &mo->c, &mo->have_c, w,
		    &mo->no_text);
	default:
		imap_w_fetch_att_name(w, a);
		return fetch_section(cx, m, a, &mo->c, &mo->have_c, w,
		    &mo->no_text);
	}
}

/* One "* n FETCH (...)" line; on failure nothing of it is left. */
static bool write_msg(struct view_cx *cx, size_t i,
    const struct imap_fetch_args *a, bool uid, bool changed,
    struct imap_writer *w, const char **no_text)
{
	struct imap_view *v = cx->v;
	struct msg_out mo = { .m = &v->msgs.v[i] };
	size_t start = w->out->len;
	bool ok = true;
	msgcache_init(&mo.c);
	imap_w_untagged(w);
	imap_w_number(w, i + 1);
	imap_w_atom(w, "FETCH");
	imap_w_open(w);
	for (size_t k = 0; ok && k < a->natts; k++)
		ok = write_att(cx, &mo, &a->atts[k], w);
	if (ok && uid && !mo.uid) {
		imap_w_atom(w, "UID");
		imap_w_number(w, mo.m->uid);
	}
	if (ok && changed && !mo.flags) {
		imap_w_atom(w, "FLAGS");
		fetch_w_flags(w, mo.m);
		mo.flags = true;
	}
	if (ok && !mo.modseq && (a->has_changedsince ||
	    (v->condstore && mo.flags))) {
		imap_w_atom(w, "MODSEQ");
		imap_w_open(w);
		imap_w_number(w, mo.m->modseq);
		imap_w_close(w);
	}
	imap_w_close(w);
	imap_w_end(w);
	if (!ok) {
		w->out->len = start;
		if (w->out->data)
			w->out->data[start] = '\0';
		if (mo.no_text)
			*no_text = mo.no_text;
	}
	msgcache_free(&mo.c);
	return ok;
}

enum imap_view_rc imap_view_fetch(struct imap_view *v,
    const struct imap_fetch_args *a, bool uid, struct imap_writer *w,
    struct buf *text)
{
	struct imap_fetch_args args = *a;     /* the set is resolved in place */
	struct view_cx cx;
	size_t *idx = NULL, n = 0, kept = 0;
	bool seen = false, all_ok = true;
	const char *no_text = NULL;

	if (a->vanished && uid && a->has_changedsince)
		vanished(v, a, w);
	if (!view_select(v, &args.set, uid, &idx, &n)) {
		buf_set(text, "Invalid message sequence number");
		free(idx);
		return IMAP_VIEW_BAD;
	}
	for (size_t k = 0; k < n; k++)
		if (!a->has_changedsince ||
		    v->msgs.v[idx[k]].modseq > a->changedsince)
			idx[kept++] = idx[k];
	for (size_t k = 0; k < a->natts; k++)
		seen |= sets_seen(&a->atts[k]);
	bool *changed = xcalloc(kept + 1, sizeof(*changed));
	if (seen && !v->readonly)
		mark_seen(v, idx, kept, changed);
	view_cx_init(&cx, v);
	for (size_t k = 0; k < kept; k++)
		all_ok &= write_msg(&cx, idx[k], a, uid, changed[k], w, &no_text);
	view_cx_done(&cx);
	free(changed);
	free(idx);
	if (all_ok)
		return IMAP_VIEW_OK;
	buf_set(text, no_text ? no_text :
	    "[SERVERBUG] Some messages could not be read");
	return IMAP_VIEW_NO;
}
