/* Token readers for IMAP command syntax (RFC 3501 section 9, RFC 9051
 * section 9) and the per-command arena. */
#include "imap/lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "imap/mutf7.h"

/* ---- arena ---- */

struct imap_arena_chunk {
	struct imap_arena_chunk *next;
	size_t size, used;
	max_align_t data[];
};

#define ARENA_CHUNK 4096

void *
imap_arena_alloc(struct imap_command *cmd, size_t n)
{
	struct imap_arena_chunk *c = cmd->arena;
	size_t need = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	void *p;

	if (need < n)
		xoom();
	if (!c || c->size - c->used < need) {
		size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = cmd->arena;
		cmd->arena = c;
	}
	p = (char *)c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

char *
imap_arena_strndup(struct imap_command *cmd, const char *s, size_t n)
{
	char *p = imap_arena_alloc(cmd, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
imap_arena_free(struct imap_command *cmd)
{
	while (cmd->arena) {
		struct imap_arena_chunk *c = cmd->arena;

		cmd->arena = c->next;
		/* Commands carry passwords (LOGIN) and SASL data. */
		sodium_memzero(c->data, c->used);
		free(c);
	}
}

void
strlist_push(struct imap_command *cmd, struct imap_strlist *sl, char *s)
{
	/* Capacity doubles at powers of two; the arena keeps old arrays. */
	if (sl->n == 0 || (sl->n & (sl->n - 1)) == 0) {
		size_t cap = sl->n ? sl->n * 2 : 1;
		char **v = imap_arena_alloc(cmd, cap * sizeof(*v));
		if (sl->n)
			memcpy(v, sl->v, sl->n * sizeof(*v));
		sl->v = v;
	}
	sl->v[sl->n++] = s;
}

/* ---- basic tokens ---- */

bool
lex_fail(struct imap_lex *l, const char *fmt, ...)
{
	va_list ap;

	if (l->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(l->err, sizeof(l->err), fmt, ap);
		va_end(ap);
	}
	return false;
}

bool
lex_at_end(const struct imap_lex *l)
{
	return l->p >= l->end;
}

bool
lex_peek_char(const struct imap_lex *l, char c)
{
	return l->p < l->end && *l->p == c;
}

bool
lex_char(struct imap_lex *l, char c)
{
	if (!lex_peek_char(l, c))
		return lex_fail(l, "Expected '%c'", c);
	l->p++;
	return true;
}

bool
lex_sp(struct imap_lex *l)
{
	if (!lex_peek_char(l, ' '))
		return lex_fail(l, lex_at_end(l) ? "Missing argument" :
		    "Expected a single space");
	l->p++;
	if (lex_peek_char(l, ' '))
		return lex_fail(l, "Extra space");
	return true;
}

bool
lex_eol(struct imap_lex *l)
{
	if (!lex_at_end(l))
		return lex_fail(l, "Unexpected extra arguments");
	return true;
}

bool
lex_is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("(){%*\"\\]", c) == NULL;
}

bool
lex_word(struct imap_lex *l, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(l->end - l->p) < n || strncasecmp(l->p, word, n) != 0)
		return false;
	if (l->p + n < l->end && lex_is_atom_char((unsigned char)l->p[n]) &&
	    !strchr("[<", l->p[n]))
		return false;
	l->p += n;
	return true;
}

bool
lex_atom_ex(struct imap_lex *l, const char *extra, const char **s, size_t *n)
{
	const char *start = l->p;

	while (l->p < l->end && (lex_is_atom_char((unsigned char)*l->p) ||
	    (*l->p && strchr(extra, *l->p))))
		l->p++;
	if (l->p == start)
		return lex_fail(l, lex_at_end(l) ? "Missing argument" :
		    "Expected an atom");
	*s = start;
	*n = (size_t)(l->p - start);
	return true;
}

bool
lex_atom(struct imap_lex *l, char **out)
{
	const char *s;
	size_t n;

	if (!lex_atom_ex(l, "", &s, &n))
		return false;
	*out = imap_arena_strndup(l->cmd, s, n);
	return true;
}

static bool
digits64(struct imap_lex *l, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = l->p;

	while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
		unsigned d = (unsigned)(*l->p - '0');
		if (v > (max - d) / 10)
			return lex_fail(l, "Number too large");
		v = v * 10 + d;
		l->p++;
	}
	if (l->p == start)
		return lex_fail(l, "Expected a number");
	*out = v;
	return true;
}

