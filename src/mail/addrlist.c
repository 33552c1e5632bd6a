/* Address-list parser; see addrlist.h. */
#include "mail/addrlist.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "mail/rfc822tok.h"

struct ap {
	struct lex lx;
	struct addrlist *out;
	size_t max;
};

static bool is_special(const struct tok *t, char c)
{
	return t->type == TOK_SPECIAL && t->ch == c;
}

static char *opt_str(struct buf *b)
{
	return b->len > 0 ? buf_detach(b) : NULL;
}

static struct mail_addr *push(struct addrlist *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	struct mail_addr *a = &l->v[l->n++];
	memset(a, 0, sizeof(*a));
	return a;
}

static struct mail_addr *emit(struct ap *ap)
{
	if (ap->out->n >= ap->max) {
		ap->out->truncated = true;
		return NULL;
	}
	return push(ap->out);
}

/* Words up to a terminator ('<' ':' '@' ',' ';' '>' or the end), which
 * is returned in term, not consumed. display: words joined by single
 * spaces, unquoted; local: the same words as a local part. */
static void read_phrase(struct ap *ap, struct buf *display, struct buf *local,
    struct tok *term)
{
	struct tok t;
	for (;;) {
		lex_peek(&ap->lx, &t);
		if (t.type == TOK_END || (t.type == TOK_SPECIAL &&
		    strchr("<:@,;>", t.ch) != NULL)) {
			*term = t;
			return;
		}
		lex_next(&ap->lx, &t);
		if (t.type == TOK_SPECIAL && t.ch != '.')
			continue;               /* stray specials are dropped */
		if (t.ws_before && display->len > 0)
			buf_addch(display, ' ');
		tok_append(&t, display);
		tok_append(&t, local);
	}
}

/* Domain after '@': words joined by dots (CFWS allowed around them);
 * a second word without a dot ends it. */
static void read_domain(struct ap *ap, struct buf *dom)
{
	struct tok t;
	bool want_word = true;
	for (;;) {
		lex_peek(&ap->lx, &t);
		bool word = t.type == TOK_ATOM || t.type == TOK_DLITERAL;
		if (!(word && want_word) && !is_special(&t, '.'))
			return;
		want_word = !word;
		lex_next(&ap->lx, &t);
		tok_append_raw(&t, dom);
	}
}

/* Skips to the next ',' ';' or end (not consumed), e.g. junk after '>'. */
static void skip_junk(struct ap *ap, bool in_group)
{
	struct tok t;
	for (;;) {
		lex_peek(&ap->lx, &t);
		if (t.type == TOK_END || is_special(&t, ',') ||
		    (in_group && is_special(&t, ';')))
			return;
		lex_next(&ap->lx, &t);
	}
}

/* obs-route inside '<': "@a,@b:" */
static void read_route(struct ap *ap, struct buf *adl)
{
	struct tok t;
	for (;;) {
		lex_peek(&ap->lx, &t);
		if (is_special(&t, '@')) {
			lex_next(&ap->lx, &t);
			buf_addch(adl, '@');
			read_domain(ap, adl);
		} else if (is_special(&t, ',')) {
			lex_next(&ap->lx, &t);
			if (adl->len > 0)
				buf_addch(adl, ',');
		} else {
			if (is_special(&t, ':'))
				lex_next(&ap->lx, &t);
			return;
		}
	}
}

static void fill(struct mail_addr *a, struct buf *local, struct buf *dom,
    bool has_at)
{
	a->mailbox = buf_detach(local);
	a->host = buf_detach(dom);
	a->invalid = !has_at || a->mailbox[0] == '\0' || a->host[0] == '\0';
}

