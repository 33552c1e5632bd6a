/* Lexer for structured header values (RFC 5322 3.2, RFC 2045 5.1):
 * atoms, quoted strings, domain literals and specials, with CFWS skipped.
 * The set of specials is the caller's (5322 specials for addresses,
 * 2045 tspecials for Content-Type). Unterminated quoted strings, comments
 * and literals run to the end of input instead of failing. */
#ifndef AMB_MAIL_RFC822TOK_H
#define AMB_MAIL_RFC822TOK_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define RFC822_SPECIALS  "()<>[]:;@\\,.\""
#define RFC2045_TSPECIALS "()<>@,;:\\\"/[]?="
#define LEX_MAX_COMMENT_DEPTH 32

enum tok_type {
	TOK_END,
	TOK_ATOM,      /* s/n: the atom */
	TOK_QSTRING,   /* s/n: between the quotes, escapes still in */
	TOK_DLITERAL,  /* s/n: between the brackets */
	TOK_SPECIAL,   /* ch */
};

struct tok {
	enum tok_type type;
	const char *s;
	size_t n;
	char ch;
	bool ws_before;     /* white space or comment preceded it */
};

struct lex {
	const char *p, *end;
	const char *specials;
	const char *comment; size_t comment_len;   /* last comment skipped */
};

void lex_init(struct lex *lx, const char *s, size_t n, const char *specials);
void lex_next(struct lex *lx, struct tok *t);
/* Peeks the next token without consuming it (comments it passes over
 * still count as seen, for lx->comment). */
void lex_peek(struct lex *lx, struct tok *t);
/* Appends the token's text: quoted strings and literals unescaped. */
void tok_append(const struct tok *t, struct buf *out);
/* Appends the token as written (quotes and brackets kept). */
void tok_append_raw(const struct tok *t, struct buf *out);
/* Appends s[0..n) with quoted-pair backslashes removed. */
void unescape_append(const char *s, size_t n, struct buf *out);

#endif
