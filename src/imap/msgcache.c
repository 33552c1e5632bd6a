/* The per-message cache blob: "AMC1", then each field as a 32-bit
 * little-endian length and its bytes (numbers as 8-byte fields). */
#include "imap/msgcache.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "imap/view_int.h"
#include "mail/casefold.h"
#include "mail/encwords.h"
#include "mail/header.h"
#include "mail/maildate.h"
#include "mail/mime.h"

#define MAGIC "AMC2"
#define MAGIC_LEN 4

void msgcache_init(struct msgcache *c)
{
	memset(c, 0, sizeof(*c));
	c->sent = MSGCACHE_NO_DATE;
}

void msgcache_free(struct msgcache *c)
{
	buf_free(&c->envelope);
	buf_free(&c->body);
	buf_free(&c->bodystructure);
	buf_free(&c->header);
	buf_free(&c->htext);
	buf_free(&c->text);
	msgcache_init(c);
}

void msgcache_fold(const char *s, size_t n, struct buf *out)
{
	utf8_casefold(s, n, out);
}

/* Appends the text of part p; false once raw is over cap (then the rest
 * is not decoded: that text will not be cached anyway). */
static bool part_text(const struct mime_tree *t, const struct mime_part *p,
    struct buf *raw, size_t cap)
{
	if (raw->len > cap)
		return false;
	if (p->kind == MIME_MULTIPART) {
		for (const struct mime_part *c = p->child; c != NULL; c = c->next)
			if (!part_text(t, c, raw, cap))
				return false;
	} else if (p->kind == MIME_MESSAGE && p->child != NULL) {
		mime_header_text(t->msg + p->child->hdr_off, p->child->hdr_len,
		    raw);
		return part_text(t, p->child, raw, cap);
	} else if (mime_ctype_is(&p->ct, "text", NULL)) {
		/* decoding shrinks text at most threefold (QP's "=XX"): a part
		 * this big is over the cap, so do not decode it at all */
		if (p->body_len / 3 > cap)
			return false;
		mime_part_decoded(t, p, raw);
		buf_addch(raw, '\n');
	}
	return raw->len <= cap;
}

static bool tree_text(const struct mime_tree *t, struct buf *out, size_t cap)
{
	struct buf raw = BUF_INIT;
	bool ok = part_text(t, t->root, &raw, cap);
	if (ok)
		msgcache_fold(buf_cstr(&raw), raw.len, out);
	buf_free(&raw);
	return ok;
}

void msgcache_body_text(const char *msg, size_t len, struct buf *out)
{
	struct mime_tree *t = mime_parse(msg, len, NULL);
	tree_text(t, out, SIZE_MAX);
	mime_tree_free(t);
}

void msgcache_header_text(const char *hdr, size_t len, struct buf *out)
{
	struct buf raw = BUF_INIT;
	mime_header_text(hdr, len, &raw);
	msgcache_fold(buf_cstr(&raw), raw.len, out);
	buf_free(&raw);
}

static void render(struct buf *out, const struct mime_tree *t, bool ext)
{
	struct imap_writer w;
	imap_w_init(&w, out, false);
	fetch_w_body(&w, t, t->root, ext);
}

void msgcache_build(const char *msg, size_t len, struct msgcache *c)
{
	struct mime_tree *t = mime_parse(msg, len, NULL);
	const struct mime_part *r = t->root;
	struct imap_writer w;
	struct buf date = BUF_INIT;
	time_t when;
	int tz = 0;

	msgcache_free(c);
	c->hdr_len = r->hdr_len;
	imap_w_init(&w, &c->envelope, false);
	fetch_w_envelope(&w, msg + r->hdr_off, r->hdr_len);
	render(&c->body, t, false);
	render(&c->bodystructure, t, true);
	if (r->hdr_len <= MSGCACHE_HEADER_MAX) {
		c->has_header = true;
		buf_add(&c->header, msg, r->hdr_len);
	}
	if (hdr_get(msg, r->hdr_len, "Date", &date) &&
	    mail_date_parse(buf_cstr(&date), date.len, &when, &tz)) {
		c->sent = (int64_t)when;
		c->sent_tz = tz;
	}
	buf_free(&date);
	/* folding rarely grows text; the raw cap bounds the work */
	c->has_text = tree_text(t, &c->text, MSGCACHE_TEXT_MAX * 2) &&
	    c->text.len <= MSGCACHE_TEXT_MAX && c->has_header;
	if (c->has_text)
		msgcache_header_text(msg, r->hdr_len, &c->htext);
	if (!c->has_text) {
		buf_free(&c->text);
		buf_free(&c->htext);
	}
	mime_tree_free(t);
}