/* After '<': [route] local-part "@" domain ">". */
static void read_angle(struct ap *ap, struct mail_addr *a)
{
	struct buf adl = BUF_INIT, disp = BUF_INIT, local = BUF_INIT,
	    dom = BUF_INIT;
	struct tok t;
	lex_peek(&ap->lx, &t);
	if (is_special(&t, '@'))
		read_route(ap, &adl);
	read_phrase(ap, &disp, &local, &t);
	bool has_at = is_special(&t, '@');
	if (has_at) {
		lex_next(&ap->lx, &t);
		read_domain(ap, &dom);
	}
	lex_peek(&ap->lx, &t);
	if (is_special(&t, '>'))
		lex_next(&ap->lx, &t);
	a->adl = opt_str(&adl);
	fill(a, &local, &dom, has_at);
	/* "<>" (null reverse path) is valid */
	a->invalid = a->invalid && !(a->mailbox[0] == '\0' && !has_at);
	buf_free(&disp);
}

static void comment_name(struct ap *ap, const char *before,
    struct mail_addr *a)
{
	if (a->name != NULL || ap->lx.comment == before || ap->lx.comment_len == 0)
		return;
	struct buf b = BUF_INIT;
	unescape_append(ap->lx.comment, ap->lx.comment_len, &b);
	a->name = opt_str(&b);
	buf_free(&b);
}

static void read_group(struct ap *ap, struct buf *name);

/* One mailbox (or, at top level, a group). */
static void read_address(struct ap *ap, bool in_group)
{
	struct buf disp = BUF_INIT, local = BUF_INIT, dom = BUF_INIT;
	const char *comment_before = ap->lx.comment;
	struct tok t;
	read_phrase(ap, &disp, &local, &t);
	while (local.len == 0 && (is_special(&t, '>') ||
	    (!in_group && is_special(&t, ';')))) {
		lex_next(&ap->lx, &t);          /* stray terminators */
		read_phrase(ap, &disp, &local, &t);
	}
	if (is_special(&t, ':') && !in_group) {
		lex_next(&ap->lx, &t);
		read_group(ap, &disp);  /* no skip_junk: a missing ',' after
		                           ';' is tolerated */
	} else if (is_special(&t, '<')) {
		lex_next(&ap->lx, &t);
		struct mail_addr *a = emit(ap);
		if (a) {
			a->name = opt_str(&disp);
			read_angle(ap, a);
		}
	} else if (is_special(&t, '@') || local.len > 0) {
		bool has_at = is_special(&t, '@');
		if (has_at) {
			lex_next(&ap->lx, &t);
			read_domain(ap, &dom);
		}
		struct mail_addr *a = emit(ap);
		if (a) {
			fill(a, &local, &dom, has_at);
			comment_name(ap, comment_before, a);
		}
	}
	if (!is_special(&t, ':') || in_group)
		skip_junk(ap, in_group);
	buf_free(&disp);
	buf_free(&local);
	buf_free(&dom);
}

static void read_group(struct ap *ap, struct buf *name)
{
	struct mail_addr *start = emit(ap);
	if (start == NULL)
		return;
	start->mailbox = buf_detach(name);
	struct tok t;
	for (;;) {
		read_address(ap, true);
		lex_next(&ap->lx, &t);
		if (t.type == TOK_END || is_special(&t, ';'))
			break;
	}
	push(ap->out);          /* group end, even past max: keeps balance */
}

void addrlist_parse(const char *s, size_t n, size_t max, struct addrlist *out)
{
	struct ap ap;
	memset(out, 0, sizeof(*out));
	lex_init(&ap.lx, s, n, RFC822_SPECIALS);
	ap.out = out;
	ap.max = max ? max : ADDRLIST_MAX_DEFAULT;
	struct tok t;
	do {
		read_address(&ap, false);
		lex_peek(&ap.lx, &t);
		if (is_special(&t, ','))
			lex_next(&ap.lx, &t);
	} while (t.type != TOK_END && !out->truncated);
}

void addrlist_free(struct addrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].adl);
		free(l->v[i].mailbox);
		free(l->v[i].host);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
