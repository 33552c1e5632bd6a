/* SORT (RFC 5256 3, and DISPLAYFROM/DISPLAYTO of RFC 5957), the base
 * subject (RFC 5256 2.1), and the per-message keys SORT and THREAD use. */
#include "imap/view_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mail/addrlist.h"
#include "mail/encwords.h"
#include "mail/header.h"
#include "mail/msgid.h"

/* --- base subject --- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* subj-blob at s[*p]: "[" *BLOBCHAR "]" *WSP. */
static bool skip_blob(const char *s, size_t e, size_t *p)
{
	size_t q = *p;
	if (q >= e || s[q] != '[')
		return false;
	for (q++; q < e && s[q] != ']'; q++)
		if (s[q] == '[')
			return false;
	if (q >= e)
		return false;
	for (q++; q < e && is_ws(s[q]); q++)
		;
	*p = q;
	return true;
}

/* subj-refwd: ("re" / "fw" ["d"]) *WSP [subj-blob] ":". */
static bool skip_refwd(const char *s, size_t e, size_t *p)
{
	size_t q = *p;
	if (e - q >= 2 && strncasecmp(s + q, "re", 2) == 0)
		q += 2;
	else if (e - q >= 3 && strncasecmp(s + q, "fwd", 3) == 0)
		q += 3;
	else if (e - q >= 2 && strncasecmp(s + q, "fw", 2) == 0)
		q += 2;
	else
		return false;
	while (q < e && is_ws(s[q]))
		q++;
	(void)skip_blob(s, e, &q);
	if (q >= e || s[q] != ':')
		return false;
	*p = q + 1;
	return true;
}

/* Step 3: subj-leader = (*subj-blob subj-refwd) / WSP, repeated. */
static bool strip_leader(const char *s, size_t e, size_t *b)
{
	bool any = false;
	for (;;) {
		size_t q = *b;
		if (q < e && is_ws(s[q])) {
			*b = q + 1;
			continue;
		}
		while (skip_blob(s, e, &q))
			;
		if (!skip_refwd(s, e, &q))
			return any;
		*b = q;
		any = true;
	}
}

/* Steps 2 to 6 over s[b, e) (white space already collapsed). */
static void base_range(const char *s, size_t *bp, size_t *ep, bool *reply)
{
	size_t b = *bp, e = *ep;
	for (;;) {
		for (;;) {          /* 2: subj-trailer "(fwd)" / WSP */
			if (e > b && is_ws(s[e - 1]))
				e--;
			else if (e - b >= 5 && strncasecmp(s + e - 5, "(fwd)", 5) == 0) {
				e -= 5;
				*reply = true;
			} else
				break;
		}
		for (;;) {          /* 3, 4, 5 */
			size_t before = b, q;
			*reply |= strip_leader(s, e, &b);
			q = b;
			if (skip_blob(s, e, &q) && q < e)
				b = q;
			if (b == before)
				break;
		}
		/* 6: "[fwd:" ... "]" */
		if (e - b >= 6 && strncasecmp(s + b, "[fwd:", 5) == 0 &&
		    s[e - 1] == ']') {
			b += 5;
			e--;
			*reply = true;
			continue;
		}
		break;
	}
	*bp = b;
	*ep = e;
}

void sort_base_subject(const char *subj, size_t n, struct buf *out,
    bool *reply)
{
	struct buf dec = BUF_INIT, ws = BUF_INIT;
	*reply = false;
	ew_decode(subj, n, &dec);
	for (size_t i = 0; i < dec.len; i++) {  /* 1: collapse white space */
		char c = is_ws(dec.data[i]) ? ' ' : dec.data[i];
		if (c == ' ' && ws.len > 0 && ws.data[ws.len - 1] == ' ')
			continue;
		buf_addch(&ws, c);
	}
	size_t b = 0, e = ws.len;
	base_range(buf_cstr(&ws), &b, &e, reply);
	msgcache_fold(buf_cstr(&ws) + b, e - b, out);
	buf_free(&dec);
	buf_free(&ws);
}

/* --- per-message keys --- */

