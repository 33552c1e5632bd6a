/* Response writer: quoting rules of RFC 3501 section 9 / RFC 9051. */
#include "imap/respond.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap/lexer.h"
#include "imap/mutf7.h"

#define QUOTED_MAX 1024     /* longer strings go as literals */

void
imap_w_init(struct imap_writer *w, struct buf *out, bool utf8)
{
	w->out = out;
	w->utf8 = utf8;
	w->need_sp = false;
}

static void
sep(struct imap_writer *w)
{
	if (w->need_sp)
		buf_addch(w->out, ' ');
	w->need_sp = true;
}

void
imap_w_untagged(struct imap_writer *w)
{
	buf_addch(w->out, '*');
	w->need_sp = true;
}

void
imap_w_tagged(struct imap_writer *w, const char *tag)
{
	buf_addstr(w->out, tag);
	w->need_sp = true;
}

void
imap_w_end(struct imap_writer *w)
{
	buf_add(w->out, "\r\n", 2);
	w->need_sp = false;
}

void
imap_w_text(struct imap_writer *w, const char *text)
{
	if (!text || !*text)
		return;
	sep(w);
	for (const char *p = text; *p; p++)
		buf_addch(w->out, (*p == '\r' || *p == '\n') ? ' ' : *p);
}

void
imap_w_continue(struct imap_writer *w, const char *text)
{
	buf_addch(w->out, '+');
	w->need_sp = true;
	imap_w_text(w, text && *text ? text : "Ready for literal data");
	imap_w_end(w);
}

void
imap_w_code_begin(struct imap_writer *w, const char *atom)
{
	sep(w);
	buf_addch(w->out, '[');
	buf_addstr(w->out, atom);
	w->need_sp = true;
}

void
imap_w_code_end(struct imap_writer *w)
{
	buf_addch(w->out, ']');
	w->need_sp = true;
}

void
imap_w_status(struct imap_writer *w, const char *tag, const char *status,
    const char *code, const char *text)
{
	if (tag)
		imap_w_tagged(w, tag);
	else
		imap_w_untagged(w);
	imap_w_atom(w, status);
	if (code) {
		imap_w_code_begin(w, code);
		imap_w_code_end(w);
	}
	imap_w_text(w, text);
	imap_w_end(w);
}

void
imap_w_atom(struct imap_writer *w, const char *atom)
{
	sep(w);
	buf_addstr(w->out, atom);
}

void
imap_w_number(struct imap_writer *w, uint64_t n)
{
	sep(w);
	buf_printf(w->out, "%llu", (unsigned long long)n);
}

void
imap_w_nil(struct imap_writer *w)
{
	imap_w_atom(w, "NIL");
}

void
imap_w_literal_header(struct imap_writer *w, uint64_t n, bool binary)
{
	sep(w);
	buf_printf(w->out, "%s{%llu}\r\n", binary ? "~" : "",
	    (unsigned long long)n);
}

void
imap_w_literal(struct imap_writer *w, const void *s, size_t n)
{
	imap_w_literal_header(w, n, false);
	buf_add(w->out, s, n);
}

void
imap_w_literal8(struct imap_writer *w, const void *s, size_t n)
{
	imap_w_literal_header(w, n, true);
	buf_add(w->out, s, n);
}

static bool
quotable(const struct imap_writer *w, const char *s, size_t n)
{
	bool high = false;

	if (n > QUOTED_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0' || c == '\r' || c == '\n')
			return false;
		high |= c >= 0x80;
	}
	return !high || (w->utf8 && imap_utf8_valid(s, n));
}

void
imap_w_string(struct imap_writer *w, const char *s, size_t n)
{
	if (!quotable(w, s, n)) {
		imap_w_literal(w, s, n);
		return;
	}
	sep(w);
	buf_addch(w->out, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_addch(w->out, '\\');
		buf_addch(w->out, s[i]);
	}
	buf_addch(w->out, '"');
}

