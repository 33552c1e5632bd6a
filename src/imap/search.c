/* SEARCH and UID SEARCH (RFC 3501 6.4.4, RFC 9051 6.4.4) with ESEARCH
 * (RFC 4731), SEARCHRES (RFC 5182) and CONDSTORE's MODSEQ (RFC 7162).
 * Strings match case-insensitively as substrings of the UTF-8 text after
 * transfer encodings and RFC 2047 words are decoded (both sides
 * case-folded with libunistring). Header and body text come from the
 * message cache, so a search reads each message once, ever. */
#include "imap/view_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/xmalloc.h"
#include "mail/encwords.h"
#include "mail/header.h"

/* What one message's evaluation has fetched so far. */
struct smsg {
	struct view_cx *cx;
	size_t i;
	const struct mailindex_msg *m;
	struct msgcache c;
	bool tried_c, have_c;
	struct buf msg;             /* the whole message, when the cache lacks */
	bool tried_msg, have_msg;
	struct buf body;            /* folded body text (cache lacking) */
	bool have_body;
	struct buf hdr_text;        /* folded header text for TEXT */
	bool have_hdr_text;
	time_t now;
};

static bool get_cache(struct smsg *s)
{
	if (!s->tried_c) {
		s->tried_c = true;
		s->have_c = view_cached(s->cx, s->m, &s->c, true);
	}
	return s->have_c;
}

static bool get_msg(struct smsg *s)
{
	if (!s->tried_msg) {
		s->tried_msg = true;
		s->have_msg = view_read(s->cx, s->m, &s->msg);
	}
	return s->have_msg;
}

/* The header block: cached, or from the message when too big to cache. */
static bool get_header(struct smsg *s, const char **h, size_t *n)
{
	if (!get_cache(s))
		return false;
	if (s->c.has_header) {
		*h = buf_cstr(&s->c.header);
		*n = s->c.header.len;
		return true;
	}
	if (!get_msg(s))
		return false;
	*h = buf_cstr(&s->msg);
	*n = s->c.hdr_len < s->msg.len ? (size_t)s->c.hdr_len : s->msg.len;
	return true;
}

static bool get_body(struct smsg *s, const char **t, size_t *n)
{
	if (!get_cache(s))
		return false;
	if (s->c.has_text) {
		*t = buf_cstr(&s->c.text);
		*n = s->c.text.len;
		return true;
	}
	if (!s->have_body) {
		if (!get_msg(s))
			return false;
		msgcache_body_text(buf_cstr(&s->msg), s->msg.len, &s->body);
		s->have_body = true;
	}
	*t = buf_cstr(&s->body);
	*n = s->body.len;
	return true;
}

static bool contains(const char *hay, size_t n, const struct buf *needle)
{
	return needle->len == 0 ||
	    memmem(hay, n, needle->data, needle->len) != NULL;
}

/* A decoded, folded field value. */
static void field_text(const struct hdr_field *f, struct buf *out)
{
	struct buf raw = BUF_INIT, dec = BUF_INIT;
	hdr_unfold(f->value, f->value_len, &raw);
	ew_decode(buf_cstr(&raw), raw.len, &dec);
	msgcache_fold(buf_cstr(&dec), dec.len, out);
	buf_free(&raw);
	buf_free(&dec);
}

static bool header_has(struct smsg *s, const char *name,
    const struct buf *needle)
{
	const char *h;
	size_t n;
	struct hdr_iter it;
	struct hdr_field f;
	struct buf v = BUF_INIT;
	bool hit = false;
	if (!get_header(s, &h, &n))
		return false;
	hdr_iter_init(&it, h, n);
	while (!hit && hdr_next(&it, &f)) {
		if (!hdr_name_is(&f, name))
			continue;
		buf_reset(&v);
		field_text(&f, &v);
		hit = contains(buf_cstr(&v), v.len, needle);
	}
	buf_free(&v);
	return hit;
}

