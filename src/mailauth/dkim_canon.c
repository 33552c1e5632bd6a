/* Canonicalisation algorithms "simple" and "relaxed" (RFC 6376 3.4.1-4). */
#include "mailauth/dkim_canon.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mail/header.h"

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* simple: the field unchanged, but line ends made CRLF. */
static void canon_simple(const char *f, size_t len, struct buf *out)
{
	buf_reserve(out, len + 8);
	for (size_t i = 0; i < len; i++) {
		if (f[i] == '\n' && (i == 0 || f[i - 1] != '\r'))
			buf_addch(out, '\r');
		buf_addch(out, f[i]);
	}
}

/* relaxed: name lower-cased, folds removed, WSP runs to one SP, WSP
 * around the colon and at the end removed. */
static void canon_relaxed(const char *f, size_t len, struct buf *out)
{
	const char *colon = memchr(f, ':', len);
	size_t nlen = colon ? (size_t)(colon - f) : len;
	while (nlen > 0 && is_wsp(f[nlen - 1]))
		nlen--;
	buf_reserve(out, len + 8);
	for (size_t i = 0; i < nlen; i++) {
		char c = f[i];
		buf_addch(out, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
	}
	buf_addch(out, ':');
	if (colon == NULL)
		return;
	bool space = false, started = false;
	for (size_t i = (size_t)(colon - f) + 1; i < len; i++) {
		char c = f[i];
		if (c == '\n' || (c == '\r' && i + 1 < len && f[i + 1] == '\n'))
			continue;
		if (is_wsp(c)) {
			space = started;
			continue;
		}
		if (space)
			buf_addch(out, ' ');
		buf_addch(out, c);
		space = false;
		started = true;
	}
}

void dkim_canon_field(enum dkim_canon c, const char *field, size_t len,
    bool crlf, struct buf *out)
{
	if (c == DKIM_CANON_SIMPLE)
		canon_simple(field, len, out);
	else
		canon_relaxed(field, len, out);
	if (crlf)
		buf_add(out, "\r\n", 2);
}

/* Field text without its final line end. */
static size_t field_len(const struct hdr_field *f)
{
	size_t n = f->line_len;
	if (n > 0 && f->line[n - 1] == '\n')
		n--;
	if (n > 0 && f->line[n - 1] == '\r')
		n--;
	return n;
}

static bool name_eq(const struct hdr_field *f, const char *name)
{
	size_t n = strlen(name);
	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

void dkim_canon_headers(enum dkim_canon c, const char *hdr, size_t len,
    const char *const *names, size_t nnames, const char *exclude,
    struct buf *out)
{
	struct hdr_iter it;
	struct hdr_field f, *v = NULL;
	bool *used = NULL;
	size_t n = 0, cap = 0;
	hdr_iter_init(&it, hdr, len);
	while (hdr_next(&it, &f)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof(*v));
			used = xreallocarray(used, cap, sizeof(*used));
		}
		used[n] = f.line == exclude;
		v[n++] = f;
	}
	for (size_t k = 0; k < nnames; k++)
		for (size_t i = n; i-- > 0;)
			if (!used[i] && name_eq(&v[i], names[k])) {
				used[i] = true;
				dkim_canon_field(c, v[i].line, field_len(&v[i]),
				    true, out);
				break;
			}
	free(v);
	free(used);
}

/* Body: canonical bytes are staged and hashed in blocks; only the first
 * limit of them are hashed, but all are counted. */
static void stage_flush(struct dkim_body *b)
{
	uint64_t room = b->total < b->limit ? b->limit - b->total : 0;
	size_t n = room < b->nstage ? (size_t)room : b->nstage;
	if (n > 0)
		EVP_DigestUpdate(b->md, b->stage, n);
	b->total += b->nstage;
	b->nstage = 0;
}

static inline void put(struct dkim_body *b, char c)
{
	if (b->nstage == sizeof(b->stage))
		stage_flush(b);
	b->stage[b->nstage++] = (unsigned char)c;
}

/* Before a byte of line content: the empty lines and the space it proves
 * were not trailing. */
static void put_pending(struct dkim_body *b)
{
	for (; b->blank_lines > 0; b->blank_lines--) {
		put(b, '\r');
		put(b, '\n');
	}
	if (b->space)
		put(b, ' ');
	b->space = false;
}

/* A run of line content, copied in blocks. */
static void content_run(struct dkim_body *b, const char *p, size_t n)
{
	if (b->blank_lines > 0 || b->space)
		put_pending(b);
	while (n > 0) {
		if (b->nstage == sizeof(b->stage))
			stage_flush(b);
		size_t k = sizeof(b->stage) - b->nstage;
		if (k > n)
			k = n;
		memcpy(b->stage + b->nstage, p, k);
		b->nstage += k;
		p += k;
		n -= k;
	}
	b->in_line = true;
}

static bool is_plain(char c, bool relaxed)
{
	return c != '\r' && c != '\n' && !(relaxed && (c == ' ' || c == '\t'));
}

static void line_end(struct dkim_body *b)
{
	if (b->in_line) {
		put(b, '\r');
		put(b, '\n');
	} else {
		b->blank_lines++;
	}
	b->in_line = false;
	b->space = false;
}

bool dkim_body_init(struct dkim_body *b, enum dkim_canon c, const EVP_MD *md,
    uint64_t limit)
{
	memset(b, 0, sizeof(*b));
	b->canon = c;
	b->limit = limit;
	b->md = EVP_MD_CTX_new();
	if (b->md == NULL || EVP_DigestInit_ex(b->md, md, NULL) != 1) {
		EVP_MD_CTX_free(b->md);
		b->md = NULL;
		return false;
	}
	return true;
}

void dkim_body_feed(struct dkim_body *b, const void *data, size_t n)
{
	const char *p = data;
	bool relaxed = b->canon == DKIM_CANON_RELAXED;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (b->cr) {
			b->cr = false;
			if (c == '\n') {
				line_end(b);
				continue;
			}
			content_run(b, "\r", 1);
		}
		if (c == '\r') {
			b->cr = true;
		} else if (c == '\n') {
			line_end(b);
		} else if (!is_plain(c, relaxed)) {
			b->space = true;        /* WSP, relaxed */
		} else {
			size_t j = i + 1;
			while (j < n && is_plain(p[j], relaxed))
				j++;
			content_run(b, p + i, j - i);
			i = j - 1;
		}
	}
}

bool dkim_body_final(struct dkim_body *b, unsigned char *digest,
    unsigned *dlen, uint64_t *total)
{
	if (b->cr)
		content_run(b, "\r", 1);
	b->cr = false;
	if (b->in_line)
		line_end(b);
	if (b->canon == DKIM_CANON_SIMPLE && b->total + b->nstage == 0) {
		put(b, '\r');       /* an empty body is one CRLF (3.4.3) */
		put(b, '\n');
	}
	stage_flush(b);
	if (total != NULL)
		*total = b->total;
	return EVP_DigestFinal_ex(b->md, digest, dlen) == 1;
}

void dkim_body_free(struct dkim_body *b)
{
	EVP_MD_CTX_free(b->md);
	b->md = NULL;
}
