/* SEARCH, SORT and THREAD arguments: the search-key grammar of RFC 3501
 * 6.4.4 / RFC 9051 6.4.4 with RFC 4731/9051 RETURN, RFC 7162 MODSEQ and
 * RFC 5032 OLDER/YOUNGER; SORT and THREAD of RFC 5256. */
#include <string.h>

#include "imap/parse_int.h"

static bool parse_key(struct imap_lex *l, struct imap_search_key **out);

static struct imap_search_key *
new_key(struct imap_lex *l, enum imap_search_key_type t)
{
	struct imap_search_key *k = imap_arena_alloc(l->cmd, sizeof(*k));

	k->type = t;
	return k;
}

enum karg { KA_NONE, KA_STR, KA_DATE, KA_NUM, KA_FLAG };

static const struct {
	const char *name;
	enum imap_search_key_type type;
	enum karg arg;
} simple_keys[] = {
	{ "ALL", IMAP_SK_ALL, KA_NONE }, { "ANSWERED", IMAP_SK_ANSWERED, KA_NONE },
	{ "DELETED", IMAP_SK_DELETED, KA_NONE }, { "DRAFT", IMAP_SK_DRAFT, KA_NONE },
	{ "FLAGGED", IMAP_SK_FLAGGED, KA_NONE }, { "NEW", IMAP_SK_NEW, KA_NONE },
	{ "OLD", IMAP_SK_OLD, KA_NONE }, { "RECENT", IMAP_SK_RECENT, KA_NONE },
	{ "SEEN", IMAP_SK_SEEN, KA_NONE },
	{ "UNANSWERED", IMAP_SK_UNANSWERED, KA_NONE },
	{ "UNDELETED", IMAP_SK_UNDELETED, KA_NONE },
	{ "UNDRAFT", IMAP_SK_UNDRAFT, KA_NONE },
	{ "UNFLAGGED", IMAP_SK_UNFLAGGED, KA_NONE },
	{ "UNSEEN", IMAP_SK_UNSEEN, KA_NONE },
	{ "KEYWORD", IMAP_SK_KEYWORD, KA_FLAG },
	{ "UNKEYWORD", IMAP_SK_UNKEYWORD, KA_FLAG },
	{ "BCC", IMAP_SK_BCC, KA_STR }, { "BODY", IMAP_SK_BODY, KA_STR },
	{ "CC", IMAP_SK_CC, KA_STR }, { "FROM", IMAP_SK_FROM, KA_STR },
	{ "SUBJECT", IMAP_SK_SUBJECT, KA_STR }, { "TEXT", IMAP_SK_TEXT, KA_STR },
	{ "TO", IMAP_SK_TO, KA_STR },
	{ "BEFORE", IMAP_SK_BEFORE, KA_DATE }, { "ON", IMAP_SK_ON, KA_DATE },
	{ "SINCE", IMAP_SK_SINCE, KA_DATE },
	{ "SENTBEFORE", IMAP_SK_SENTBEFORE, KA_DATE },
	{ "SENTON", IMAP_SK_SENTON, KA_DATE },
	{ "SENTSINCE", IMAP_SK_SENTSINCE, KA_DATE },
	{ "LARGER", IMAP_SK_LARGER, KA_NUM }, { "SMALLER", IMAP_SK_SMALLER, KA_NUM },
	{ "OLDER", IMAP_SK_OLDER, KA_NUM }, { "YOUNGER", IMAP_SK_YOUNGER, KA_NUM },
};

static bool
key_arg(struct imap_lex *l, struct imap_search_key *k, enum karg arg)
{
	switch (arg) {
	case KA_NONE:
		return true;
	case KA_STR:
		return lex_sp(l) && lex_astring(l, &k->str);
	case KA_DATE:
		return lex_sp(l) && lex_date(l, &k->date);
	case KA_NUM:
		return lex_sp(l) && lex_number64(l, &k->number);
	case KA_FLAG:
		if (!lex_sp(l) || !lex_flag(l, &k->str))
			return false;
		if (k->str[0] == '\\')
			return lex_fail(l, "KEYWORD takes a keyword, not a system flag");
		return true;
	}
	return false;
}

/* MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer */
static bool
modseq_key(struct imap_lex *l, struct imap_search_key *k)
{
	size_t n;

	if (!lex_sp(l))
		return false;
	if (lex_peek_char(l, '"')) {
		if (!lex_string(l, &k->field, &n) || !lex_sp(l))
			return false;
		if (lex_word(l, "priv"))
			k->entry_type = 1;
		else if (lex_word(l, "shared"))
			k->entry_type = 2;
		else if (lex_word(l, "all"))
			k->entry_type = 3;
		else
			return lex_fail(l, "Invalid MODSEQ entry type");
		if (!lex_sp(l))
			return false;
	}
	return lex_number64(l, &k->number);
}

/* Keys separated by SP until ')' (nested) or the end (top level). */
static bool
key_list(struct imap_lex *l, struct imap_search_key *parent, bool nested)
{
	struct imap_search_key **tail = &parent->child;

	for (;;) {
		if (!parse_key(l, tail))
			return false;
		tail = &(*tail)->next;
		if (nested && lex_peek_char(l, ')'))
			return true;
		if (!nested && lex_at_end(l))
			return true;
		if (!lex_sp(l))
			return false;
	}
}

static bool
parse_key(struct imap_lex *l, struct imap_search_key **out)
{
	struct imap_search_key *k;
	bool ok;

	if (l->depth >= l->max_depth)
		return lex_fail(l, "Search keys nested too deeply");
	l->depth++;
	if (lex_peek_char(l, '(')) {
		l->p++;
		k = new_key(l, IMAP_SK_AND);
		ok = key_list(l, k, true) && lex_char(l, ')');
	} else if (l->p < l->end && strchr("0123456789*$", *l->p) && *l->p) {
		k = new_key(l, IMAP_SK_SEQSET);
		ok = lex_seqset(l, &k->set);
	} else if (lex_word(l, "NOT")) {
		k = new_key(l, IMAP_SK_NOT);
		ok = lex_sp(l) && parse_key(l, &k->child);
	} else if (lex_word(l, "OR")) {
		k = new_key(l, IMAP_SK_OR);
		ok = lex_sp(l) && parse_key(l, &k->child) && lex_sp(l) &&
		    parse_key(l, &k->child->next);
	} else if (lex_word(l, "UID")) {
		k = new_key(l, IMAP_SK_UID);
		ok = lex_sp(l) && lex_seqset(l, &k->set);
	} else if (lex_word(l, "HEADER")) {
		k = new_key(l, IMAP_SK_HEADER);
		ok = lex_sp(l) && lex_astring(l, &k->field) && lex_sp(l) &&
		    lex_astring(l, &k->str);
	} else if (lex_word(l, "MODSEQ")) {
		k = new_key(l, IMAP_SK_MODSEQ);
		ok = modseq_key(l, k);
	} else {
		size_t i, nk = sizeof(simple_keys) / sizeof(simple_keys[0]);

		for (i = 0; i < nk; i++)
			if (lex_word(l, simple_keys[i].name))
				break;
		if (i == nk) {
			l->depth--;
			return lex_fail(l, lex_at_end(l) ? "Missing search key" :
			    "Unknown search key");
		}
		k = new_key(l, simple_keys[i].type);
		ok = key_arg(l, k, simple_keys[i].arg);
	}
	l->depth--;
	*out = k;
	return ok;
}

static bool
search_ret(struct imap_lex *l, void *arg)
{
	unsigned *o = arg;

	if (lex_word(l, "MIN"))
		*o |= IMAP_SEARCHRET_MIN;
	else if (lex_word(l, "MAX"))
		*o |= IMAP_SEARCHRET_MAX;
	else if (lex_word(l, "ALL"))
		*o |= IMAP_SEARCHRET_ALL;
	else if (lex_word(l, "COUNT"))
		*o |= IMAP_SEARCHRET_COUNT;
	else if (lex_word(l, "SAVE"))
		*o |= IMAP_SEARCHRET_SAVE;
	else
		return lex_fail(l, "Unknown SEARCH return option");
	return true;
}

