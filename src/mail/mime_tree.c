/* The MIME part tree of a message in memory (RFC 2046 5.1, 5.2.1). */
#include "mail/mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mail/header.h"

#define BOUNDARY_MAX 998

struct parser {
	const char *m;
	struct mime_tree *t;
	struct mime_limits lim;
};

static void parse_entity(struct parser *ps, struct mime_part *part,
    size_t off, size_t end, unsigned depth);

static struct mime_part *new_part(struct parser *ps, struct mime_part *parent)
{
	struct mime_part *p = xcalloc(1, sizeof(*p));
	p->parent = parent;
	ps->t->nparts++;
	return p;
}

static void set_default_type(struct mime_part *p)
{
	bool digest = p->parent && p->parent->kind == MIME_MULTIPART &&
	    mime_ctype_is(&p->parent->ct, "multipart", "digest");
	const char *v = digest ? "message/rfc822" : "text/plain; charset=us-ascii";
	mime_ctype_free(&p->ct);
	mime_ctype_parse(v, strlen(v), true, &p->ct);
	p->ct_defaulted = true;
}

static char *unfolded(const struct hdr_field *f)
{
	struct buf b = BUF_INIT;
	hdr_unfold(f->value, f->value_len, &b);
	return buf_detach(&b);
}

/* Stores the Content-* fields we use (first of each wins). */
static void read_field(struct mime_part *p, const struct hdr_field *f)
{
	static const struct { const char *name; size_t off; } strs[] = {
		{ "Content-ID", offsetof(struct mime_part, id) },
		{ "Content-Description", offsetof(struct mime_part, description) },
		{ "Content-MD5", offsetof(struct mime_part, md5) },
		{ "Content-Language", offsetof(struct mime_part, language) },
		{ "Content-Location", offsetof(struct mime_part, location) },
		{ "Content-Transfer-Encoding", offsetof(struct mime_part, cte_raw) },
	};
	if (hdr_name_is(f, "Content-Type") && p->ct.type == NULL)
		mime_ctype_parse(f->value, f->value_len, true, &p->ct);
	else if (hdr_name_is(f, "Content-Disposition") && p->disp.type == NULL)
		mime_ctype_parse(f->value, f->value_len, false, &p->disp);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		char **slot = (char **)((char *)p + strs[i].off);
		if (*slot == NULL && hdr_name_is(f, strs[i].name))
			*slot = unfolded(f);
	}
}

static void read_header(struct parser *ps, struct mime_part *p)
{
	struct hdr_iter it;
	struct hdr_field f;
	size_t n = p->hdr_len < ps->lim.max_header ? p->hdr_len : ps->lim.max_header;
	hdr_iter_init(&it, ps->m + p->hdr_off, n);
	while (hdr_next(&it, &f))
		if (f.name_len > 8 && strncasecmp(f.name, "Content-", 8) == 0)
			read_field(p, &f);
	if (p->ct.type == NULL)
		set_default_type(p);
	p->cte = p->cte_raw ? cte_parse(p->cte_raw, strlen(p->cte_raw)) : CTE_7BIT;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t lines = 0;
	const char *p = s, *end = s + n;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	if (n > 0 && s[n - 1] != '\n')
		lines++;
	return lines;
}

static bool is_message_type(const struct mime_part *p)
{
	return mime_ctype_is(&p->ct, "message", "rfc822") ||
	    mime_ctype_is(&p->ct, "message", "global");
}

/* A multipart that cannot be split is shown as the text it is. */
static void demote_to_text(struct mime_part *p)
{
	p->kind = MIME_LEAF;
	mime_ctype_free(&p->ct);
	const char *v = "text/plain; charset=us-ascii";
	mime_ctype_parse(v, strlen(v), true, &p->ct);
	p->ct_defaulted = true;
}

/* --- delimiter lines --- */

struct delim {
	size_t start;      /* where its preceding line end starts */
	size_t line;       /* where "--boundary" starts */
	size_t after;      /* first byte after the delimiter line */
	bool close;
};

/* Rest of a delimiter line at q: optional "--", white space, line end. */
static bool delim_tail(const char *m, size_t q, size_t end, struct delim *d)
{
	d->close = q + 1 < end && m[q] == '-' && m[q + 1] == '-';
	if (d->close)
		q += 2;
	while (q < end && (m[q] == ' ' || m[q] == '\t'))
		q++;
	if (q < end && m[q] == '\r')
		q++;
	if (q < end && m[q] != '\n')
		return false;
	d->after = q < end ? q + 1 : end;
	return true;
}