/* --- encoding --- */

static void put_field(struct buf *out, const void *p, size_t n)
{
	unsigned char l[4] = { (unsigned char)n, (unsigned char)(n >> 8),
		(unsigned char)(n >> 16), (unsigned char)(n >> 24) };
	buf_add(out, l, 4);
	buf_add(out, p, n);
}

static void put_u64(struct buf *out, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put_field(out, b, 8);
}

void msgcache_encode(const struct msgcache *c, struct buf *out)
{
	buf_add(out, MAGIC, MAGIC_LEN);
	put_u64(out, c->hdr_len);
	put_u64(out, (uint64_t)c->sent);
	put_u64(out, (uint64_t)(int64_t)c->sent_tz);
	put_u64(out, (uint64_t)c->has_header | (uint64_t)c->has_text << 1);
	put_field(out, buf_cstr((struct buf *)&c->envelope), c->envelope.len);
	put_field(out, buf_cstr((struct buf *)&c->body), c->body.len);
	put_field(out, buf_cstr((struct buf *)&c->bodystructure),
	    c->bodystructure.len);
	put_field(out, buf_cstr((struct buf *)&c->header), c->header.len);
	put_field(out, buf_cstr((struct buf *)&c->htext), c->htext.len);
	put_field(out, buf_cstr((struct buf *)&c->text), c->text.len);
}

struct reader {
	const unsigned char *p;
	size_t n;
	bool ok;
};

static const unsigned char *get_field(struct reader *r, size_t *len)
{
	if (!r->ok || r->n < 4) {
		r->ok = false;
		return NULL;
	}
	size_t l = (size_t)r->p[0] | (size_t)r->p[1] << 8 |
	    (size_t)r->p[2] << 16 | (size_t)r->p[3] << 24;
	if (l > r->n - 4) {
		r->ok = false;
		return NULL;
	}
	const unsigned char *f = r->p + 4;
	r->p += 4 + l;
	r->n -= 4 + l;
	*len = l;
	return f;
}

static uint64_t get_u64(struct reader *r)
{
	size_t l = 0;
	const unsigned char *f = get_field(r, &l);
	uint64_t v = 0;
	if (f == NULL || l != 8) {
		r->ok = false;
		return 0;
	}
	for (int i = 7; i >= 0; i--)
		v = v << 8 | f[i];
	return v;
}

static void get_buf(struct reader *r, struct buf *b)
{
	size_t l = 0;
	const unsigned char *f = get_field(r, &l);
	if (f != NULL)
		buf_add(b, f, l);
}

bool msgcache_decode(const char *p, size_t n, struct msgcache *c)
{
	msgcache_free(c);
	if (n < MAGIC_LEN || memcmp(p, MAGIC, MAGIC_LEN) != 0)
		return false;
	struct reader r = { (const unsigned char *)p + MAGIC_LEN,
		n - MAGIC_LEN, true };
	c->hdr_len = get_u64(&r);
	c->sent = (int64_t)get_u64(&r);
	c->sent_tz = (int)(int64_t)get_u64(&r);
	uint64_t flags = get_u64(&r);
	c->has_header = flags & 1;
	c->has_text = (flags >> 1) & 1;
	get_buf(&r, &c->envelope);
	get_buf(&r, &c->body);
	get_buf(&r, &c->bodystructure);
	get_buf(&r, &c->header);
	get_buf(&r, &c->htext);
	get_buf(&r, &c->text);
	if (!r.ok || r.n != 0 || c->envelope.len == 0 ||
	    c->bodystructure.len == 0) {
		msgcache_free(c);
		return false;
	}
	return true;
}
