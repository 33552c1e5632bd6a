/* Base64 and quoted-printable decoders; see decode.h. */
#include "mail/decode.h"

#include "common/str.h"

#include <string.h>
#include <strings.h>

#include "mail/rfc822tok.h"

enum cte cte_parse(const char *s, size_t n)
{
	static const struct { const char *name; enum cte e; } names[] = {
		{ "7bit", CTE_7BIT }, { "8bit", CTE_8BIT },
		{ "binary", CTE_BINARY }, { "base64", CTE_BASE64 },
		{ "quoted-printable", CTE_QP },
	};
	struct lex lx;
	struct tok t;
	lex_init(&lx, s, n, RFC2045_TSPECIALS);
	lex_next(&lx, &t);
	if (t.type == TOK_END)
		return CTE_7BIT;
	if (t.type != TOK_ATOM)
		return CTE_UNKNOWN;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == t.n &&
		    strncasecmp(names[i].name, t.s, t.n) == 0)
			return names[i].e;
	return CTE_UNKNOWN;
}

void b64_dec_init(struct b64_dec *d)
{
	memset(d, 0, sizeof(*d));
}

void b64_dec_feed(struct b64_dec *d, const char *in, size_t n,
    struct buf *out)
{
	buf_reserve(out, n / 4 * 3 + 3);
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '=') {
			/* padding: drop partial bits so a following block
			 * (concatenated base64) starts aligned */
			d->acc = 0;
			d->nbits = 0;
			continue;
		}
		int v = str_b64_digit((unsigned char)in[i], '/');
		if (v < 0)
			continue;
		d->acc = (d->acc << 6) | (uint32_t)v;
		d->nbits += 6;
		if (d->nbits >= 8) {
			d->nbits -= 8;
			buf_addch(out, (char)((d->acc >> d->nbits) & 0xff));
		}
	}
}

void qp_dec_init(struct qp_dec *d)
{
	d->nhold = 0;
}

static void qp_flush_hold(struct qp_dec *d, struct buf *out)
{
	buf_add(out, d->hold, d->nhold);
	d->nhold = 0;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static void qp_byte(struct qp_dec *d, char c, struct buf *out);

/* Held "=" or "=X" or "=" plus white space: an escape or a soft break. */
static void qp_after_eq(struct qp_dec *d, char c, struct buf *out)
{
	bool first_hex = d->nhold == 2 && str_hex_digit(d->hold[1]) >= 0;
	if (first_hex && str_hex_digit(c) >= 0) {
		buf_addch(out, (char)(str_hex_digit(d->hold[1]) * 16 +
		    str_hex_digit(c)));
		d->nhold = 0;
		return;
	}
	if (!first_hex && c == '\n') {
		d->nhold = 0;           /* soft line break */
		return;
	}
	bool can_hold = d->nhold < sizeof(d->hold);
	if (can_hold && ((d->nhold == 1 && str_hex_digit(c) >= 0) ||
	    (!first_hex && (is_ws(c) || c == '\r')))) {
		d->hold[d->nhold++] = c;
		return;
	}
	qp_flush_hold(d, out);          /* not an escape: keep literally */
	qp_byte(d, c, out);
}

static void qp_byte(struct qp_dec *d, char c, struct buf *out)
{
	if (d->nhold > 0 && d->hold[0] == '=') {
		qp_after_eq(d, c, out);
		return;
	}
	if (d->nhold > 0 && (c == '\r' || c == '\n'))
		d->nhold = 0;           /* trailing white space is padding */
	else if (d->nhold > 0 && !(is_ws(c) && d->nhold < sizeof(d->hold)))
		qp_flush_hold(d, out);
	if (c == '=' || is_ws(c))
		d->hold[d->nhold++] = c;
	else
		buf_addch(out, c);
}

void qp_dec_feed(struct qp_dec *d, const char *in, size_t n, struct buf *out)
{
	buf_reserve(out, n);
	for (size_t i = 0; i < n; i++)
		qp_byte(d, in[i], out);
}

void qp_dec_finish(struct qp_dec *d, struct buf *out)
{
	/* "=X" at the end is literal; "=" plus white space is a soft break,
	 * white space alone is padding. */
	if (d->nhold == 2 && d->hold[0] == '=' && str_hex_digit(d->hold[1]) >= 0)
		buf_add(out, d->hold, 2);
	d->nhold = 0;
}

void cte_decode(enum cte e, const char *in, size_t n, struct buf *out)
{
	if (e == CTE_BASE64) {
		struct b64_dec d;
		b64_dec_init(&d);
		b64_dec_feed(&d, in, n, out);
	} else if (e == CTE_QP) {
		struct qp_dec d;
		qp_dec_init(&d);
		qp_dec_feed(&d, in, n, out);
		qp_dec_finish(&d, out);
	} else {
		buf_add(out, in, n);
	}
}

void hex_escapes_decode(const char *in, size_t n, char esc,
    bool underscore_is_space, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '_' && underscore_is_space) {
			buf_addch(out, ' ');
		} else if (in[i] == esc && i + 2 < n &&
		    str_hex_digit(in[i + 1]) >= 0 && str_hex_digit(in[i + 2]) >= 0) {
			buf_addch(out, (char)(str_hex_digit(in[i + 1]) * 16 +
			    str_hex_digit(in[i + 2])));
			i += 2;
		} else {
			buf_addch(out, in[i]);
		}
	}
}
