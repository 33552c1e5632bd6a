/* Reading messages for the read commands: streams, whole copies, and the
 * per-message cache (msgcache.h) with its batched writes. */
#include "imap/view_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/msgstore.h"
#include "store/stream.h"

#define PENDING_MAX 256     /* blobs per cache transaction */
#define READ_CHUNK (64u * 1024)

void imap_view_saved_clear(struct imap_view *v)
{
	mailindex_uids_free(&v->saved);
}

void view_cx_init(struct view_cx *cx, struct imap_view *v)
{
	memset(cx, 0, sizeof(*cx));
	cx->v = v;
	buf_init(&cx->err);
	cx->pending = xcalloc(PENDING_MAX, sizeof(*cx->pending));
	cx->pending_uid = xcalloc(PENDING_MAX, sizeof(*cx->pending_uid));
}

/* A cache that cannot be written only costs speed: nothing to report. */
static void flush(struct view_cx *cx)
{
	struct imap_view *v = cx->v;
	struct mailindex_cache_item items[PENDING_MAX];
	struct buf err = BUF_INIT;
	if (cx->npending == 0)
		return;
	if (v->sk != NULL && !cx->unlocked)
		cx->unlocked = mailindex_cache_unlock(v->ix, v->pk, v->sk, &err) ==
		    MAILINDEX_OK;
	for (size_t i = 0; i < cx->npending; i++) {
		items[i].uid = cx->pending_uid[i];
		items[i].data = buf_cstr(&cx->pending[i]);
		items[i].len = cx->pending[i].len;
	}
	if (v->sk == NULL || cx->unlocked)
		(void)mailindex_cache_put_many(v->ix, v->mbox, items,
		    cx->npending, v->sk ? v->pk : NULL, &err);
	for (size_t i = 0; i < cx->npending; i++)
		buf_free(&cx->pending[i]);
	cx->npending = 0;
	buf_free(&err);
}

void view_cx_done(struct view_cx *cx)
{
	flush(cx);
	free(cx->pending);
	free(cx->pending_uid);
	buf_free(&cx->err);
	memset(cx, 0, sizeof(*cx));
}

struct istream *view_open(struct view_cx *cx, const struct mailindex_msg *m)
{
	struct buf path = BUF_INIT;
	struct istream *is = NULL;
	buf_reset(&cx->err);
	if (mailindex_msg_path(cx->v->ix, cx->v->mbox, m->uid, &path,
	    &cx->err) == MAILINDEX_OK)
		is = msgstore_open(buf_cstr(&path), cx->v->pk, cx->v->sk,
		    &cx->err);
	buf_free(&path);
	if (is == NULL)
		cx->failed = true;
	return is;
}

bool view_read(struct view_cx *cx, const struct mailindex_msg *m,
    struct buf *out)
{
	struct istream *is = view_open(cx, m);
	ssize_t r = 0;
	buf_reset(out);
	if (is == NULL)
		return false;
	/* the size is only a hint: a wrong S= must not cost a huge buffer */
	buf_reserve(out, m->size < (64u << 20) ? (size_t)m->size + 1 : READ_CHUNK);
	for (;;) {
		buf_reserve(out, READ_CHUNK);
		r = istream_read(is, out->data + out->len, out->cap - out->len - 1);
		if (r <= 0)
			break;
		out->len += (size_t)r;
		out->data[out->len] = '\0';
	}
	if (r < 0) {
		buf_set(&cx->err, istream_error(is));
		cx->failed = true;
	}
	istream_free(is);
	return r == 0;
}

static void queue_put(struct view_cx *cx, uint32_t uid,
    const struct msgcache *c)
{
	if (cx->npending == PENDING_MAX)
		flush(cx);
	buf_reset(&cx->pending[cx->npending]);
	msgcache_encode(c, &cx->pending[cx->npending]);
	cx->pending_uid[cx->npending++] = uid;
}

void view_cache_built(struct view_cx *cx, const struct mailindex_msg *m,
    const char *msg, size_t len, struct msgcache *c)
{
	msgcache_build(msg, len, c);
	queue_put(cx, m->uid, c);
}

bool view_cached(struct view_cx *cx, const struct mailindex_msg *m,
    struct msgcache *c, bool build)
{
	struct imap_view *v = cx->v;
	struct buf blob = BUF_INIT;
	int r = mailindex_cache_get(v->ix, v->mbox, m->uid, v->pk, v->sk, &blob,
	    &cx->err);
	bool ok = r > 0 && msgcache_decode(buf_cstr(&blob), blob.len, c);
	if (ok && r == 2)       /* sealed by deliver: store the fast form */
		queue_put(cx, m->uid, c);
	if (!ok && build && view_read(cx, m, &blob)) {
		view_cache_built(cx, m, buf_cstr(&blob), blob.len, c);
		ok = true;
	}
	buf_free(&blob);
	return ok;
}

/* --- message sets --- */

static uint32_t set_max(const struct imap_view *v, bool uid)
{
	if (!uid)
		return (uint32_t)v->msgs.n;
	return v->msgs.n ? v->msgs.v[v->msgs.n - 1].uid : 0;
}

size_t view_index_of_uid(const struct imap_view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->msgs.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->msgs.v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool saved_has(const struct imap_view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->saved.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->saved.v[mid] == uid)
			return true;
		if (v->saved.v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool view_in_set(const struct imap_view *v, const struct imap_seqset *set,
    bool uid, size_t i)
{
	if (set->saved)
		return saved_has(v, v->msgs.v[i].uid);
	return imap_seqset_contains(set, uid ? v->msgs.v[i].uid : (uint32_t)i + 1,
	    set_max(v, uid));
}

static bool seqs_in_range(const struct imap_view *v,
    const struct imap_seqset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		uint32_t lo = set->r[i].lo, hi = set->r[i].hi;
		if ((lo == IMAP_SEQ_STAR || hi == IMAP_SEQ_STAR) && v->msgs.n == 0)
			return false;
		if (lo > v->msgs.n || hi > v->msgs.n)
			return false;
	}
	return true;
}

bool view_select(struct imap_view *v, struct imap_seqset *set, bool uid,
    size_t **idx, size_t *n)
{
	struct imap_seqset_iter it = { 0 };
	uint32_t cur;
	size_t cap = 16;
	*idx = NULL;
	*n = 0;
	if (set->saved) {
		*idx = xcalloc(v->saved.n + 1, sizeof(**idx));
		for (size_t i = 0; i < v->msgs.n; i++)
			if (saved_has(v, v->msgs.v[i].uid))
				(*idx)[(*n)++] = i;
		return true;
	}
	if (!uid && !seqs_in_range(v, set))
		return false;
	imap_seqset_resolve(set, set_max(v, uid));
	*idx = xcalloc(cap, sizeof(**idx));
	while (imap_seqset_next(set, &it, &cur)) {
		size_t i;
		if (uid) {
			i = view_index_of_uid(v, cur);
			if (i == v->msgs.n)
				break;
			if (v->msgs.v[i].uid != cur) {
				/* skip the gap to the next existing UID */
				it.next = v->msgs.v[i].uid;
				continue;
			}
		} else {
			i = cur - 1;
		}
		if (*n == cap) {
			cap *= 2;
			*idx = xreallocarray(*idx, cap, sizeof(**idx));
		}
		(*idx)[(*n)++] = i;
	}
	return true;
}
