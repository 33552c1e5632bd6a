/* Content-Type and Content-Disposition values (RFC 2045 5.1, RFC 2183). */
#include "mail/mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/str.h"
#include "common/xmalloc.h"
#include "mail/mime_params.h"
#include "mail/rfc822tok.h"

static char *lower_dup(const char *s, size_t n)
{
	char *p = xstrndup(s, n);
	str_lower_ascii(p);
	return p;
}

/* Skips to just after the next ';' (or the end): junk between parameters
 * is ignored. */
static void skip_to_semicolon(struct lex *lx)
{
	struct tok t;
	do
		lex_next(lx, &t);
	while (t.type != TOK_END && !(t.type == TOK_SPECIAL && t.ch == ';'));
}

/* A value: one quoted string, or everything up to ';' (tolerating
 * unquoted tspecials such as "boundary=----=_Part_1"). */
static char *lex_value(struct lex *lx)
{
	struct buf v = BUF_INIT;
	struct tok t;
	lex_peek(lx, &t);
	if (t.type == TOK_QSTRING) {
		lex_next(lx, &t);
		tok_append(&t, &v);
		return buf_detach(&v);
	}
	for (;;) {
		lex_peek(lx, &t);
		if (t.type == TOK_END || (t.type == TOK_SPECIAL && t.ch == ';'))
			break;
		lex_next(lx, &t);
		if (t.ws_before && v.len > 0)
			buf_addch(&v, ' ');
		tok_append_raw(&t, &v);
	}
	return buf_detach(&v);
}

/* "name=value" after a ';'; false (nothing stored) when malformed. */
static bool lex_param(struct lex *lx, struct raw_param *rp)
{
	struct tok name, eq;
	lex_peek(lx, &name);
	if (name.type != TOK_ATOM)
		return false;
	lex_next(lx, &name);
	lex_peek(lx, &eq);
	if (eq.type != TOK_SPECIAL || eq.ch != '=')
		return false;
	lex_next(lx, &eq);
	raw_param_name(name.s, name.n, rp);
	rp->value = lex_value(lx);
	return true;
}

static bool lex_type(struct lex *lx, bool want_subtype, struct mime_ctype *out)
{
	struct tok t, slash, sub;
	lex_next(lx, &t);
	if (t.type != TOK_ATOM)
		return false;
	if (!want_subtype) {
		out->type = lower_dup(t.s, t.n);
		return true;
	}
	lex_next(lx, &slash);
	lex_next(lx, &sub);
	if (slash.type != TOK_SPECIAL || slash.ch != '/' || sub.type != TOK_ATOM)
		return false;
	out->type = lower_dup(t.s, t.n);
	out->subtype = lower_dup(sub.s, sub.n);
	return true;
}

bool mime_ctype_parse(const char *s, size_t n, bool want_subtype,
    struct mime_ctype *out)
{
	struct lex lx;
	memset(out, 0, sizeof(*out));
	lex_init(&lx, s, n, RFC2045_TSPECIALS);
	if (!lex_type(&lx, want_subtype, out)) {
		mime_ctype_free(out);
		return false;
	}
	struct raw_param raw[RAW_PARAM_MAX];
	size_t nraw = 0;
	skip_to_semicolon(&lx);
	while (lx.p < lx.end && nraw < RAW_PARAM_MAX) {
		if (lex_param(&lx, &raw[nraw]))
			nraw++;
		skip_to_semicolon(&lx);
	}
	mime_params_merge(raw, nraw, out);
	return true;
}

void mime_ctype_free(struct mime_ctype *ct)
{
	for (size_t i = 0; i < ct->nparams; i++) {
		free(ct->params[i].name);
		free(ct->params[i].value);
	}
	free(ct->params);
	free(ct->type);
	free(ct->subtype);
	memset(ct, 0, sizeof(*ct));
}

const char *mime_param_get(const struct mime_ctype *ct, const char *name)
{
	for (size_t i = 0; i < ct->nparams; i++)
		if (strcasecmp(ct->params[i].name, name) == 0)
			return ct->params[i].value;
	return NULL;
}

bool mime_ctype_is(const struct mime_ctype *ct, const char *type,
    const char *subtype)
{
	if (ct->type == NULL || strcmp(ct->type, type) != 0)
		return false;
	return subtype == NULL ||
	    (ct->subtype != NULL && strcmp(ct->subtype, subtype) == 0);
}
