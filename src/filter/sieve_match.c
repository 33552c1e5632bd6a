/* Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric),
 * :contains, the :matches wildcards with their match variables, and the
 * relational operators (RFC 5231). Searches use memmem (linear) where
 * they can, so a 1 MiB body and a long key stay cheap. */
#include "filter/sieve_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

bool sv_cmp_parse(const char *name, enum sv_cmp *out)
{
	if (!strcmp(name, "i;ascii-casemap"))
		*out = SV_CMP_CASEMAP;
	else if (!strcmp(name, "i;octet"))
		*out = SV_CMP_OCTET;
	else if (!strcmp(name, "i;ascii-numeric"))
		*out = SV_CMP_NUMERIC;
	else
		return false;
	return true;
}

bool sv_rel_parse(const char *name, enum sv_rel *out)
{
	static const char *const names[] = { "gt", "ge", "lt", "le", "eq", "ne" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(name, names[i])) {
			*out = (enum sv_rel)i;
			return true;
		}
	return false;
}

bool sv_rel_holds(enum sv_rel r, int order)
{
	switch (r) {
	case SV_REL_GT: return order > 0;
	case SV_REL_GE: return order >= 0;
	case SV_REL_LT: return order < 0;
	case SV_REL_LE: return order <= 0;
	case SV_REL_EQ: return order == 0;
	case SV_REL_NE: return order != 0;
	}
	return false;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* i;ascii-numeric: the leading digits as a number; none is infinity. */
static int numeric_order(const char *a, size_t alen, const char *b,
    size_t blen)
{
	size_t an = 0, bn = 0;
	while (an < alen && a[an] >= '0' && a[an] <= '9')
		an++;
	while (bn < blen && b[bn] >= '0' && b[bn] <= '9')
		bn++;
	if (an == 0 || bn == 0)
		return (an == 0) - (bn == 0);
	while (an > 1 && *a == '0') {
		a++;
		an--;
	}
	while (bn > 1 && *b == '0') {
		b++;
		bn--;
	}
	if (an != bn)
		return an < bn ? -1 : 1;
	int c = memcmp(a, b, an);
	return (c > 0) - (c < 0);
}

int sv_cmp_order(enum sv_cmp c, const char *a, size_t alen, const char *b,
    size_t blen)
{
	if (c == SV_CMP_NUMERIC)
		return numeric_order(a, alen, b, blen);
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (c == SV_CMP_CASEMAP) {
			x = (unsigned char)lower((char)x);
			y = (unsigned char)lower((char)y);
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (alen > blen) - (alen < blen);
}

static char *lowered(const char *s, size_t n)
{
	char *o = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		o[i] = lower(s[i]);
	o[n] = '\0';
	return o;
}

bool sv_contains(enum sv_cmp c, const char *hay, size_t hlen,
    const char *needle, size_t nlen)
{
	if (c != SV_CMP_CASEMAP)
		return memmem(hay, hlen, needle, nlen) != NULL || nlen == 0;
	char *h = lowered(hay, hlen), *n = lowered(needle, nlen);
	bool found = nlen == 0 || memmem(h, hlen, n, nlen) != NULL;
	free(h);
	free(n);
	return found;
}

/* A pattern as tokens: 'l' literal byte c, '?' one character, '*'. */
struct gtok {
	char type, c;
};

struct span {
	size_t off, len;
};

struct glob {
	enum sv_cmp cmp;
	const char *s;
	size_t slen;
	const char *ls;          /* s lower-cased for memmem (casemap) */
	struct gtok *t;
	size_t nt;
	struct span *w;          /* each wildcard's text */
	size_t nw;
};

static size_t tokenize(const char *pat, struct gtok *t)
{
	size_t n = 0;
	for (const char *p = pat; *p; p++) {
		if (*p == '\\' && p[1] != '\0') {
			t[n++] = (struct gtok){ 'l', *++p };
		} else if (*p == '*') {
			t[n++] = (struct gtok){ '*', 0 };
		} else {
			t[n++] = (struct gtok){ *p == '?' ? '?' : 'l', *p };
		}
	}
	return n;
}

/* Bytes of the character at s (one for i;octet). */
static size_t char_len(const struct glob *g, size_t pos)
{
	if (g->cmp == SV_CMP_OCTET)
		return 1;
	unsigned char b = (unsigned char)g->s[pos];
	size_t n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
	size_t left = g->slen - pos;
	for (size_t i = 1; i < n && i < left; i++)
		if (((unsigned char)g->s[pos + i] & 0xc0) != 0x80)
			return i;
	return n < left ? n : left;
}

static bool byte_eq(const struct glob *g, char a, char b)
{
	return g->cmp == SV_CMP_CASEMAP ? lower(a) == lower(b) : a == b;
}

/* Matches tokens [t0, t1) at pos; the end in *end. wi: index of the
 * first '?' among the wildcards, for its span. */
static bool seg_at(struct glob *g, size_t t0, size_t t1, size_t pos,
    size_t wi, size_t *end)
{
	for (size_t i = t0; i < t1; i++) {
		if (pos >= g->slen)
			return false;
		if (g->t[i].type == '?') {
			size_t n = char_len(g, pos);
			g->w[wi++] = (struct span){ pos, n };
			pos += n;
		} else if (byte_eq(g, g->s[pos], g->t[i].c)) {
			pos++;
		} else {
			return false;
		}
	}
	*end = pos;
	return true;
}

static bool seg_has_q(const struct glob *g, size_t t0, size_t t1)
{
	for (size_t i = t0; i < t1; i++)
		if (g->t[i].type == '?')
			return true;
	return false;
}

/* Leftmost occurrence of a segment at or after *pos: its start in *pos,
 * its end in *end. */
static bool seg_find(struct glob *g, size_t t0, size_t t1, size_t wi,
    size_t *pos, size_t *end)
{
	if (!seg_has_q(g, t0, t1)) {
		size_t n = t1 - t0;
		char *lit = xmalloc(n + 1);
		for (size_t i = 0; i < n; i++)
			lit[i] = g->cmp == SV_CMP_CASEMAP ? lower(g->t[t0 + i].c) :
			    g->t[t0 + i].c;
		const char *hay = g->ls ? g->ls : g->s;
		const char *f = memmem(hay + *pos, g->slen - *pos, lit, n);
		free(lit);
		if (f == NULL)
			return false;
		*pos = (size_t)(f - hay);
		*end = *pos + n;
		return true;
	}
	for (size_t p = *pos; p < g->slen; p++)
		if (seg_at(g, t0, t1, p, wi, end)) {
			*pos = p;
			return true;
		}
	return false;
}

static size_t wild_count(const struct glob *g, size_t t0, size_t t1)
{
	size_t n = 0;
	for (size_t i = t0; i < t1; i++)
		n += g->t[i].type != 'l';
	return n;
}

/* The last segment must end the string: try each start from pos on. */
static bool seg_tail(struct glob *g, size_t t0, size_t t1, size_t wi,
    size_t *pos)
{
	size_t end;
	if (!seg_has_q(g, t0, t1)) {
		size_t n = t1 - t0;
		if (g->slen - *pos < n)
			return false;
		*pos = g->slen - n;
		return seg_at(g, t0, t1, *pos, wi, &end);
	}
	for (size_t p = *pos; p <= g->slen; p++)
		if (seg_at(g, t0, t1, p, wi, &end) && end == g->slen) {
			*pos = p;
			return true;
		}
	return false;
}

static bool glob_run(struct glob *g)
{
	size_t pos = 0, ti = 0, wi = 0;
	/* The head, before the first '*', is anchored at the start. */
	size_t t1 = 0;
	while (t1 < g->nt && g->t[t1].type != '*')
		t1++;
	if (t1 == g->nt) {
		size_t end;
		return seg_at(g, 0, t1, 0, 0, &end) && end == g->slen;
	}
	if (!seg_at(g, 0, t1, 0, 0, &pos))
		return false;
	wi = wild_count(g, 0, t1);
	ti = t1;
	for (;;) {
		/* g->t[ti] is a '*': its text runs to the next segment. */
		size_t star = wi++;
		size_t s0 = ++ti;
		while (ti < g->nt && g->t[ti].type != '*')
			ti++;
		size_t start = pos, end;
		if (ti == g->nt) {
			if (!seg_tail(g, s0, ti, wi, &pos))
				return false;
			g->w[star] = (struct span){ start, pos - start };
			return true;
		}
		if (!seg_find(g, s0, ti, wi, &pos, &end))
			return false;
		g->w[star] = (struct span){ start, pos - start };
		wi += wild_count(g, s0, ti);
		pos = end;
	}
}

bool sv_glob(enum sv_cmp c, const char *s, size_t slen, const char *pat,
    struct buf *caps, size_t ncaps, size_t *ncaught)
{
	size_t plen = strlen(pat);
	struct glob g = { .cmp = c, .s = s, .slen = slen };
	g.t = xcalloc(plen + 1, sizeof *g.t);
	g.nt = tokenize(pat, g.t);
	g.nw = wild_count(&g, 0, g.nt);
	g.w = xcalloc(g.nw + 1, sizeof *g.w);
	char *ls = c == SV_CMP_CASEMAP ? lowered(s, slen) : NULL;
	g.ls = ls;
	bool ok = glob_run(&g);
	if (ok && caps != NULL) {
		*ncaught = g.nw < ncaps ? g.nw : ncaps;
		for (size_t i = 0; i < *ncaught; i++) {
			buf_reset(&caps[i]);
			buf_add(&caps[i], s + g.w[i].off, g.w[i].len);
		}
	}
	free(ls);
	free(g.t);
	free(g.w);
	return ok;
}
