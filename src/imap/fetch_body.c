/* FETCH BODY[section]<partial>, RFC822*, BINARY[...] and BINARY.SIZE
 * (RFC 3501 6.4.5, RFC 3516). The whole message and its text are
 * streamed from the store into the response, so a partial fetch of a big
 * message never holds it; other sections need the part tree, built from
 * one copy of the message. Literals never carry NUL: BODY data gets
 * 0x80 instead (as Dovecot does), BINARY data with NUL goes as literal8. */
#include "imap/view_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mail/decode.h"
#include "mail/header.h"
#include "store/stream.h"

#define STREAM_CHUNK (64u * 1024)

static void nul_replace(char *p, size_t n)
{
	char *end = p + n;
	while ((p = memchr(p, '\0', (size_t)(end - p))) != NULL)
		*p++ = (char)0x80;
}

/* The bytes of [off, off + len) that a partial <o.n> selects. */
static void apply_partial(const struct imap_fetch_att *a, uint64_t *off,
    uint64_t *len)
{
	if (!a->partial)
		return;
	if (a->offset >= *len) {
		*off += *len;
		*len = 0;
		return;
	}
	*off += a->offset;
	*len -= a->offset;
	if (*len > a->length)
		*len = a->length;
}

static void w_data(struct imap_writer *w, const char *p, size_t n,
    bool binary)
{
	if (binary && memchr(p, '\0', n) != NULL) {
		imap_w_literal8(w, p, n);
		return;
	}
	imap_w_literal(w, p, n);
	nul_replace(w->out->data + w->out->len - n, n);
}

/* Replaces the literal header at [hstart, hend) of out by the one for
 * the n bytes that follow it. */
static void fix_literal(struct buf *out, size_t hstart, size_t hend,
    uint64_t n, bool binary)
{
	char h[32];
	int hl = snprintf(h, sizeof h, "%s{%llu}\r\n", binary ? "~" : "",
	    (unsigned long long)n);
	size_t old = hend - hstart, data = out->len - hend;
	if (hl < 0 || (size_t)hl == old) {
		if (hl > 0)
			memcpy(out->data + hstart, h, (size_t)hl);
		return;
	}
	if ((size_t)hl > old)
		buf_reserve(out, (size_t)hl - old);
	memmove(out->data + hstart + hl, out->data + hend, data);
	memcpy(out->data + hstart, h, (size_t)hl);
	out->len = hstart + (size_t)hl + data;
	out->data[out->len] = '\0';
}

/* Streams at most len bytes from off of the message into a literal
 * (len UINT64_MAX: to the end). expect is what the index's size says it
 * will be; the literal's header is corrected if the stream disagrees. */
static bool stream_range(struct view_cx *cx, const struct mailindex_msg *m,
    uint64_t off, uint64_t len, uint64_t expect, bool binary,
    struct imap_writer *w)
{
	struct buf *out = w->out;
	struct istream *is = view_open(cx, m);
	char *skip;
	ssize_t r = 0;
	if (is == NULL)
		return false;
	imap_w_literal_header(w, expect, false);
	size_t hend = out->len, hstart = out->len;
	while (hstart > 0 && out->data[hstart - 1] != '{')
		hstart--;
	hstart--;
	skip = xmalloc(STREAM_CHUNK);
	while (off > 0 && (r = istream_read(is, skip,
	    off < STREAM_CHUNK ? (size_t)off : STREAM_CHUNK)) > 0)
		off -= (uint64_t)r;
	free(skip);
	uint64_t got = 0;
	while (r >= 0 && got < len) {
		size_t want = len - got < STREAM_CHUNK ? (size_t)(len - got) :
		    STREAM_CHUNK;
		buf_reserve(out, want);
		r = istream_read(is, out->data + out->len, want);
		if (r <= 0)
			break;
		out->len += (size_t)r;
		out->data[out->len] = '\0';
		got += (uint64_t)r;
	}
	if (r < 0) {
		buf_set(&cx->err, istream_error(is));
		cx->failed = true;
	}
	istream_free(is);
	bool nul = memchr(out->data + hend, '\0', (size_t)got) != NULL;
	if (!binary)
		nul_replace(out->data + hend, (size_t)got);
	if (got != expect || (binary && nul))
		fix_literal(out, hstart, hend, got, binary && nul);
	return r >= 0;
}

static enum mime_sect sect_of(enum imap_section_spec s)
{
	switch (s) {
	case IMAP_SEC_HEADER: case IMAP_SEC_HEADER_FIELDS:
	case IMAP_SEC_HEADER_FIELDS_NOT:
		return MIME_SECT_HEADER;
	case IMAP_SEC_TEXT:
		return MIME_SECT_TEXT;
	case IMAP_SEC_MIME:
		return MIME_SECT_MIME;
	default:
		return MIME_SECT_ALL;
	}
}

/* HEADER.FIELDS (.NOT) of a header block, or the block itself. */
static void header_data(const struct imap_section *s, const char *h,
    size_t n, struct buf *out)
{
	if (s->spec == IMAP_SEC_HEADER_FIELDS ||
	    s->spec == IMAP_SEC_HEADER_FIELDS_NOT)
		hdr_filter(h, n, (const char *const *)s->fields.v, s->fields.n,
		    s->spec == IMAP_SEC_HEADER_FIELDS_NOT, out);
	else
		buf_add(out, h, n);
}

