/* The selected mailbox kept in step with the index: new messages become
 * EXISTS, expunges EXPUNGE (or VANISHED under QRESYNC), others' flag
 * changes FETCH FLAGS, new keywords a new FLAGS list. The view holds the
 * messages in UID order, which is sequence order. */
#include "imap/session_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

static void view_push(struct imap_session *s, struct mailindex_msg *m)
{
	struct mailindex_msgs *v = &s->view.msgs;
	if (v->n == s->msgs_cap) {
		s->msgs_cap = s->msgs_cap ? s->msgs_cap * 2 : 64;
		v->v = xreallocarray(v->v, s->msgs_cap, sizeof *v->v);
	}
	v->v[v->n++] = *m;
	m->keywords = m->base = NULL;       /* the view owns them now */
}

void view_clear(struct imap_session *s)
{
	mailindex_msgs_free(&s->view.msgs);
	mailindex_uids_free(&s->pending_expunge);
	imap_view_saved_clear(&s->view);    /* "$" belongs to one selection */
	s->msgs_cap = 0;
	buf_reset(&s->keywords);
}

enum mailindex_rc view_load(struct imap_session *s,
    const struct mailindex_mailbox *mb, struct buf *err)
{
	struct mailindex_msgs all = { 0 };
	enum mailindex_rc rc = mailindex_messages(s->ix, mb->id, 0, &all, err);
	view_clear(s);
	if (rc != MAILINDEX_OK)
		return rc;
	s->view.msgs = all;
	s->msgs_cap = all.n;
	s->uidvalidity = mb->uidvalidity;
	s->modseq_seen = mb->highestmodseq;
	s->recent = 0;
	return MAILINDEX_OK;
}