/* The folded header text: cached, or made once per message. */
static bool header_text(struct smsg *s, const char **t, size_t *n)
{
	const char *h;
	size_t hn;
	if (get_cache(s) && s->c.has_text) {
		*t = buf_cstr(&s->c.htext);
		*n = s->c.htext.len;
		return true;
	}
	if (!s->have_hdr_text && get_header(s, &h, &hn)) {
		msgcache_header_text(h, hn, &s->hdr_text);
		s->have_hdr_text = true;
	}
	*t = buf_cstr(&s->hdr_text);
	*n = s->hdr_text.len;
	return s->have_hdr_text;
}

static bool text_has(struct smsg *s, const struct buf *needle)
{
	const char *t;
	size_t n;
	if (header_text(s, &t, &n) && contains(t, n, needle))
		return true;
	return get_body(s, &t, &n) && contains(t, n, needle);
}

static bool keyword_has(const char *list, const char *kw)
{
	size_t kl = strlen(kw);
	for (const char *p = list ? list : ""; *p; ) {
		size_t l = strcspn(p, " ");
		if (l == kl && strncasecmp(p, kw, l) == 0)
			return true;
		p += l;
		p += *p == ' ';
	}
	return false;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t civil_days(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t day_of(int64_t t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

/* The Date: header's day as written (its own zone), else INTERNALDATE's. */
static int64_t sent_day(struct smsg *s)
{
	if (get_cache(s) && s->c.sent != MSGCACHE_NO_DATE)
		return day_of(s->c.sent + (int64_t)s->c.sent_tz * 60);
	return day_of(s->m->internaldate);
}

static int cmp_day(int64_t a, const struct imap_date *d)
{
	int64_t b = civil_days(d->year, d->month, d->day);
	return a < b ? -1 : a > b;
}

static bool match(struct smsg *s, const struct imap_search_key *k);

static bool match_string(struct smsg *s, const struct imap_search_key *k)
{
	static const char *const field[] = {
		[IMAP_SK_BCC] = "Bcc", [IMAP_SK_CC] = "Cc", [IMAP_SK_FROM] = "From",
		[IMAP_SK_SUBJECT] = "Subject", [IMAP_SK_TO] = "To",
	};
	struct buf needle = BUF_INIT;
	const char *t;
	size_t n;
	bool hit;
	msgcache_fold(k->str ? k->str : "", k->str ? strlen(k->str) : 0, &needle);
	if (k->type == IMAP_SK_HEADER)
		hit = header_has(s, k->field ? k->field : "", &needle);
	else if (k->type == IMAP_SK_BODY)
		hit = get_body(s, &t, &n) && contains(t, n, &needle);
	else if (k->type == IMAP_SK_TEXT)
		hit = text_has(s, &needle);
	else
		hit = header_has(s, field[k->type], &needle);
	buf_free(&needle);
	return hit;
}

static bool match_flag(const struct mailindex_msg *m,
    enum imap_search_key_type t)
{
	switch (t) {
	case IMAP_SK_ANSWERED: return m->flags & MAILINDEX_ANSWERED;
	case IMAP_SK_DELETED: return m->flags & MAILINDEX_DELETED;
	case IMAP_SK_DRAFT: return m->flags & MAILINDEX_DRAFT;
	case IMAP_SK_FLAGGED: return m->flags & MAILINDEX_FLAGGED;
	case IMAP_SK_SEEN: return m->flags & MAILINDEX_SEEN;
	case IMAP_SK_UNANSWERED: return !(m->flags & MAILINDEX_ANSWERED);
	case IMAP_SK_UNDELETED: return !(m->flags & MAILINDEX_DELETED);
	case IMAP_SK_UNDRAFT: return !(m->flags & MAILINDEX_DRAFT);
	case IMAP_SK_UNFLAGGED: return !(m->flags & MAILINDEX_FLAGGED);
	case IMAP_SK_UNSEEN: return !(m->flags & MAILINDEX_SEEN);
	/* no \Recent here (IMAP4rev2 dropped it): NEW and RECENT match none */
	case IMAP_SK_NEW: case IMAP_SK_RECENT: return false;
	default: return true;       /* ALL, OLD */
	}
}

static bool match_children(struct smsg *s, const struct imap_search_key *k)
{
	const struct imap_search_key *c = k->child;
	switch (k->type) {
	case IMAP_SK_NOT:
		return c != NULL && !match(s, c);
	case IMAP_SK_OR:
		return c != NULL && (match(s, c) ||
		    (c->next != NULL && match(s, c->next)));
	default:
		for (; c != NULL; c = c->next)
			if (!match(s, c))
				return false;
		return true;
	}
}

static bool match(struct smsg *s, const struct imap_search_key *k)
{
	const struct mailindex_msg *m = s->m;
	int64_t iday = day_of(m->internaldate);
	switch (k->type) {
	case IMAP_SK_AND: case IMAP_SK_OR: case IMAP_SK_NOT:
		return match_children(s, k);
	case IMAP_SK_KEYWORD: return keyword_has(m->keywords, k->str);
	case IMAP_SK_UNKEYWORD: return !keyword_has(m->keywords, k->str);
	case IMAP_SK_BCC: case IMAP_SK_BODY: case IMAP_SK_CC: case IMAP_SK_FROM:
	case IMAP_SK_SUBJECT: case IMAP_SK_TEXT: case IMAP_SK_TO:
	case IMAP_SK_HEADER:
		return match_string(s, k);
	case IMAP_SK_BEFORE: return cmp_day(iday, &k->date) < 0;
	case IMAP_SK_ON: return cmp_day(iday, &k->date) == 0;
	case IMAP_SK_SINCE: return cmp_day(iday, &k->date) >= 0;
	case IMAP_SK_SENTBEFORE: return cmp_day(sent_day(s), &k->date) < 0;
	case IMAP_SK_SENTON: return cmp_day(sent_day(s), &k->date) == 0;
	case IMAP_SK_SENTSINCE: return cmp_day(sent_day(s), &k->date) >= 0;
	case IMAP_SK_LARGER: return m->size > k->number;
	case IMAP_SK_SMALLER: return m->size < k->number;
	case IMAP_SK_OLDER:
		return (int64_t)s->now - m->internaldate >= (int64_t)k->number;
	case IMAP_SK_YOUNGER:
		return (int64_t)s->now - m->internaldate <= (int64_t)k->number;
	case IMAP_SK_UID: return view_in_set(s->cx->v, &k->set, true, s->i);
	case IMAP_SK_SEQSET: return view_in_set(s->cx->v, &k->set, false, s->i);
	case IMAP_SK_MODSEQ: return m->modseq >= k->number;
	default:
		return match_flag(m, k->type);
	}
}

static bool charset_ok(const char *cs)
{
	return cs == NULL || strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "US-ASCII") == 0;
}

enum imap_view_rc view_search_run(struct view_cx *cx, const char *charset,
    const struct imap_search_key *key, bool uid, size_t **idx, size_t *n,
    struct buf *text)
{
	struct imap_view *v = cx->v;
	(void)uid;
	*idx = NULL;
	*n = 0;
	if (!charset_ok(charset)) {
		buf_set(text, "[BADCHARSET (US-ASCII UTF-8)] Unsupported charset");
		return IMAP_VIEW_NO;
	}
	*idx = xcalloc(v->msgs.n + 1, sizeof(**idx));
	time_t now = time(NULL);
	for (size_t i = 0; i < v->msgs.n; i++) {
		struct smsg s = { .cx = cx, .i = i, .m = &v->msgs.v[i], .now = now };
		msgcache_init(&s.c);
		if (match(&s, key))
			(*idx)[(*n)++] = i;
		msgcache_free(&s.c);
		buf_free(&s.msg);
		buf_free(&s.body);
		buf_free(&s.hdr_text);
	}
	return IMAP_VIEW_OK;
}

static bool has_modseq_key(const struct imap_search_key *k)
{
	for (; k != NULL; k = k->next)
		if (k->type == IMAP_SK_MODSEQ || has_modseq_key(k->child))
			return true;
	return false;
}

static uint32_t id_of(const struct imap_view *v, size_t i, bool uid)
{
	return uid ? v->msgs.v[i].uid : (uint32_t)i + 1;
}

static void save_result(struct imap_view *v, const size_t *idx, size_t n,
    unsigned opts)
{
	bool only_ends = (opts & (IMAP_SEARCHRET_MIN | IMAP_SEARCHRET_MAX)) &&
	    !(opts & (IMAP_SEARCHRET_ALL | IMAP_SEARCHRET_COUNT));
	imap_view_saved_clear(v);
	v->saved.v = xcalloc(n + 1, sizeof(*v->saved.v));
	for (size_t k = 0; k < n; k++) {
		/* RFC 5182 2.4: with MIN/MAX alone only those are saved */
		if (only_ends && !((opts & IMAP_SEARCHRET_MIN) && k == 0) &&
		    !((opts & IMAP_SEARCHRET_MAX) && k == n - 1))
			continue;
		v->saved.v[v->saved.n++] = v->msgs.v[idx[k]].uid;
	}
}

static void w_esearch(const struct imap_view *v, const size_t *idx, size_t n,
    unsigned opts, bool uid, const char *tag, uint64_t modseq,
    struct imap_writer *w)
{
	imap_w_untagged(w);
	imap_w_atom(w, "ESEARCH");
	if (tag != NULL) {
		imap_w_open(w);
		imap_w_atom(w, "TAG");
		imap_w_string(w, tag, strlen(tag));
		imap_w_close(w);
	}
	if (uid)
		imap_w_atom(w, "UID");
	if ((opts & IMAP_SEARCHRET_MIN) && n > 0) {
		imap_w_atom(w, "MIN");
		imap_w_number(w, id_of(v, idx[0], uid));
	}
	if ((opts & IMAP_SEARCHRET_MAX) && n > 0) {
		imap_w_atom(w, "MAX");
		imap_w_number(w, id_of(v, idx[n - 1], uid));
	}
	if (opts & IMAP_SEARCHRET_COUNT) {
		imap_w_atom(w, "COUNT");
		imap_w_number(w, n);
	}
	if ((opts & IMAP_SEARCHRET_ALL) && n > 0) {
		struct imap_seqset all;
		imap_seqset_init(&all);
		for (size_t k = 0; k < n; k++)
			imap_seqset_add(&all, id_of(v, idx[k], uid));
		imap_w_atom(w, "ALL");
		imap_w_seqset(w, &all);
		imap_seqset_free(&all);
	}
	if (modseq > 0) {
		imap_w_atom(w, "MODSEQ");
		imap_w_number(w, modseq);
	}
	imap_w_end(w);
}

enum imap_view_rc imap_view_search(struct imap_view *v,
    const struct imap_search_args *a, bool uid, const char *tag,
    struct imap_writer *w, struct buf *text)
{
	struct view_cx cx;
	size_t *idx = NULL, n = 0;
	uint64_t modseq = 0;
	view_cx_init(&cx, v);
	enum imap_view_rc rc = view_search_run(&cx, a->charset, a->key, uid,
	    &idx, &n, text);
	view_cx_done(&cx);
	if (rc != IMAP_VIEW_OK) {
		/* RFC 5182 2.1: a failed SEARCH ... SAVE leaves "$" empty */
		if (a->has_return && (a->return_opts & IMAP_SEARCHRET_SAVE))
			imap_view_saved_clear(v);
		free(idx);
		return rc;
	}
	if (has_modseq_key(a->key))
		for (size_t k = 0; k < n; k++)
			if (v->msgs.v[idx[k]].modseq > modseq)
				modseq = v->msgs.v[idx[k]].modseq;
	unsigned opts = a->return_opts;
	if (a->has_return && (opts & IMAP_SEARCHRET_SAVE))
		save_result(v, idx, n, opts);
	if (a->has_return && (opts & ~(unsigned)IMAP_SEARCHRET_SAVE))
		w_esearch(v, idx, n, opts, uid, tag, modseq, w);
	if (!a->has_return) {
		imap_w_untagged(w);
		imap_w_atom(w, "SEARCH");
		for (size_t k = 0; k < n; k++)
			imap_w_number(w, id_of(v, idx[k], uid));
		if (modseq > 0) {
			imap_w_open(w);
			imap_w_atom(w, "MODSEQ");
			imap_w_number(w, modseq);
			imap_w_close(w);
		}
		imap_w_end(w);
	}
	free(idx);
	return IMAP_VIEW_OK;
}