static void w_partial(struct imap_writer *w, const struct imap_fetch_att *a,
    const char *p, size_t n, bool binary)
{
	uint64_t off = 0, len = n;
	apply_partial(a, &off, &len);
	w_data(w, p + off, (size_t)len, binary);
}

/* BINARY[...] and BINARY.SIZE: the part with its encoding removed. */
static bool binary_data(const struct mime_tree *t, const struct imap_section *s,
    struct buf *out, bool *exists, const char **no_text)
{
	const unsigned *nums = s->part;
	const struct mime_part *p = mime_find_part(t->root, nums, s->nparts);
	*exists = p != NULL;
	if (p == NULL)
		return true;
	if (s->nparts == 0) {
		buf_add(out, t->msg, t->len);
		return true;
	}
	if (p->kind == MIME_LEAF && p->cte == CTE_UNKNOWN) {
		*no_text = "[UNKNOWN-CTE] Unknown Content-Transfer-Encoding";
		return false;
	}
	if (p->kind == MIME_LEAF)
		cte_decode(p->cte, t->msg + p->body_off, p->body_len, out);
	else
		buf_add(out, t->msg + p->body_off, p->body_len);
	return true;
}

bool fetch_section_data(const struct mime_tree *t,
    const struct imap_fetch_att *a, struct buf *data, const char **p,
    size_t *n, bool *exists, const char **no_text)
{
	const struct imap_section *s = &a->section;
	size_t off = 0, len = 0;
	*p = "";
	*n = 0;
	if (a->type != IMAP_FA_BODY_SECTION) {
		if (!binary_data(t, s, data, exists, no_text))
			return false;
		*p = buf_cstr(data);
		*n = data->len;
		return true;
	}
	*exists = mime_section_range(t, s->part, s->nparts, sect_of(s->spec),
	    &off, &len);
	if (*exists && sect_of(s->spec) == MIME_SECT_HEADER) {
		header_data(s, t->msg + off, len, data);
		*p = buf_cstr(data);
		*n = data->len;
	} else if (*exists) {
		*p = t->msg + off;      /* no copy of a big part */
		*n = len;
	}
	return true;
}

/* Sections that need the part tree: from one copy of the message. */
static bool tree_section(struct view_cx *cx, const struct mailindex_msg *m,
    const struct imap_fetch_att *a, struct msgcache *c, bool *have_c,
    struct imap_writer *w, const char **no_text)
{
	struct buf msg = BUF_INIT, data = BUF_INIT;
	bool exists = true;
	if (!view_read(cx, m, &msg)) {
		buf_free(&msg);
		return false;
	}
	if (!*have_c) {
		view_cache_built(cx, m, buf_cstr(&msg), msg.len, c);
		*have_c = true;
	}
	struct mime_tree *t = mime_parse(buf_cstr(&msg), msg.len, NULL);
	const char *p;
	size_t n;
	bool ok = fetch_section_data(t, a, &data, &p, &n, &exists, no_text);
	if (ok && a->type == IMAP_FA_BINARY_SIZE)
		imap_w_number(w, n);
	else if (ok && !exists)
		imap_w_string(w, "", 0);
	else if (ok)
		w_partial(w, a, p, n, a->type == IMAP_FA_BINARY);
	mime_tree_free(t);
	buf_free(&msg);
	buf_free(&data);
	return ok;
}

bool fetch_section(struct view_cx *cx, const struct mailindex_msg *m,
    const struct imap_fetch_att *a, struct msgcache *c, bool *have_c,
    struct imap_writer *w, const char **no_text)
{
	const struct imap_section *s = &a->section;
	bool top = s->nparts == 0;
	uint64_t off = 0, len = m->size;
	if (top && (a->type == IMAP_FA_BINARY ||
	    (a->type == IMAP_FA_BODY_SECTION && s->spec == IMAP_SEC_NONE))) {
		apply_partial(a, &off, &len);
		return stream_range(cx, m, off, a->partial ? len : UINT64_MAX,
		    len, a->type == IMAP_FA_BINARY, w);
	}
	if (top && a->type == IMAP_FA_BINARY_SIZE) {
		imap_w_number(w, m->size);
		return true;
	}
	if (top && a->type == IMAP_FA_BODY_SECTION && !*have_c)
		*have_c = view_cached(cx, m, c, false);
	if (top && *have_c && s->spec == IMAP_SEC_TEXT &&
	    c->hdr_len <= m->size) {
		off = c->hdr_len;
		len = m->size - c->hdr_len;
		apply_partial(a, &off, &len);
		return stream_range(cx, m, off, a->partial ? len : UINT64_MAX,
		    len, false, w);
	}
	if (top && *have_c && c->has_header && s->spec != IMAP_SEC_TEXT &&
	    s->spec != IMAP_SEC_MIME) {
		struct buf data = BUF_INIT;
		header_data(s, buf_cstr(&c->header), c->header.len, &data);
		w_partial(w, a, buf_cstr(&data), data.len, false);
		buf_free(&data);
		return true;
	}
	return tree_section(cx, m, a, c, have_c, w, no_text);
}