void
imap_w_nstring(struct imap_writer *w, const char *s, size_t n)
{
	if (!s)
		imap_w_nil(w);
	else
		imap_w_string(w, s, n);
}

void
imap_w_astring(struct imap_writer *w, const char *s, size_t n)
{
	bool atom = n > 0 && !(n == 3 && strncasecmp(s, "NIL", 3) == 0);

	for (size_t i = 0; atom && i < n; i++)
		atom = lex_is_atom_char((unsigned char)s[i]) || s[i] == ']';
	if (!atom) {
		imap_w_string(w, s, n);
		return;
	}
	sep(w);
	buf_add(w->out, s, n);
}

void
imap_w_mailbox(struct imap_writer *w, const char *name)
{
	struct buf enc = BUF_INIT;
	size_t n = strlen(name);

	if (w->utf8 || !imap_mutf7_encode(name, n, &enc)) {
		imap_w_astring(w, name, n);
	} else {
		imap_w_astring(w, buf_cstr(&enc), enc.len);
	}
	buf_free(&enc);
}

void
imap_w_open(struct imap_writer *w)
{
	sep(w);
	buf_addch(w->out, '(');
	w->need_sp = false;
}

void
imap_w_close(struct imap_writer *w)
{
	buf_addch(w->out, ')');
	w->need_sp = true;
}

void
imap_w_flags(struct imap_writer *w, char *const *flags, size_t n)
{
	imap_w_open(w);
	for (size_t i = 0; i < n; i++)
		imap_w_atom(w, flags[i]);
	imap_w_close(w);
}

void
imap_w_seqset(struct imap_writer *w, const struct imap_seqset *s)
{
	sep(w);
	imap_seqset_format(s, w->out);
}

void
imap_w_date_time(struct imap_writer *w, time_t t, int tz_minutes)
{
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t local = t + (time_t)tz_minutes * 60;
	struct tm tm;
	int z = tz_minutes < 0 ? -tz_minutes : tz_minutes;

	gmtime_r(&local, &tm);
	sep(w);
	buf_printf(w->out, "\"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
	    tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tz_minutes < 0 ? '-' : '+', z / 60, z % 60);
}

static void
section_text(struct imap_writer *w, const struct imap_section *s)
{
	static const char *const spec[] = { "", "HEADER", "HEADER.FIELDS",
		"HEADER.FIELDS.NOT", "TEXT", "MIME" };

	buf_addch(w->out, '[');
	for (size_t i = 0; i < s->nparts; i++)
		buf_printf(w->out, "%s%u", i ? "." : "", s->part[i]);
	if (s->spec != IMAP_SEC_NONE)
		buf_printf(w->out, "%s%s", s->nparts ? "." : "", spec[s->spec]);
	if (s->spec == IMAP_SEC_HEADER_FIELDS ||
	    s->spec == IMAP_SEC_HEADER_FIELDS_NOT) {
		w->need_sp = true;
		imap_w_open(w);
		for (size_t i = 0; i < s->fields.n; i++)
			imap_w_astring(w, s->fields.v[i], strlen(s->fields.v[i]));
		imap_w_close(w);
	}
	buf_addch(w->out, ']');
}

void
imap_w_fetch_att_name(struct imap_writer *w, const struct imap_fetch_att *a)
{
	static const char *const names[] = { "ENVELOPE", "FLAGS",
		"INTERNALDATE", "RFC822", "RFC822.HEADER", "RFC822.SIZE",
		"RFC822.TEXT", "BODY", "BODYSTRUCTURE", "UID", "BODY", "BINARY",
		"BINARY.SIZE", "MODSEQ" };

	imap_w_atom(w, names[a->type]);
	if (a->type == IMAP_FA_BODY_SECTION || a->type == IMAP_FA_BINARY ||
	    a->type == IMAP_FA_BINARY_SIZE)
		section_text(w, &a->section);
	if (a->partial)
		buf_printf(w->out, "<%u>", a->offset);
	w->need_sp = true;
}
