/* FETCH and STORE arguments (RFC 3501 6.4.5-6, RFC 9051, RFC 3516 BINARY,
 * RFC 7162 CHANGEDSINCE/VANISHED/UNCHANGEDSINCE). */
#include <string.h>

#include "imap/parse_int.h"

#define MAX_FETCH_ATTS 64
#define MAX_SECTION_PARTS 32

static struct imap_fetch_att *
add_att(struct imap_lex *l, struct imap_fetch_args *a,
    enum imap_fetch_att_type t)
{
	if (a->natts >= MAX_FETCH_ATTS) {
		lex_fail(l, "Too many FETCH attributes");
		return NULL;
	}
	if (!a->atts)
		a->atts = imap_arena_alloc(l->cmd, MAX_FETCH_ATTS * sizeof(*a->atts));
	a->atts[a->natts].type = t;
	return &a->atts[a->natts++];
}

static bool
header_field(struct imap_lex *l, void *arg)
{
	char *f;

	if (!lex_astring(l, &f))
		return false;
	if (f[0] == '\0')
		return lex_fail(l, "Empty header field name");
	for (char *p = f; *p; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127 || *p == ':')
			return lex_fail(l, "Invalid header field name");
	strlist_push(l->cmd, arg, f);
	return true;
}

/* section-part: nz-number *("." nz-number); leaves l after the last. */
static bool
section_part(struct imap_lex *l, struct imap_section *s)
{
	uint32_t buf[MAX_SECTION_PARTS];

	s->nparts = 0;
	for (;;) {
		if (s->nparts == MAX_SECTION_PARTS)
			return lex_fail(l, "Section part too deep");
		if (!lex_nz_number(l, &buf[s->nparts]))
			return false;
		s->nparts++;
		if (!(lex_peek_char(l, '.') && l->end - l->p > 1 &&
		    l->p[1] >= '0' && l->p[1] <= '9'))
			break;
		l->p++;
	}
	s->part = imap_arena_alloc(l->cmd, s->nparts * sizeof(*s->part));
	memcpy(s->part, buf, s->nparts * sizeof(*s->part));
	return true;
}

/* "[" [section-spec] "]" (or section-binary: parts only). */
static bool
section(struct imap_lex *l, struct imap_section *s, bool binary)
{
	if (!lex_char(l, '['))
		return false;
	if (lex_peek_char(l, ']')) {
		l->p++;
		return true;
	}
	if (l->p < l->end && *l->p >= '1' && *l->p <= '9') {
		if (!section_part(l, s))
			return false;
		if (binary || lex_peek_char(l, ']'))
			return lex_char(l, ']');
		if (!lex_char(l, '.'))
			return false;
		if (lex_word(l, "MIME")) {
			s->spec = IMAP_SEC_MIME;
			return lex_char(l, ']');
		}
	} else if (binary) {
		return lex_fail(l, "Invalid BINARY section");
	}
	if (lex_word(l, "HEADER.FIELDS.NOT"))
		s->spec = IMAP_SEC_HEADER_FIELDS_NOT;
	else if (lex_word(l, "HEADER.FIELDS"))
		s->spec = IMAP_SEC_HEADER_FIELDS;
	else if (lex_word(l, "HEADER"))
		s->spec = IMAP_SEC_HEADER;
	else if (lex_word(l, "TEXT"))
		s->spec = IMAP_SEC_TEXT;
	else
		return lex_fail(l, "Invalid section");
	if (s->spec == IMAP_SEC_HEADER_FIELDS ||
	    s->spec == IMAP_SEC_HEADER_FIELDS_NOT) {
		if (!lex_sp(l) ||
		    !lex_paren_list(l, false, header_field, &s->fields))
			return false;
	}
	return lex_char(l, ']');
}

/* "<" number "." nz-number ">" */
static bool
partial(struct imap_lex *l, struct imap_fetch_att *a)
{
	if (!lex_peek_char(l, '<'))
		return true;
	l->p++;
	a->partial = true;
	return lex_number(l, &a->offset) && lex_char(l, '.') &&
	    lex_nz_number(l, &a->length) && lex_char(l, '>');
}

static const struct {
	const char *name;
	enum imap_fetch_att_type type;
} simple_atts[] = {
	{ "ENVELOPE", IMAP_FA_ENVELOPE }, { "FLAGS", IMAP_FA_FLAGS },
	{ "INTERNALDATE", IMAP_FA_INTERNALDATE },
	{ "RFC822.HEADER", IMAP_FA_RFC822_HEADER },
	{ "RFC822.SIZE", IMAP_FA_RFC822_SIZE },
	{ "RFC822.TEXT", IMAP_FA_RFC822_TEXT }, { "RFC822", IMAP_FA_RFC822 },
	{ "BODYSTRUCTURE", IMAP_FA_BODYSTRUCTURE }, { "UID", IMAP_FA_UID },
	{ "MODSEQ", IMAP_FA_MODSEQ },
};

