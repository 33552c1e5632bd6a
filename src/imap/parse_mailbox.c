/* Arguments of SELECT/EXAMINE, LIST/LSUB, STATUS and APPEND. */
#include <string.h>

#include "imap/parse_int.h"

/* ---- SELECT / EXAMINE (RFC 7162 3.1.8, 3.2.5) ---- */

static bool
seq_match(struct imap_lex *l, struct imap_qresync *q)
{
	q->has_seq_match = true;
	return lex_char(l, '(') && lex_seqset(l, &q->known_seqs) && lex_sp(l) &&
	    lex_seqset(l, &q->known_seq_uids) && lex_char(l, ')');
}

static bool
qresync_params(struct imap_lex *l, struct imap_qresync *q)
{
	if (!lex_char(l, '(') || !lex_nz_number(l, &q->uidvalidity) ||
	    !lex_sp(l) || !lex_number64(l, &q->modseq))
		return false;
	if (q->modseq == 0)
		return lex_fail(l, "QRESYNC mod-sequence must not be zero");
	if (lex_peek_char(l, ' ') && l->end - l->p > 1 && l->p[1] != '(') {
		lex_sp(l);
		q->has_known_uids = true;
		if (!lex_seqset(l, &q->known_uids))
			return false;
	}
	if (lex_peek_char(l, ' ')) {
		lex_sp(l);
		if (!seq_match(l, q))
			return false;
	}
	return lex_char(l, ')');
}

static bool
select_param(struct imap_lex *l, void *arg)
{
	struct imap_select_args *a = arg;

	if (lex_word(l, "CONDSTORE")) {
		a->condstore = true;
		return true;
	}
	if (lex_word(l, "QRESYNC")) {
		a->qresync = true;
		return lex_sp(l) && qresync_params(l, &a->qr);
	}
	return lex_fail(l, "Unknown SELECT parameter");
}

bool
parse_select_args(struct imap_lex *l, struct imap_select_args *a)
{
	if (!lex_sp(l) || !lex_mailbox(l, &a->mailbox))
		return false;
	if (lex_at_end(l))
		return true;
	return lex_sp(l) && lex_paren_list(l, false, select_param, a) &&
	    lex_eol(l);
}

/* ---- STATUS ---- */

