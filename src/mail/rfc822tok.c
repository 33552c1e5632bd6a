/* Structured-header lexer; see rfc822tok.h. */
#include "mail/rfc822tok.h"

#include <string.h>

void lex_init(struct lex *lx, const char *s, size_t n, const char *specials)
{
	lx->p = s;
	lx->end = s + n;
	lx->specials = specials;
	lx->comment = NULL;
	lx->comment_len = 0;
}

/* Skips a comment starting at '(' and returns the position after it.
 * Nesting deeper than LEX_MAX_COMMENT_DEPTH is read as flat text. */
static const char *skip_comment(struct lex *lx, const char *p)
{
	const char *start = ++p;
	int depth = 1;
	while (p < lx->end && depth > 0) {
		if (*p == '\\' && p + 1 < lx->end)
			p++;
		else if (*p == '(' && depth < LEX_MAX_COMMENT_DEPTH)
			depth++;
		else if (*p == ')')
			depth--;
		p++;
	}
	lx->comment = start;
	lx->comment_len = (size_t)(p - start) - (depth == 0 ? 1 : 0);
	return p;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

/* Skips CFWS; true if anything was skipped. */
static bool skip_cfws(struct lex *lx)
{
	const char *start = lx->p;
	while (lx->p < lx->end) {
		if (is_space(*lx->p))
			lx->p++;
		else if (*lx->p == '(')
			lx->p = skip_comment(lx, lx->p);
		else
			break;
	}
	return lx->p != start;
}

/* Quoted string or domain literal body up to the closing char. */
static void lex_delimited(struct lex *lx, struct tok *t, char close)
{
	const char *p = ++lx->p;
	while (p < lx->end && *p != close) {
		if (*p == '\\' && p + 1 < lx->end)
			p++;
		p++;
	}
	t->s = lx->p;
	t->n = (size_t)(p - lx->p);
	lx->p = p < lx->end ? p + 1 : p;
}

static void lex_atom(struct lex *lx, struct tok *t)
{
	const char *p = lx->p;
	while (p < lx->end && !is_space(*p) && *p != '(' &&
	    strchr(lx->specials, *p) == NULL)
		p++;
	t->type = TOK_ATOM;
	t->s = lx->p;
	t->n = (size_t)(p - lx->p);
	lx->p = p;
}

void lex_next(struct lex *lx, struct tok *t)
{
	memset(t, 0, sizeof(*t));
	t->ws_before = skip_cfws(lx);
	if (lx->p >= lx->end) {
		t->type = TOK_END;
		return;
	}
	char c = *lx->p;
	if (c == '"') {
		t->type = TOK_QSTRING;
		lex_delimited(lx, t, '"');
	} else if (c == '[' && strchr(lx->specials, '[') != NULL) {
		t->type = TOK_DLITERAL;
		lex_delimited(lx, t, ']');
	} else if (strchr(lx->specials, c) != NULL) {
		t->type = TOK_SPECIAL;
		t->ch = c;
		lx->p++;
	} else {
		lex_atom(lx, t);
	}
}

void lex_peek(struct lex *lx, struct tok *t)
{
	struct lex copy = *lx;
	lex_next(&copy, t);
	lx->comment = copy.comment;
	lx->comment_len = copy.comment_len;
}

/* Folding line ends dropped, NUL made a space: results are C strings. */
static void add_clean(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			buf_addch(out, s[i] == '\0' ? ' ' : s[i]);
}

void unescape_append(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		if (s[i] == '\r' || s[i] == '\n')
			continue;        /* folding inside a quoted string */
		buf_addch(out, s[i] == '\0' ? ' ' : s[i]);
	}
}

void tok_append(const struct tok *t, struct buf *out)
{
	if (t->type == TOK_SPECIAL)
		buf_addch(out, t->ch);
	else if (t->type == TOK_QSTRING || t->type == TOK_DLITERAL)
		unescape_append(t->s, t->n, out);
	else
		buf_add(out, t->s, t->n);
}

void tok_append_raw(const struct tok *t, struct buf *out)
{
	if (t->type == TOK_QSTRING)
		buf_addch(out, '"');
	else if (t->type == TOK_DLITERAL)
		buf_addch(out, '[');
	if (t->type == TOK_SPECIAL)
		buf_addch(out, t->ch);
	else
		add_clean(t->s, t->n, out);
	if (t->type == TOK_QSTRING)
		buf_addch(out, '"');
	else if (t->type == TOK_DLITERAL)
		buf_addch(out, ']');
}