static bool
fetch_att(struct imap_lex *l, void *arg)
{
	struct imap_fetch_args *fa = arg;
	struct imap_fetch_att *a;
	bool peek = false, binary = false;

	if (lex_word(l, "BODY.PEEK")) {
		peek = true;
	} else if (lex_word(l, "BINARY.PEEK")) {
		peek = binary = true;
	} else if (lex_word(l, "BINARY.SIZE")) {
		if (!(a = add_att(l, fa, IMAP_FA_BINARY_SIZE)))
			return false;
		return section(l, &a->section, true);
	} else if (lex_word(l, "BINARY")) {
		binary = true;
	} else if (lex_word(l, "BODY")) {
		if (!lex_peek_char(l, '['))
			return add_att(l, fa, IMAP_FA_BODY) != NULL;
	} else {
		for (size_t i = 0; i < sizeof(simple_atts) / sizeof(simple_atts[0]); i++)
			if (lex_word(l, simple_atts[i].name))
				return add_att(l, fa, simple_atts[i].type) != NULL;
		return lex_fail(l, "Unknown FETCH attribute");
	}
	if (!(a = add_att(l, fa, binary ? IMAP_FA_BINARY : IMAP_FA_BODY_SECTION)))
		return false;
	a->peek = peek;
	return section(l, &a->section, binary) && partial(l, a);
}

static bool
fetch_modifier(struct imap_lex *l, void *arg)
{
	struct imap_fetch_args *a = arg;

	if (lex_word(l, "CHANGEDSINCE")) {
		a->has_changedsince = true;
		return lex_sp(l) && lex_number64(l, &a->changedsince);
	}
	if (lex_word(l, "VANISHED")) {
		a->vanished = true;
		return true;
	}
	return lex_fail(l, "Unknown FETCH modifier");
}

static bool
fetch_macro(struct imap_lex *l, struct imap_fetch_args *a)
{
	static const enum imap_fetch_att_type all[] = { IMAP_FA_FLAGS,
		IMAP_FA_INTERNALDATE, IMAP_FA_RFC822_SIZE, IMAP_FA_ENVELOPE,
		IMAP_FA_BODY };
	size_t n;

	if (lex_word(l, "ALL")) {
		a->macro = IMAP_FM_ALL;
		n = 4;
	} else if (lex_word(l, "FAST")) {
		a->macro = IMAP_FM_FAST;
		n = 3;
	} else if (lex_word(l, "FULL")) {
		a->macro = IMAP_FM_FULL;
		n = 5;
	} else {
		return false;
	}
	for (size_t i = 0; i < n; i++)
		add_att(l, a, all[i]);
	return true;
}

bool
parse_fetch_args(struct imap_lex *l, struct imap_fetch_args *a, bool uid)
{
	if (!lex_sp(l) || !lex_seqset(l, &a->set) || !lex_sp(l))
		return false;
	if (lex_peek_char(l, '(')) {
		if (!lex_paren_list(l, false, fetch_att, a))
			return false;
	} else if (!fetch_macro(l, a) && !fetch_att(l, a)) {
		return false;
	}
	if (lex_peek_char(l, ' ')) {
		if (!lex_sp(l) || !lex_paren_list(l, false, fetch_modifier, a))
			return false;
	}
	if (a->vanished && (!uid || !a->has_changedsince))
		return lex_fail(l, "VANISHED needs UID FETCH and CHANGEDSINCE");
	return lex_eol(l);
}

static bool
store_flag_list(struct imap_lex *l, struct imap_strlist *flags)
{
	if (lex_peek_char(l, '('))
		return lex_flag_list(l, flags);
	for (;;) {
		char *f;
		if (!lex_flag(l, &f))
			return false;
		strlist_push(l->cmd, flags, f);
		if (lex_at_end(l))
			return true;
		if (!lex_sp(l))
			return false;
	}
}

bool
parse_store_args(struct imap_lex *l, struct imap_store_args *a)
{
	if (!lex_sp(l) || !lex_seqset(l, &a->set) || !lex_sp(l))
		return false;
	if (lex_peek_char(l, '(')) {
		l->p++;
		if (!lex_word(l, "UNCHANGEDSINCE"))
			return lex_fail(l, "Unknown STORE modifier");
		a->has_unchangedsince = true;
		if (!lex_sp(l) || !lex_number64(l, &a->unchangedsince) ||
		    !lex_char(l, ')') || !lex_sp(l))
			return false;
	}
	if (lex_peek_char(l, '+') || lex_peek_char(l, '-')) {
		a->op = *l->p == '+' ? IMAP_STORE_ADD : IMAP_STORE_REMOVE;
		l->p++;
	}
	if (lex_word(l, "FLAGS.SILENT"))
		a->silent = true;
	else if (!lex_word(l, "FLAGS"))
		return lex_fail(l, "Expected FLAGS, +FLAGS or -FLAGS");
	return lex_sp(l) && store_flag_list(l, &a->flags) && lex_eol(l);
}