static const struct {
	const char *name;
	unsigned bit;
} status_items[] = {
	{ "MESSAGES", IMAP_STATUS_MESSAGES }, { "RECENT", IMAP_STATUS_RECENT },
	{ "UIDNEXT", IMAP_STATUS_UIDNEXT },
	{ "UIDVALIDITY", IMAP_STATUS_UIDVALIDITY },
	{ "UNSEEN", IMAP_STATUS_UNSEEN }, { "DELETED", IMAP_STATUS_DELETED },
	{ "SIZE", IMAP_STATUS_SIZE },
	{ "HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ },
	{ "APPENDLIMIT", IMAP_STATUS_APPENDLIMIT },
	{ "DELETED-STORAGE", IMAP_STATUS_DELETED_STORAGE },
};

static bool
status_item(struct imap_lex *l, void *arg)
{
	unsigned *items = arg;

	for (size_t i = 0; i < sizeof(status_items) / sizeof(status_items[0]); i++) {
		if (lex_word(l, status_items[i].name)) {
			*items |= status_items[i].bit;
			return true;
		}
	}
	return lex_fail(l, "Unknown STATUS item");
}

bool
parse_status_items(struct imap_lex *l, unsigned *items)
{
	return lex_paren_list(l, false, status_item, items);
}

bool
parse_status_args(struct imap_lex *l, struct imap_status_args *a)
{
	return lex_sp(l) && lex_mailbox(l, &a->mailbox) && lex_sp(l) &&
	    parse_status_items(l, &a->items) && lex_eol(l);
}

/* ---- LIST (RFC 3501 6.3.8, RFC 5258, RFC 5819, RFC 6154) ---- */

static bool
select_opt(struct imap_lex *l, void *arg)
{
	unsigned *o = arg;

	if (lex_word(l, "SUBSCRIBED"))
		*o |= IMAP_LISTSEL_SUBSCRIBED;
	else if (lex_word(l, "REMOTE"))
		*o |= IMAP_LISTSEL_REMOTE;
	else if (lex_word(l, "RECURSIVEMATCH"))
		*o |= IMAP_LISTSEL_RECURSIVEMATCH;
	else if (lex_word(l, "SPECIAL-USE"))
		*o |= IMAP_LISTSEL_SPECIAL_USE;
	else
		return lex_fail(l, "Unknown LIST selection option");
	return true;
}

static bool
return_opt(struct imap_lex *l, void *arg)
{
	struct imap_list_args *a = arg;

	if (lex_word(l, "SUBSCRIBED"))
		a->return_opts |= IMAP_LISTRET_SUBSCRIBED;
	else if (lex_word(l, "CHILDREN"))
		a->return_opts |= IMAP_LISTRET_CHILDREN;
	else if (lex_word(l, "SPECIAL-USE"))
		a->return_opts |= IMAP_LISTRET_SPECIAL_USE;
	else if (lex_word(l, "STATUS")) {
		a->return_opts |= IMAP_LISTRET_STATUS;
		return lex_sp(l) && parse_status_items(l, &a->status_items);
	} else
		return lex_fail(l, "Unknown LIST return option");
	return true;
}

static bool
pattern(struct imap_lex *l, void *arg)
{
	struct imap_list_args *a = arg;
	char *p;

	if (!lex_list_mailbox(l, &p))
		return false;
	strlist_push(l->cmd, &a->patterns, p);
	return true;
}

/* The reference may be "" and need not be a valid name by itself. */
static bool
reference(struct imap_lex *l, char **out)
{
	char *raw;

	if (!lex_astring(l, &raw))
		return false;
	if (raw[0] == '\0') {
		*out = raw;
		return true;
	}
	return lex_mailbox_decode(l, raw, out);
}

bool
parse_list_args(struct imap_lex *l, struct imap_list_args *a)
{
	if (!lex_sp(l))
		return false;
	if (lex_peek_char(l, '(')) {
		a->extended = true;
		if (!lex_paren_list(l, true, select_opt, &a->select_opts) ||
		    !lex_sp(l))
			return false;
		/* RECURSIVEMATCH alone would change nothing: RFC 5258 3. */
		if (a->select_opts == IMAP_LISTSEL_RECURSIVEMATCH)
			return lex_fail(l, "RECURSIVEMATCH needs another option");
	}
	if (!reference(l, &a->reference) || !lex_sp(l))
		return false;
	if (lex_peek_char(l, '(')) {
		a->extended = true;
		if (!lex_paren_list(l, false, pattern, a))
			return false;
	} else if (!pattern(l, a)) {
		return false;
	}
	if (lex_at_end(l))
		return true;
	a->extended = true;
	if (!lex_sp(l) || !lex_word(l, "RETURN"))
		return lex_fail(l, "Expected RETURN");
	return lex_sp(l) && lex_paren_list(l, true, return_opt, a) &&
	    lex_eol(l);
}

bool
parse_lsub_args(struct imap_lex *l, struct imap_list_args *a)
{
	return lex_sp(l) && reference(l, &a->reference) && lex_sp(l) &&
	    pattern(l, a) && lex_eol(l);
}

/* ---- APPEND (RFC 3501 6.3.11, RFC 3502, RFC 3516) ---- */

bool
parse_append_msg(struct imap_lex *l, struct imap_append_args *a, bool first)
{
	if (first && (!lex_sp(l) || !lex_mailbox(l, &a->mailbox)))
		return false;
	if (!lex_sp(l))
		return false;
	if (lex_peek_char(l, '(')) {
		if (!lex_flag_list(l, &a->flags) || !lex_sp(l))
			return false;
	}
	if (lex_peek_char(l, '"')) {
		a->has_date = true;
		if (!lex_date_time(l, &a->date, &a->tz_minutes) || !lex_sp(l))
			return false;
	}
	if (lex_word(l, "UTF8")) {
		/* RFC 6855 4: the message as literal8 in parentheses. */
		a->utf8 = true;
		if (!lex_sp(l) || !lex_char(l, '('))
			return false;
		if (!lex_peek_char(l, '~'))
			return lex_fail(l, "UTF8 needs a literal8");
	}
	if (!lex_peek_char(l, '{') && !lex_peek_char(l, '~'))
		return lex_fail(l, lex_at_end(l) ? "Missing message literal" :
		    "Expected message literal");
	return true;
}

bool
parse_append_literal(struct imap_lex *l, struct imap_append_args *a)
{
	uint64_t n;

	if (lex_peek_char(l, '~')) {
		a->binary = true;
		l->p++;
	}
	if (!lex_char(l, '{') || !lex_number64(l, &n))
		return false;
	if (lex_peek_char(l, '+')) {
		a->nonsync = true;
		l->p++;
	}
	if (!lex_char(l, '}') || !lex_char(l, '\r') || !lex_char(l, '\n'))
		return false;
	a->size = n;
	return lex_eol(l);
}