/* [SP "RETURN" SP "(" opts ")"] — called at the SP before it. */
static bool
opt_return(struct imap_lex *l, bool *has, unsigned *opts)
{
	const char *save = l->p;

	if (!lex_sp(l))
		return false;
	if (!lex_word(l, "RETURN")) {
		l->p = save;
		return true;
	}
	*has = true;
	if (!lex_sp(l) || !lex_paren_list(l, true, search_ret, opts))
		return false;
	if (*opts == 0)
		*opts = IMAP_SEARCHRET_ALL;     /* RFC 4731 3.1 */
	return true;
}

static bool
search_criteria(struct imap_lex *l, struct imap_search_key **key)
{
	*key = new_key(l, IMAP_SK_AND);
	return lex_sp(l) && key_list(l, *key, false);
}

bool
parse_search_args(struct imap_lex *l, struct imap_search_args *a)
{
	if (!opt_return(l, &a->has_return, &a->return_opts))
		return false;
	{
		const char *save = l->p;
		if (lex_sp(l) && lex_word(l, "CHARSET")) {
			if (!lex_sp(l) || !lex_astring(l, &a->charset))
				return false;
		} else {
			l->p = save;
			l->err[0] = '\0';
		}
	}
	return search_criteria(l, &a->key);
}

static const struct {
	const char *name;
	enum imap_sort_key key;
} sort_keys[] = {
	{ "ARRIVAL", IMAP_SORT_ARRIVAL }, { "CC", IMAP_SORT_CC },
	{ "DATE", IMAP_SORT_DATE }, { "FROM", IMAP_SORT_FROM },
	{ "SIZE", IMAP_SORT_SIZE }, { "SUBJECT", IMAP_SORT_SUBJECT },
	{ "TO", IMAP_SORT_TO }, { "DISPLAYFROM", IMAP_SORT_DISPLAYFROM },
	{ "DISPLAYTO", IMAP_SORT_DISPLAYTO },
};

static bool
sort_crit(struct imap_lex *l, void *arg)
{
	struct imap_sort_args *a = arg;
	struct imap_sort_crit c = { .reverse = false };
	size_t i, nk = sizeof(sort_keys) / sizeof(sort_keys[0]);

	if (lex_word(l, "REVERSE")) {
		c.reverse = true;
		if (!lex_sp(l))
			return false;
	}
	for (i = 0; i < nk; i++)
		if (lex_word(l, sort_keys[i].name))
			break;
	if (i == nk)
		return lex_fail(l, "Unknown sort criterion");
	c.key = sort_keys[i].key;
	if (a->ncrit >= 16)
		return lex_fail(l, "Too many sort criteria");
	if (!a->crit)
		a->crit = imap_arena_alloc(l->cmd, 16 * sizeof(*a->crit));
	a->crit[a->ncrit++] = c;
	return true;
}

bool
parse_sort_args(struct imap_lex *l, struct imap_sort_args *a)
{
	return opt_return(l, &a->has_return, &a->return_opts) && lex_sp(l) &&
	    lex_paren_list(l, false, sort_crit, a) && lex_sp(l) &&
	    lex_astring(l, &a->charset) && search_criteria(l, &a->key);
}

bool
parse_thread_args(struct imap_lex *l, struct imap_thread_args *a)
{
	if (!lex_sp(l))
		return false;
	if (lex_word(l, "REFERENCES"))
		a->alg = IMAP_THREAD_REFERENCES;
	else if (lex_word(l, "ORDEREDSUBJECT"))
		a->alg = IMAP_THREAD_ORDEREDSUBJECT;
	else
		return lex_fail(l, "Unknown THREAD algorithm");
	return lex_sp(l) && lex_astring(l, &a->charset) &&
	    search_criteria(l, &a->key);
}
