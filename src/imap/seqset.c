/* Sequence sets: parsing, membership, resolution and formatting. */
#include "imap/seqset.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void
imap_seqset_init(struct imap_seqset *s)
{
	memset(s, 0, sizeof(*s));
}

void
imap_seqset_free(struct imap_seqset *s)
{
	if (s->cap)             /* else empty or arena-owned */
		free(s->r);
	memset(s, 0, sizeof(*s));
}

void
imap_seqset_add_range(struct imap_seqset *s, uint32_t lo, uint32_t hi)
{
	if (s->n >= s->cap) {
		size_t cap = s->n ? s->n * 2 : 4;

		if (s->cap == 0 && s->n > 0) {
			/* A command's set lives in its arena: copy, never
			 * realloc it (see seqset.h). */
			struct imap_range *r = xreallocarray(NULL, cap, sizeof(*r));
			memcpy(r, s->r, s->n * sizeof(*r));
			s->r = r;
		} else {
			s->r = xreallocarray(s->r, cap, sizeof(*s->r));
		}
		s->cap = cap;
	}
	s->r[s->n].lo = lo;
	s->r[s->n].hi = hi;
	s->n++;
}

void
imap_seqset_add(struct imap_seqset *s, uint32_t n)
{
	struct imap_range *last = s->n ? &s->r[s->n - 1] : NULL;

	if (last && last->lo != 0 && last->lo <= last->hi &&
	    last->hi != UINT32_MAX && last->hi + 1 == n) {
		last->hi = n;
		return;
	}
	if (last && last->lo <= n && n <= last->hi && last->lo != 0)
		return;
	imap_seqset_add_range(s, n, n);
}

/* seq-number = nz-number / "*"; returns bytes used or 0. */
static size_t
parse_seq_number(const char *p, const char *end, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (p < end && *p == '*') {
		*out = IMAP_SEQ_STAR;
		return 1;
	}
	if (p >= end || *p < '1' || *p > '9')
		return 0;
	while (p + i < end && p[i] >= '0' && p[i] <= '9') {
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > UINT32_MAX)
			return 0;
		i++;
	}
	*out = (uint32_t)v;
	return i;
}

bool
imap_seqset_parse(struct imap_seqset *s, const char *str, size_t len,
    bool allow_saved)
{
	const char *p = str, *end = str + len;

	imap_seqset_free(s);
	if (len == 1 && str[0] == '$') {
		s->saved = allow_saved;
		return allow_saved;
	}
	while (p < end) {
		uint32_t lo, hi;
		size_t k = parse_seq_number(p, end, &lo);

		if (k == 0)
			goto bad;
		p += k;
		hi = lo;
		if (p < end && *p == ':') {
			p++;
			if ((k = parse_seq_number(p, end, &hi)) == 0)
				goto bad;
			p += k;
		}
		imap_seqset_add_range(s, lo, hi);
		if (p == end)
			return true;
		if (*p != ',' || p + 1 == end)
			goto bad;
		p++;
	}
bad:
	imap_seqset_free(s);
	return false;
}

/* A range with '*' replaced by max and its ends in order. */
static void
range_bounds(const struct imap_range *r, uint32_t max, uint32_t *lo,
    uint32_t *hi)
{
	uint32_t a = r->lo ? r->lo : max, b = r->hi ? r->hi : max;

	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

bool
imap_seqset_contains(const struct imap_seqset *s, uint32_t n, uint32_t max)
{
	for (size_t i = 0; i < s->n; i++) {
		uint32_t lo, hi;

		range_bounds(&s->r[i], max, &lo, &hi);
		if (lo <= n && n <= hi && n != 0)
			return true;
	}
	return false;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

uint64_t
imap_seqset_resolve(struct imap_seqset *s, uint32_t max)
{
	size_t w = 0;
	uint64_t count = 0;

	for (size_t i = 0; i < s->n; i++) {
		uint32_t lo, hi;

		range_bounds(&s->r[i], max, &lo, &hi);
		if (hi > max)
			hi = max;
		if (lo == 0)
			lo = 1;
		if (lo > hi)
			continue;       /* wholly above max, or max is 0 */
		s->r[w].lo = lo;
		s->r[w].hi = hi;
		w++;
	}
	s->n = w;
	if (w == 0)
		return 0;
	qsort(s->r, w, sizeof(*s->r), range_cmp);
	w = 0;
	for (size_t i = 1; i < s->n; i++) {
		if ((uint64_t)s->r[i].lo <= (uint64_t)s->r[w].hi + 1) {
			if (s->r[i].hi > s->r[w].hi)
				s->r[w].hi = s->r[i].hi;
		} else {
			s->r[++w] = s->r[i];
		}
	}
	s->n = w + 1;
	for (size_t i = 0; i < s->n; i++)
		count += (uint64_t)s->r[i].hi - s->r[i].lo + 1;
	return count;
}

bool
imap_seqset_next(const struct imap_seqset *s, struct imap_seqset_iter *it,
    uint32_t *cur)
{
	while (it->i < s->n) {
		const struct imap_range *r = &s->r[it->i];

		if (it->next < r->lo)
			it->next = r->lo;
		if (it->next <= r->hi) {
			*cur = (uint32_t)it->next++;
			return true;
		}
		it->i++;
	}
	return false;
}

static void
format_number(struct buf *out, uint32_t n)
{
	if (n == IMAP_SEQ_STAR)
		buf_addch(out, '*');
	else
		buf_printf(out, "%u", n);
}

void
imap_seqset_format(const struct imap_seqset *s, struct buf *out)
{
	if (s->saved) {
		buf_addch(out, '$');
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			buf_addch(out, ',');
		format_number(out, s->r[i].lo);
		if (s->r[i].hi != s->r[i].lo) {
			buf_addch(out, ':');
			format_number(out, s->r[i].hi);
		}
	}
}

void
imap_seqset_copy(struct imap_seqset *dst, const struct imap_seqset *src)
{
	imap_seqset_init(dst);
	dst->saved = src->saved;
	for (size_t i = 0; i < src->n; i++)
		imap_seqset_add_range(dst, src->r[i].lo, src->r[i].hi);
}