bool
lex_number(struct imap_lex *l, uint32_t *out)
{
	uint64_t v;

	if (!digits64(l, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool
lex_nz_number(struct imap_lex *l, uint32_t *out)
{
	if (!lex_number(l, out))
		return false;
	if (*out == 0)
		return lex_fail(l, "Number must not be zero");
	return true;
}

bool
lex_number64(struct imap_lex *l, uint64_t *out)
{
	return digits64(l, INT64_MAX, out);
}

/* ---- strings ---- */

static bool
lex_quoted(struct imap_lex *l, char **out, size_t *len)
{
	const char *s = ++l->p;     /* after DQUOTE */
	size_t n = 0;
	char *d;

	/* First pass: validate and measure. */
	for (const char *p = s;; p++) {
		if (p >= l->end)
			return lex_fail(l, "Unterminated quoted string");
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c == '\0' || c == '\r' || c == '\n')
			return lex_fail(l, "Invalid character in quoted string");
		if (c == '\\') {
			p++;
			if (p >= l->end || (*p != '"' && *p != '\\'))
				return lex_fail(l, "Invalid escape in quoted string");
		}
		n++;
	}
	*out = d = imap_arena_alloc(l->cmd, n + 1);
	while (*l->p != '"') {
		if (*l->p == '\\')
			l->p++;
		*d++ = *l->p++;
	}
	*d = '\0';
	l->p++;
	*len = n;
	return true;
}

static bool
lex_literal(struct imap_lex *l, char **out, size_t *len)
{
	uint64_t n;

	if (lex_peek_char(l, '~'))
		return lex_fail(l, "literal8 not allowed here");
	l->p++;                     /* '{' */
	if (!digits64(l, UINT64_MAX, &n))
		return false;
	if (lex_peek_char(l, '+'))
		l->p++;
	if (!lex_char(l, '}'))
		return false;
	if (l->end - l->p < 2 || l->p[0] != '\r' || l->p[1] != '\n')
		return lex_fail(l, "Literal must end the line");
	l->p += 2;
	if (n > l->max_literal)
		return lex_fail(l, "Literal too large");
	if ((uint64_t)(l->end - l->p) < n) {
		l->incomplete = true;
		return lex_fail(l, "Literal data missing");
	}
	if (memchr(l->p, '\0', (size_t)n))
		return lex_fail(l, "NUL in literal");
	*out = imap_arena_strndup(l->cmd, l->p, (size_t)n);
	*len = (size_t)n;
	l->p += n;
	return true;
}

bool
lex_string(struct imap_lex *l, char **out, size_t *len)
{
	if (lex_peek_char(l, '"'))
		return lex_quoted(l, out, len);
	if (lex_peek_char(l, '{') || lex_peek_char(l, '~'))
		return lex_literal(l, out, len);
	return lex_fail(l, lex_at_end(l) ? "Missing argument" :
	    "Expected a string");
}

bool
lex_astring(struct imap_lex *l, char **out)
{
	const char *s;
	size_t n;

	if (lex_peek_char(l, '"') || lex_peek_char(l, '{') || lex_peek_char(l, '~'))
		return lex_string(l, out, &n);
	if (!lex_atom_ex(l, "]", &s, &n))
		return false;
	*out = imap_arena_strndup(l->cmd, s, n);
	return true;
}

bool
lex_nstring(struct imap_lex *l, char **out)
{
	size_t n;

	if (lex_word(l, "NIL")) {
		*out = NULL;
		return true;
	}
	return lex_string(l, out, &n);
}

bool
lex_list_mailbox(struct imap_lex *l, char **out)
{
	const char *s;
	size_t n;
	char *raw;

	if (lex_peek_char(l, '"') || lex_peek_char(l, '{') || lex_peek_char(l, '~')) {
		if (!lex_string(l, &raw, &n))
			return false;
	} else {
		if (!lex_atom_ex(l, "%*]", &s, &n))
			return false;
		raw = imap_arena_strndup(l->cmd, s, n);
	}
	return lex_mailbox_decode(l, raw, out);
}

bool
lex_mailbox_decode(struct imap_lex *l, char *raw, char **out)
{
	size_t n = strlen(raw);
	struct buf b = BUF_INIT;

	if (strcasecmp(raw, "INBOX") == 0) {
		memcpy(raw, "INBOX", 5);
		*out = raw;
		return true;
	}
	if (l->utf8) {
		if (!imap_utf8_valid(raw, n))
			return lex_fail(l, "Mailbox name is not valid UTF-8");
		*out = raw;
		return true;
	}
	if (!imap_mutf7_decode(raw, n, &b)) {
		buf_free(&b);
		return lex_fail(l, "Mailbox name is not valid modified UTF-7");
	}
	*out = imap_arena_strndup(l->cmd, buf_cstr(&b), b.len);
	buf_free(&b);
	return true;
}

bool
lex_mailbox(struct imap_lex *l, char **out)
{
	char *raw;

	if (!lex_astring(l, &raw))
		return false;
	if (raw[0] == '\0')
		return lex_fail(l, "Empty mailbox name");
	return lex_mailbox_decode(l, raw, out);
}

/* ---- flags, sets ---- */

bool
lex_flag(struct imap_lex *l, char **out)
{
	const char *s;
	size_t n;
	const char *start = l->p;

	if (lex_peek_char(l, '\\')) {
		l->p++;
		if (lex_peek_char(l, '*')) {         /* "\*" only in PERMANENTFLAGS */
			return lex_fail(l, "Invalid flag \\*");
		}
	}
	if (!lex_atom_ex(l, "", &s, &n)) {
		l->err[0] = '\0';
		return lex_fail(l, "Invalid flag");
	}
	*out = imap_arena_strndup(l->cmd, start, (size_t)(l->p - start));
	return true;
}

static bool
flag_item(struct imap_lex *l, void *arg)
{
	char *f;

	if (!lex_flag(l, &f))
		return false;
	strlist_push(l->cmd, arg, f);
	return true;
}

bool
lex_flag_list(struct imap_lex *l, struct imap_strlist *out)
{
	return lex_paren_list(l, true, flag_item, out);
}

bool
lex_paren_list(struct imap_lex *l, bool allow_empty,
    bool (*fn)(struct imap_lex *, void *), void *arg)
{
	if (!lex_char(l, '('))
		return false;
	if (lex_peek_char(l, ')')) {
		l->p++;
		return allow_empty ? true : lex_fail(l, "Empty list");
	}
	for (;;) {
		if (!fn(l, arg))
			return false;
		if (lex_peek_char(l, ')')) {
			l->p++;
			return true;
		}
		if (!lex_sp(l))
			return false;
	}
}

bool
lex_seqset(struct imap_lex *l, struct imap_seqset *out)
{
	const char *s = l->p;
	struct imap_seqset tmp;

	while (l->p < l->end && strchr("0123456789:*,$", *l->p) && *l->p)
		l->p++;
	imap_seqset_init(&tmp);
	if (!imap_seqset_parse(&tmp, s, (size_t)(l->p - s), true))
		return lex_fail(l, "Invalid sequence set");
	/* Copy into the arena so the command frees in one go. */
	*out = tmp;
	out->r = imap_arena_alloc(l->cmd, (tmp.n ? tmp.n : 1) * sizeof(*tmp.r));
	if (tmp.n)
		memcpy(out->r, tmp.r, tmp.n * sizeof(*tmp.r));
	out->cap = 0;           /* arena-owned: never grown or freed */
	imap_seqset_free(&tmp);
	return true;
}

/* ---- dates ---- */

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int
days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

static bool
ndigits(struct imap_lex *l, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (l->p >= l->end || *l->p < '0' || *l->p > '9')
			return lex_fail(l, "Invalid date");
		v = v * 10 + (*l->p++ - '0');
	}
	*out = v;
	return true;
}

/* date-month "-" date-year, after the day and its "-". */
static bool
month_year(struct imap_lex *l, struct imap_date *d)
{
	d->month = 0;
	for (int i = 0; i < 12; i++) {
		if (l->end - l->p >= 3 && strncasecmp(l->p, months[i], 3) == 0) {
			d->month = i + 1;
			l->p += 3;
			break;
		}
	}
	if (d->month == 0 || !lex_char(l, '-') || !ndigits(l, 4, &d->year))
		return lex_fail(l, "Invalid date");
	if (d->day < 1 || d->day > days_in_month(d->year, d->month))
		return lex_fail(l, "Invalid day of month");
	return true;
}

bool
lex_date(struct imap_lex *l, struct imap_date *out)
{
	bool quoted = lex_peek_char(l, '"');

	if (quoted)
		l->p++;
	if (!ndigits(l, 1, &out->day))
		return false;
	if (l->p < l->end && *l->p >= '0' && *l->p <= '9')
		out->day = out->day * 10 + (*l->p++ - '0');
	if (!lex_char(l, '-') || !month_year(l, out))
		return lex_fail(l, "Invalid date");
	if (quoted && !lex_char(l, '"'))
		return false;
	return true;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool
lex_date_time(struct imap_lex *l, time_t *t, int *tz_minutes)
{
	struct imap_date d = { 0, 0, 0 };
	int d1 = 0, d2 = 0, hh = 0, mm = 0, ss = 0, zh = 0, zm = 0, sign;

	if (!lex_char(l, '"'))
		return lex_fail(l, "Invalid date-time");
	/* date-day-fixed = (SP DIGIT) / 2DIGIT */
	if (lex_peek_char(l, ' '))
		l->p++;
	else if (!ndigits(l, 1, &d1))
		return false;
	if (!ndigits(l, 1, &d2))
		return false;
	d.day = d1 * 10 + d2;
	if (!lex_char(l, '-') || !month_year(l, &d) || !lex_char(l, ' ') ||
	    !ndigits(l, 2, &hh) || !lex_char(l, ':') || !ndigits(l, 2, &mm) ||
	    !lex_char(l, ':') || !ndigits(l, 2, &ss) || !lex_char(l, ' '))
		return lex_fail(l, "Invalid date-time");
	if (lex_peek_char(l, '+'))
		sign = 1;
	else if (lex_peek_char(l, '-'))
		sign = -1;
	else
		return lex_fail(l, "Invalid time zone");
	l->p++;
	if (!ndigits(l, 2, &zh) || !ndigits(l, 2, &zm) || !lex_char(l, '"'))
		return lex_fail(l, "Invalid date-time");
	if (hh > 23 || mm > 59 || ss > 60 || zh > 23 || zm > 59)
		return lex_fail(l, "Invalid date-time");
	*tz_minutes = sign * (zh * 60 + zm);
	*t = (time_t)(days_from_civil(d.year, d.month, d.day) * 86400 +
	    hh * 3600 + mm * 60 + ss - *tz_minutes * 60);
	return true;
}