static char *fold_dup(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	msgcache_fold(s, n, &b);
	buf_addch(&b, '\0');    /* "" rather than NULL */
	b.len--;
	return buf_detach(&b);
}

/* The first address of a field: mailbox, and display name or address. */
static void first_addr(const char *h, size_t n, const char *name, char **mbox,
    char **display)
{
	struct buf v = BUF_INIT, d = BUF_INIT;
	struct addrlist l = { 0 };
	const struct mail_addr *a = NULL;
	if (hdr_get(h, n, name, &v))
		addrlist_parse(buf_cstr(&v), v.len, 16, &l);
	for (size_t i = 0; i < l.n && a == NULL; i++)
		if (l.v[i].mailbox != NULL && l.v[i].host != NULL)
			a = &l.v[i];
	*mbox = fold_dup(a ? a->mailbox : "", a ? strlen(a->mailbox) : 0);
	if (display != NULL) {
		if (a && a->name && *a->name)
			ew_decode(a->name, strlen(a->name), &d);
		else if (a)
			buf_printf(&d, "%s@%s", a->mailbox, a->host);
		*display = fold_dup(buf_cstr(&d), d.len);
	}
	addrlist_free(&l);
	buf_free(&v);
	buf_free(&d);
}

static void load_ids(const char *h, size_t n, struct msginfo *mi)
{
	struct buf v = BUF_INIT, id = BUF_INIT;
	size_t pos = 0, cap = 0;
	if (hdr_get(h, n, "Message-ID", &v) &&
	    msgid_next(buf_cstr(&v), v.len, &pos, &id) && id.len > 0)
		mi->msgid = xstrdup(buf_cstr(&id));
	if (!hdr_get(h, n, "References", &v) || v.len == 0) {
		/* In-Reply-To: its first id only (RFC 5256 3, step 1) */
		if (hdr_get(h, n, "In-Reply-To", &v)) {
			pos = 0;
			if (msgid_next(buf_cstr(&v), v.len, &pos, &id) && id.len) {
				mi->refs = xcalloc(1, sizeof(*mi->refs));
				mi->refs[mi->nrefs++] = xstrdup(buf_cstr(&id));
			}
		}
		goto out;
	}
	pos = 0;
	while (mi->nrefs < 1000 && msgid_next(buf_cstr(&v), v.len, &pos, &id)) {
		if (id.len == 0)
			continue;
		if (mi->nrefs == cap) {
			cap = cap ? cap * 2 : 8;
			mi->refs = xreallocarray(mi->refs, cap, sizeof(*mi->refs));
		}
		mi->refs[mi->nrefs++] = xstrdup(buf_cstr(&id));
	}
out:
	buf_free(&v);
	buf_free(&id);
}

void msginfo_load(struct view_cx *cx, size_t i, bool thread,
    struct msginfo *mi)
{
	const struct mailindex_msg *m = &cx->v->msgs.v[i];
	struct msgcache c;
	struct buf msg = BUF_INIT, subj = BUF_INIT, base = BUF_INIT;
	const char *h = "";
	size_t n = 0;
	memset(mi, 0, sizeof(*mi));
	mi->i = i;
	mi->date = m->internaldate;
	msgcache_init(&c);
	if (view_cached(cx, m, &c, true)) {
		if (c.sent != MSGCACHE_NO_DATE)
			mi->date = c.sent;
		if (c.has_header) {
			h = buf_cstr(&c.header);
			n = c.header.len;
		} else if (view_read(cx, m, &msg)) {
			h = buf_cstr(&msg);
			n = c.hdr_len < msg.len ? (size_t)c.hdr_len : msg.len;
		}
	}
	hdr_get(h, n, "Subject", &subj);
	sort_base_subject(buf_cstr(&subj), subj.len, &base, &mi->reply);
	mi->subject = fold_dup(buf_cstr(&base), base.len);
	first_addr(h, n, "From", &mi->from, &mi->dfrom);
	first_addr(h, n, "To", &mi->to, &mi->dto);
	first_addr(h, n, "Cc", &mi->cc, NULL);
	if (thread)
		load_ids(h, n, mi);
	msgcache_free(&c);
	buf_free(&msg);
	buf_free(&subj);
	buf_free(&base);
}