long view_find_uid(const struct imap_session *s, uint32_t uid)
{
	size_t lo = 0, hi = s->view.msgs.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t u = s->view.msgs.v[mid].uid;
		if (u == uid)
			return (long)mid;
		if (u < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static uint32_t max_uid(const struct imap_session *s)
{
	size_t n = s->view.msgs.n;
	return n ? s->view.msgs.v[n - 1].uid : 0;
}

bool view_resolve(struct imap_session *s, struct imap_seqset *set, bool uid,
    size_t **idx, size_t *n, struct buf *err)
{
	size_t count = s->view.msgs.n;
	*idx = NULL;
	*n = 0;
	if (set->saved) {
		/* "$": the UIDs SEARCH RETURN (SAVE) kept (RFC 5182), those of
		 * them still in the mailbox. */
		const struct mailindex_uids *sv = &s->view.saved;
		*idx = xcalloc(sv->n ? sv->n : 1, sizeof **idx);
		for (size_t i = 0; i < sv->n; i++) {
			long at = view_find_uid(s, sv->v[i]);
			if (at >= 0)
				(*idx)[(*n)++] = (size_t)at;
		}
		return true;
	}
	if (!uid) {
		for (size_t i = 0; i < set->n; i++) {
			uint32_t lo = set->r[i].lo, hi = set->r[i].hi;
			if ((lo != IMAP_SEQ_STAR && lo > count) ||
			    (hi != IMAP_SEQ_STAR && hi > count)) {
				buf_addstr(err, "Invalid message sequence number");
				return false;
			}
		}
	}
	uint32_t max = uid ? max_uid(s) : (uint32_t)count;
	if (max == 0)
		return true;
	imap_seqset_resolve(set, max);
	*idx = xcalloc(count ? count : 1, sizeof **idx);
	if (uid) {
		/* One walk over the view and the sorted ranges together, so
		 * neither a huge range nor many small ones cost more. */
		size_t r = 0;
		for (size_t i = 0; i < count && r < set->n; i++) {
			uint32_t u = s->view.msgs.v[i].uid;
			while (r < set->n && set->r[r].hi < u)
				r++;
			if (r < set->n && u >= set->r[r].lo)
				(*idx)[(*n)++] = i;
		}
		return true;
	}
	struct imap_seqset_iter it = { 0 };
	uint32_t cur;
	while (imap_seqset_next(set, &it, &cur) && *n < count)
		(*idx)[(*n)++] = cur - 1;
	return true;
}

void view_write_fetch(struct imap_session *s, size_t i, bool flags, bool uid)
{
	const struct mailindex_msg *m = &s->view.msgs.v[i];
	struct imap_writer *w = &s->w;
	imap_w_untagged(w);
	imap_w_number(w, i + 1);
	imap_w_atom(w, "FETCH");
	imap_w_open(w);
	if (uid || s->qresync) {
		imap_w_atom(w, "UID");
		imap_w_number(w, m->uid);
	}
	if (flags) {
		imap_w_atom(w, "FLAGS");
		sess_write_flags(w, m->flags, m->keywords);
	}
	if (s->condstore) {
		imap_w_atom(w, "MODSEQ");
		imap_w_open(w);
		imap_w_number(w, m->modseq);
		imap_w_close(w);
	}
	imap_w_close(w);
	imap_w_end(w);
}

void view_send_flags(struct imap_session *s)
{
	struct imap_writer *w = &s->w;
	struct buf err = BUF_INIT;
	buf_reset(&s->keywords);
	mailindex_keywords(s->ix, s->view.mbox, &s->keywords, &err);
	buf_free(&err);
	const char *kw = buf_cstr(&s->keywords);
	imap_w_untagged(w);
	imap_w_atom(w, "FLAGS");
	sess_write_flags(w, MAILINDEX_FLAGS_ALL, kw);
	imap_w_end(w);
	imap_w_untagged(w);
	imap_w_atom(w, "OK");
	imap_w_code_begin(w, "PERMANENTFLAGS");
	imap_w_open(w);
	if (!s->view.readonly) {
		sess_write_flag_atoms(w, MAILINDEX_FLAGS_ALL, kw);
		imap_w_atom(w, "\\*");
	}
	imap_w_close(w);
	imap_w_code_end(w);
	imap_w_text(w, s->view.readonly ? "Read-only mailbox" : "Flags permitted");
	imap_w_end(w);
}

/* --- expunges --- */

static bool uids_has(const struct mailindex_uids *u, uint32_t uid)
{
	size_t lo = 0, hi = u->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->v[mid] == uid)
			return true;
		if (u->v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void pending_add(struct imap_session *s, const struct mailindex_uids *u)
{
	struct mailindex_uids *p = &s->pending_expunge;
	/* Duplicates can only be among the sorted entries from before. */
	struct mailindex_uids before = *p;
	for (size_t i = 0; i < u->n; i++) {
		before.v = p->v;
		if (view_find_uid(s, u->v[i]) < 0 || uids_has(&before, u->v[i]))
			continue;
		sess_uids_add(p, u->v[i]);
	}
	if (p->n > 1)
		qsort(p->v, p->n, sizeof *p->v, cmp_u32);
}

/* Removes the pending UIDs from the view, announcing each. */
static void announce_expunges(struct imap_session *s)
{
	struct mailindex_uids *p = &s->pending_expunge;
	struct mailindex_msgs *v = &s->view.msgs;
	struct imap_seqset gone;
	if (p->n == 0)
		return;
	imap_seqset_init(&gone);
	/* Highest first: every number sent is still valid when it arrives. */
	for (size_t i = v->n; i-- > 0;) {
		if (!uids_has(p, v->v[i].uid))
			continue;
		if (!s->qresync) {
			imap_w_untagged(&s->w);
			imap_w_number(&s->w, i + 1);
			imap_w_atom(&s->w, "EXPUNGE");
			imap_w_end(&s->w);
		}
		free(v->v[i].keywords);
		free(v->v[i].base);
		v->v[i].keywords = v->v[i].base = NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (uids_has(p, v->v[i].uid))
			imap_seqset_add(&gone, v->v[i].uid);
		else
			v->v[k++] = v->v[i];
	}
	v->n = k;
	if (s->qresync && gone.n > 0) {
		imap_w_untagged(&s->w);
		imap_w_atom(&s->w, "VANISHED");
		imap_w_seqset(&s->w, &gone);
		imap_w_end(&s->w);
	}
	imap_seqset_free(&gone);
	mailindex_uids_free(p);
}

/* UIDs of the view that the index no longer has (its expunge history
 * did not reach back: it was rebuilt). */
static enum mailindex_rc diff_all(struct imap_session *s,
    struct mailindex_uids *out, struct buf *err)
{
	struct mailindex_msgs all = { 0 };
	enum mailindex_rc rc = mailindex_messages(s->ix, s->view.mbox, 0, &all,
	    err);
	size_t j = 0;
	for (size_t i = 0; rc == MAILINDEX_OK && i < s->view.msgs.n; i++) {
		uint32_t u = s->view.msgs.v[i].uid;
		while (j < all.n && all.v[j].uid < u)
			j++;
		if (j < all.n && all.v[j].uid == u)
			continue;
		sess_uids_add(out, u);
	}
	mailindex_msgs_free(&all);
	return rc;
}

/* --- flag changes and arrivals --- */

static bool keywords_known(const struct imap_session *s, const char *kw)
{
	const char *known = buf_cstr((struct buf *)&s->keywords);
	size_t klen = strlen(known);
	while (*kw) {
		size_t n = strcspn(kw, " ");
		bool found = false;
		for (const char *p = known; p < known + klen;) {
			size_t m = strcspn(p, " ");
			if (m == n && strncasecmp(p, kw, n) == 0)
				found = true;
			p += m + (p[m] == ' ');
		}
		if (!found)
			return false;
		kw += n + (kw[n] == ' ');
	}
	return true;
}

void view_check_keywords(struct imap_session *s,
    const struct mailindex_msgs *ch)
{
	for (size_t i = 0; i < ch->n; i++) {
		if (!keywords_known(s, ch->v[i].keywords)) {
			view_send_flags(s);
			return;
		}
	}
}

/* Applies changed rows: flag updates of known messages (FETCH), new
 * messages appended. Returns how many arrived. */
static size_t apply_changes(struct imap_session *s, struct mailindex_msgs *ch)
{
	size_t arrived = 0;
	view_check_keywords(s, ch);
	for (size_t i = 0; i < ch->n; i++) {
		struct mailindex_msg *m = &ch->v[i];
		long at = view_find_uid(s, m->uid);
		if (at < 0) {
			if (m->uid > max_uid(s)) {
				view_push(s, m);
				arrived++;
			}
			continue;
		}
		struct mailindex_msg *old = &s->view.msgs.v[at];
		bool differ = old->flags != m->flags ||
		    strcmp(old->keywords, m->keywords) != 0;
		bool newer = m->modseq > old->modseq;
		if (!differ && !newer)
			continue;
		old->flags = m->flags;
		free(old->keywords);
		old->keywords = m->keywords;
		m->keywords = NULL;
		old->modseq = m->modseq > old->modseq ? m->modseq : old->modseq;
		if (differ || s->condstore)
			view_write_fetch(s, (size_t)at, true, false);
	}
	return arrived;
}

static void announce_arrivals(struct imap_session *s, size_t arrived)
{
	if (arrived == 0)
		return;
	s->recent += (uint32_t)arrived;
	imap_w_untagged(&s->w);
	imap_w_number(&s->w, s->view.msgs.n);
	imap_w_atom(&s->w, "EXISTS");
	imap_w_end(&s->w);
	if (!s->rev2) {
		imap_w_untagged(&s->w);
		imap_w_number(&s->w, s->recent);
		imap_w_atom(&s->w, "RECENT");
		imap_w_end(&s->w);
	}
}

/* Reads what changed since modseq_seen. False: the mailbox is gone or
 * no longer the one the client selected (session closed). */
static bool collect(struct imap_session *s, struct mailindex_msgs *ch,
    struct mailindex_uids *gone, bool *changed)
{
	struct buf err = BUF_INIT;
	struct mailindex_mailbox mb = { 0 };
	bool complete = true, ok = true;
	enum mailindex_rc rc = mailindex_sync(s->ix, s->view.mbox, false, &err);
	if (rc == MAILINDEX_OK)
		rc = mailindex_mailbox_by_id(s->ix, s->view.mbox, &mb, &err);
	if (rc == MAILINDEX_NOTFOUND || (rc == MAILINDEX_OK &&
	    mb.uidvalidity != s->uidvalidity)) {
		sess_bye(s, "The selected mailbox was deleted or replaced");
		ok = false;
	}
	*changed = rc == MAILINDEX_OK && ok && mb.highestmodseq != s->modseq_seen;
	if (*changed) {
		rc = mailindex_expunged_since(s->ix, s->view.mbox, s->modseq_seen,
		    gone, &complete, &err);
		if (rc == MAILINDEX_OK && !complete) {
			mailindex_uids_free(gone);
			rc = diff_all(s, gone, &err);
		}
		if (rc == MAILINDEX_OK)
			rc = mailindex_messages(s->ix, s->view.mbox, s->modseq_seen,
			    ch, &err);
		if (rc == MAILINDEX_OK)
			s->modseq_seen = mb.highestmodseq;
		else
			*changed = false;   /* try again next time */
	}
	mailindex_mailbox_free(&mb);
	buf_free(&err);
	return ok;
}

void view_refresh(struct imap_session *s, bool allow_expunge)
{
	struct mailindex_msgs ch = { 0 };
	struct mailindex_uids gone = { 0 };
	bool changed = false;
	if (!s->selected || !collect(s, &ch, &gone, &changed))
		return;
	if (changed)
		pending_add(s, &gone);
	if (allow_expunge)
		announce_expunges(s);
	if (changed)
		announce_arrivals(s, apply_changes(s, &ch));
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&gone);
}