/* Next line "--b" at or after pos within [start, end). */
static bool find_delim(const char *m, size_t start, size_t pos, size_t end,
    const char *b, size_t blen, struct delim *d)
{
	while (pos + 2 + blen <= end) {
		const char *hit = memmem(m + pos, end - pos, "--", 2);
		if (hit == NULL)
			return false;
		size_t h = (size_t)(hit - m);
		pos = h + 1;
		if ((h != start && m[h - 1] != '\n') || h + 2 + blen > end ||
		    memcmp(m + h + 2, b, blen) != 0 ||
		    !delim_tail(m, h + 2 + blen, end, d))
			continue;
		d->line = h;
		d->start = h;
		if (h > start && m[h - 1] == '\n')
			d->start = h - 1 - (h - 1 > start && m[h - 2] == '\r');
		return true;
	}
	return false;
}

static void add_child(struct parser *ps, struct mime_part *mp,
    struct mime_part **last, size_t off, size_t end, unsigned depth)
{
	struct mime_part *c = new_part(ps, mp);
	if (*last)
		(*last)->next = c;
	else
		mp->child = c;
	*last = c;
	mp->nchildren++;
	parse_entity(ps, c, off, end < off ? off : end, depth + 1);
}

static void parse_multipart(struct parser *ps, struct mime_part *mp,
    const char *b, unsigned depth)
{
	size_t blen = strlen(b);
	size_t bs = mp->body_off, be = mp->body_off + mp->body_len;
	struct delim d, next;
	mp->kind = MIME_MULTIPART;
	if (!find_delim(ps->m, bs, bs, be, b, blen, &d)) {
		demote_to_text(mp);
		return;
	}
	mp->preamble_off = bs;
	mp->preamble_len = d.start - bs;
	struct mime_part *last = NULL;
	while (!d.close) {
		if (ps->t->nparts >= ps->lim.max_parts) {
			ps->t->truncated = true;
			break;
		}
		bool found = find_delim(ps->m, bs, d.after, be, b, blen, &next);
		size_t end = found ? next.start : be;
		add_child(ps, mp, &last, d.after, end, depth);
		if (!found) {
			mp->missing_close = true;
			d.after = be;
			break;
		}
		d = next;
	}
	mp->epilogue_off = d.after;
	mp->epilogue_len = be - d.after;
}

static void parse_body(struct parser *ps, struct mime_part *p, unsigned depth)
{
	bool deep = depth >= ps->lim.max_depth;
	if (mime_ctype_is(&p->ct, "multipart", NULL)) {
		const char *b = mime_param_get(&p->ct, "boundary");
		if (deep)
			ps->t->truncated = true;
		if (deep || b == NULL || *b == '\0' || strlen(b) > BOUNDARY_MAX)
			demote_to_text(p);
		else
			parse_multipart(ps, p, b, depth);
	} else if (is_message_type(p) && p->cte <= CTE_BINARY) {
		/* an encoded message/rfc822 is opaque, as in other servers */
		if (deep) {
			ps->t->truncated = true;
			return;
		}
		p->kind = MIME_MESSAGE;
		p->child = new_part(ps, p);
		p->nchildren = 1;
		parse_entity(ps, p->child, p->body_off,
		    p->body_off + p->body_len, depth + 1);
	}
}

static void parse_entity(struct parser *ps, struct mime_part *part,
    size_t off, size_t end, unsigned depth)
{
	struct msg_split sp;
	msg_split(ps->m + off, end - off, &sp);
	part->hdr_off = off;
	part->hdr_len = sp.hdr_len;
	part->body_off = off + sp.body_off;
	part->body_len = end - part->body_off;
	read_header(ps, part);
	parse_body(ps, part, depth);
	if (part->kind == MIME_MESSAGE || mime_ctype_is(&part->ct, "text", NULL))
		part->body_lines = count_lines(ps->m + part->body_off,
		    part->body_len);
}

struct mime_tree *mime_parse(const char *msg, size_t len,
    const struct mime_limits *lim)
{
	static const struct mime_limits defaults = MIME_LIMITS_DEFAULT;
	struct mime_tree *t = xcalloc(1, sizeof(*t));
	struct parser ps = { msg, t, lim ? *lim : defaults };
	t->msg = msg;
	t->len = len;
	t->root = new_part(&ps, NULL);
	parse_entity(&ps, t->root, 0, len, 0);
	return t;
}

static void part_free(struct mime_part *p)
{
	while (p != NULL) {
		struct mime_part *next = p->next;
		part_free(p->child);
		mime_ctype_free(&p->ct);
		mime_ctype_free(&p->disp);
		free(p->cte_raw);
		free(p->id);
		free(p->description);
		free(p->md5);
		free(p->language);
		free(p->location);
		free(p);
		p = next;
	}
}

void mime_tree_free(struct mime_tree *t)
{
	if (t == NULL)
		return;
	part_free(t->root);
	free(t);
}