void msginfo_free(struct msginfo *mi)
{
	free(mi->subject);
	free(mi->from);
	free(mi->to);
	free(mi->cc);
	free(mi->dfrom);
	free(mi->dto);
	free(mi->msgid);
	for (size_t k = 0; k < mi->nrefs; k++)
		free(mi->refs[k]);
	free(mi->refs);
	memset(mi, 0, sizeof(*mi));
}

/* --- SORT --- */

struct sort_ctx {
	const struct imap_view *v;
	const struct imap_sort_crit *crit;
	size_t ncrit;
};

static int cmp_num(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_key(const struct sort_ctx *sc, const struct msginfo *a,
    const struct msginfo *b, enum imap_sort_key k)
{
	const struct mailindex_msg *ma = &sc->v->msgs.v[a->i],
	    *mb = &sc->v->msgs.v[b->i];
	switch (k) {
	case IMAP_SORT_ARRIVAL: return cmp_num(ma->internaldate, mb->internaldate);
	case IMAP_SORT_DATE: return cmp_num(a->date, b->date);
	case IMAP_SORT_SIZE: return cmp_num((int64_t)ma->size, (int64_t)mb->size);
	case IMAP_SORT_CC: return strcmp(a->cc, b->cc);
	case IMAP_SORT_FROM: return strcmp(a->from, b->from);
	case IMAP_SORT_TO: return strcmp(a->to, b->to);
	case IMAP_SORT_SUBJECT: return strcmp(a->subject, b->subject);
	case IMAP_SORT_DISPLAYFROM: return strcmp(a->dfrom, b->dfrom);
	case IMAP_SORT_DISPLAYTO: return strcmp(a->dto, b->dto);
	}
	return 0;
}

static int cmp_msg(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *sc = arg;
	const struct msginfo *a = pa, *b = pb;
	for (size_t k = 0; k < sc->ncrit; k++) {
		int r = cmp_key(sc, a, b, sc->crit[k].key);
		if (r != 0)
			return sc->crit[k].reverse ? -r : r;
	}
	return cmp_num((int64_t)a->i, (int64_t)b->i);     /* RFC 5256: seq order */
}

enum imap_view_rc msginfo_search(struct imap_view *v, const char *charset,
    const struct imap_search_key *key, bool uid, bool thread,
    struct msginfo **mi, size_t *n, struct buf *text)
{
	struct view_cx cx;
	size_t *idx = NULL;
	*mi = NULL;
	*n = 0;
	view_cx_init(&cx, v);
	enum imap_view_rc rc = view_search_run(&cx, charset, key, uid, &idx, n,
	    text);
	if (rc == IMAP_VIEW_OK) {
		*mi = xcalloc(*n + 1, sizeof(**mi));
		for (size_t k = 0; k < *n; k++)
			msginfo_load(&cx, idx[k], thread, &(*mi)[k]);
	}
	view_cx_done(&cx);
	free(idx);
	return rc;
}

enum imap_view_rc imap_view_sort(struct imap_view *v,
    const struct imap_sort_args *a, bool uid, struct imap_writer *w,
    struct buf *text)
{
	struct msginfo *mi;
	size_t n;
	if (a->has_return) {
		buf_set(text, "ESORT is not supported");
		return IMAP_VIEW_BAD;
	}
	enum imap_view_rc rc = msginfo_search(v, a->charset, a->key, uid, false,
	    &mi, &n, text);
	if (rc != IMAP_VIEW_OK)
		return rc;
	struct sort_ctx sc = { v, a->crit, a->ncrit };
	qsort_r(mi, n, sizeof(*mi), cmp_msg, &sc);
	imap_w_untagged(w);
	imap_w_atom(w, "SORT");
	for (size_t k = 0; k < n; k++) {
		imap_w_number(w, uid ? v->msgs.v[mi[k].i].uid : mi[k].i + 1);
		msginfo_free(&mi[k]);
	}
	imap_w_end(w);
	free(mi);
	return IMAP_VIEW_OK;
}
