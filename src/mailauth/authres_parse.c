/* Reading the authserv-id of Authentication-Results fields (RFC 8601 2.2)
 * to remove the ones that claim to be ours (RFC 8601 5). */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mail/header.h"
#include "mail/rfc822tok.h"
#include "mailauth/authres.h"

bool authres_parse_id(const char *value, size_t len, struct buf *id,
    unsigned *version, bool *well_formed)
{
	struct lex lx;
	struct tok t;
	buf_reset(id);
	if (version != NULL)
		*version = 1;
	*well_formed = false;
	lex_init(&lx, value, len, RFC2045_TSPECIALS);
	lex_next(&lx, &t);
	if (t.type != TOK_ATOM && t.type != TOK_QSTRING)
		return false;
	tok_append(&t, id);
	if (id->len == 0)
		return false;
	lex_next(&lx, &t);
	if (t.type == TOK_ATOM && t.ws_before) {
		/* authres-version = 1*DIGIT [CFWS] */
		unsigned v = 0;
		for (size_t i = 0; i < t.n; i++) {
			if (!isdigit((unsigned char)t.s[i]) || v > 100000)
				return true;
			v = v * 10 + (unsigned)(t.s[i] - '0');
		}
		if (version != NULL)
			*version = v;
		lex_next(&lx, &t);
	}
	*well_formed = t.type == TOK_SPECIAL && t.ch == ';';
	return true;
}

static bool same_id(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	if (an > 0 && a[an - 1] == '.')
		an--;
	if (bn > 0 && b[bn - 1] == '.')
		bn--;
	return an == bn && an > 0 && strncasecmp(a, b, an) == 0;
}

/* Calls fn for each of our fields, in order; returns how many. */
static size_t each_ours(const char *hdr, size_t len, const char *ours,
    void (*fn)(void *arg, const struct hdr_field *f), void *arg)
{
	struct hdr_iter it;
	struct hdr_field f;
	struct buf id = BUF_INIT;
	size_t count = 0;
	hdr_iter_init(&it, hdr, len);
	/* no field is too long or too many to look at: a forged one must
	 * not slip through by being big */
	it.max_fields = SIZE_MAX;
	it.max_field_len = SIZE_MAX;
	while (hdr_next(&it, &f)) {
		bool wf;
		if (!hdr_name_is(&f, "Authentication-Results") ||
		    !authres_parse_id(f.value, f.value_len, &id, NULL, &wf) ||
		    !same_id(id.data, id.len, ours))
			continue;
		count++;
		if (fn != NULL)
			fn(arg, &f);
	}
	buf_free(&id);
	return count;
}

struct span_list {
	const char *hdr;
	struct authres_span *spans;
	size_t n, max;
};

static void add_span(void *arg, const struct hdr_field *f)
{
	struct span_list *l = arg;
	if (l->n < l->max)
		l->spans[l->n++] = (struct authres_span){
			(size_t)(f->line - l->hdr), f->line_len };
}

size_t authres_find_ours(const char *hdr, size_t len,
    const char *authserv_id, struct authres_span *spans, size_t max)
{
	struct span_list l = { hdr, spans, 0, max };
	return each_ours(hdr, len, authserv_id, add_span, &l);
}

struct strip {
	const char *hdr;
	size_t copied;        /* hdr offset up to which out has the input */
	struct buf *out;
};

static void skip_field(void *arg, const struct hdr_field *f)
{
	struct strip *s = arg;
	size_t off = (size_t)(f->line - s->hdr);
	buf_add(s->out, s->hdr + s->copied, off - s->copied);
	s->copied = off + f->line_len;
}

size_t authres_strip_ours(const char *hdr, size_t len,
    const char *authserv_id, struct buf *out)
{
	struct strip s = { hdr, 0, out };
	size_t n = each_ours(hdr, len, authserv_id, skip_field, &s);
	buf_add(out, hdr + s.copied, len - s.copied);
	return n;
}
