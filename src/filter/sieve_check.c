/* Checks a parsed script against what each command and test takes
 * (RFC 5228 and the extensions we have), so the interpreter never meets
 * an argument it does not expect. */
#include "filter/sieve_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#define MATCH ":is :contains :matches :count=s :value=s"
#define COMP  ":comparator=s"
#define APART ":all :localpart :domain :user :detail"

enum { NO_TESTS, ONE_TEST, TEST_LIST };

struct spec {
	const char *name;
	bool test;          /* a test, else a command */
	unsigned ext;       /* required extension, 0 for the base language */
	const char *tags;   /* allowed tags: "=s" string, "=l" list, "=n" number */
	const char *pos;    /* positional: S one string, L list, N number */
	const char *pos_alt;   /* another accepted form, or NULL */
	int tests;
	bool block;
};

static const struct spec specs[] = {
	{ "require", false, 0, "", "L", NULL, NO_TESTS, false },
	{ "if", false, 0, "", "", NULL, ONE_TEST, true },
	{ "elsif", false, 0, "", "", NULL, ONE_TEST, true },
	{ "else", false, 0, "", "", NULL, NO_TESTS, true },
	{ "stop", false, 0, "", "", NULL, NO_TESTS, false },
	{ "keep", false, 0, ":flags=l", "", NULL, NO_TESTS, false },
	{ "discard", false, 0, "", "", NULL, NO_TESTS, false },
	{ "fileinto", false, SV_EXT_FILEINTO, ":flags=l :copy", "S", NULL,
	  NO_TESTS, false },
	{ "redirect", false, 0, ":copy", "S", NULL, NO_TESTS, false },
	{ "setflag", false, SV_EXT_IMAP4FLAGS, "", "L", "SL", NO_TESTS, false },
	{ "addflag", false, SV_EXT_IMAP4FLAGS, "", "L", "SL", NO_TESTS, false },
	{ "removeflag", false, SV_EXT_IMAP4FLAGS, "", "L", "SL", NO_TESTS,
	  false },
	{ "set", false, SV_EXT_VARIABLES,
	  ":lower :upper :lowerfirst :upperfirst :quotewildcard :length", "SS",
	  NULL, NO_TESTS, false },
	{ "vacation", false, SV_EXT_VACATION,
	  ":days=n :subject=s :from=s :addresses=l :mime :handle=s", "S", NULL,
	  NO_TESTS, false },
	{ "address", true, 0, MATCH " " COMP " " APART, "LL", NULL, NO_TESTS,
	  false },
	{ "envelope", true, SV_EXT_ENVELOPE, MATCH " " COMP " " APART, "LL",
	  NULL, NO_TESTS, false },
	{ "header", true, 0, MATCH " " COMP, "LL", NULL, NO_TESTS, false },
	{ "string", true, SV_EXT_VARIABLES, MATCH " " COMP, "LL", NULL,
	  NO_TESTS, false },
	{ "hasflag", true, SV_EXT_IMAP4FLAGS, MATCH " " COMP, "L", "LL",
	  NO_TESTS, false },
	{ "body", true, SV_EXT_BODY, MATCH " " COMP " :raw :content=l :text",
	  "L", NULL, NO_TESTS, false },
	{ "exists", true, 0, "", "L", NULL, NO_TESTS, false },
	{ "size", true, 0, ":over :under", "N", NULL, NO_TESTS, false },
	{ "true", true, 0, "", "", NULL, NO_TESTS, false },
	{ "false", true, 0, "", "", NULL, NO_TESTS, false },
	{ "not", true, 0, "", "", NULL, ONE_TEST, false },
	{ "allof", true, 0, "", "", NULL, TEST_LIST, false },
	{ "anyof", true, 0, "", "", NULL, TEST_LIST, false },
};

/* Tags that need an extension beyond their command's. */
static const struct { const char *tag; unsigned ext; } tag_exts[] = {
	{ ":copy", SV_EXT_COPY }, { ":flags", SV_EXT_IMAP4FLAGS },
	{ ":user", SV_EXT_SUBADDRESS }, { ":detail", SV_EXT_SUBADDRESS },
	{ ":count", SV_EXT_RELATIONAL }, { ":value", SV_EXT_RELATIONAL },
};

/* Tags of which a command takes at most one. */
static const char *const groups[] = {
	":is :contains :matches :count :value",
	":all :localpart :domain :user :detail",
	":raw :content :text",
	":over :under",
	":lower :upper",
	":lowerfirst :upperfirst",
};

static const struct { const char *name; unsigned ext; } ext_names[] = {
	{ "fileinto", SV_EXT_FILEINTO }, { "envelope", SV_EXT_ENVELOPE },
	{ "copy", SV_EXT_COPY }, { "imap4flags", SV_EXT_IMAP4FLAGS },
	{ "variables", SV_EXT_VARIABLES }, { "subaddress", SV_EXT_SUBADDRESS },
	{ "relational", SV_EXT_RELATIONAL }, { "body", SV_EXT_BODY },
	{ "vacation", SV_EXT_VACATION },
	{ "comparator-i;ascii-numeric", SV_EXT_NUMERIC },
	{ "comparator-i;octet", 0 }, { "comparator-i;ascii-casemap", 0 },
};

struct checker {
	struct sieve_script *s;
	struct buf *err;
};

__attribute__((format(printf, 3, 4)))
static bool fail(struct checker *c, int line, const char *fmt, ...)
{
	va_list ap;
	buf_reset(c->err);
	buf_printf(c->err, "%d: ", line);
	va_start(ap, fmt);
	buf_vprintf(c->err, fmt, ap);
	va_end(ap);
	return false;
}

const struct sv_arg *sv_tag(const struct sv_node *n, const char *tag)
{
	for (size_t i = 0; i < n->nargs; i++)
		if (n->args[i].type == SV_ARG_TAG && !strcmp(n->args[i].tag, tag))
			return &n->args[i];
	return NULL;
}

const struct sv_arg *sv_tag_value(const struct sv_node *n, const char *tag)
{
	const struct sv_arg *a = sv_tag(n, tag);
	if (a == NULL || a + 1 >= n->args + n->nargs || !a[1].tagval)
		return NULL;
	return a + 1;
}

const struct sv_arg *sv_pos(const struct sv_node *n, size_t i)
{
	for (size_t k = 0; k < n->nargs; k++) {
		const struct sv_arg *a = &n->args[k];
		if (a->type == SV_ARG_TAG || a->tagval)
			continue;
		if (i-- == 0)
			return a;
	}
	return NULL;
}

static const struct spec *find_spec(const char *name, bool test)
{
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
		if (specs[i].test == test && !strcmp(specs[i].name, name))
			return &specs[i];
	return NULL;
}

/* Whether word is one of the space-separated words of list (a spec's
 * "=x" suffix ignored); *kind gets that suffix's letter or 0. */
static bool in_list(const char *list, const char *word, char *kind)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t name_n = eq ? (size_t)(eq - p) : n;
		if (name_n == wl && !strncmp(p, word, wl)) {
			if (kind)
				*kind = eq ? eq[1] : 0;
			return true;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

static bool need_ext(struct checker *c, unsigned ext, int line,
    const char *what)
{
	if (ext == 0 || (c->s->exts & ext))
		return true;
	return fail(c, line, "%s needs its extension in require", what);
}

static bool check_tag_value(struct checker *c, const struct sv_arg *tag,
    struct sv_arg *val, char kind)
{
	if (val == NULL || (kind == 'n') != (val->type == SV_ARG_NUM) ||
	    val->type == SV_ARG_TAG)
		return fail(c, tag->line, "%s needs a value", tag->tag);
	if (kind == 's' && val->s.n != 1)
		return fail(c, tag->line, "%s takes one string", tag->tag);
	val->tagval = true;
	if (!strcmp(tag->tag, ":comparator")) {
		enum sv_cmp cmp;
		if (!sv_cmp_parse(val->s.v[0], &cmp))
			return fail(c, tag->line, "unknown comparator \"%s\"",
			    val->s.v[0]);
		if (cmp == SV_CMP_NUMERIC)
			return need_ext(c, SV_EXT_NUMERIC, tag->line,
			    "i;ascii-numeric");
	}
	if (!strcmp(tag->tag, ":count") || !strcmp(tag->tag, ":value")) {
		enum sv_rel rel;
		if (!sv_rel_parse(val->s.v[0], &rel))
			return fail(c, tag->line, "unknown relation \"%s\"",
			    val->s.v[0]);
	}
	return true;
}

static bool check_groups(struct checker *c, const struct sv_node *n)
{
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		int seen = 0;
		for (size_t i = 0; i < n->nargs; i++)
			if (n->args[i].type == SV_ARG_TAG &&
			    in_list(groups[g], n->args[i].tag, NULL))
				seen++;
		if (seen > 1)
			return fail(c, n->line, "conflicting tags for %s", n->id);
	}
	return true;
}

static bool check_tags(struct checker *c, struct sv_node *n,
    const struct spec *sp)
{
	for (size_t i = 0; i < n->nargs; i++) {
		struct sv_arg *a = &n->args[i];
		char kind;
		if (a->type != SV_ARG_TAG)
			continue;
		if (!in_list(sp->tags, a->tag, &kind))
			return fail(c, a->line, "unknown tag %s", a->tag);
		if (sv_tag(n, a->tag) != a)
			return fail(c, a->line, "tag %s given twice", a->tag);
		for (size_t k = 0; k < sizeof tag_exts / sizeof tag_exts[0]; k++)
			if (!strcmp(tag_exts[k].tag, a->tag) &&
			    !need_ext(c, tag_exts[k].ext, a->line, a->tag))
				return false;
		if (kind && !check_tag_value(c, a,
		    i + 1 < n->nargs ? &n->args[i + 1] : NULL, kind))
			return false;
	}
	return check_groups(c, n);
}

static bool pos_match(const struct sv_node *n, const char *form)
{
	size_t i = 0;
	for (; form[i]; i++) {
		const struct sv_arg *a = sv_pos(n, i);
		if (a == NULL)
			return false;
		if (form[i] == 'N' ? a->type != SV_ARG_NUM :
		    a->type != SV_ARG_STRS || (form[i] == 'S' && a->s.n != 1))
			return false;
	}
	return sv_pos(n, i) == NULL;
}

static bool check_positional(struct checker *c, const struct sv_node *n,
    const struct spec *sp)
{
	if (pos_match(n, sp->pos) || (sp->pos_alt && pos_match(n, sp->pos_alt)))
		return true;
	return fail(c, n->line, "wrong arguments for %s", n->id);
}

static bool check_varname(struct checker *c, const struct sv_node *n,
    const char *name)
{
	if (sv_var_name_ok(name))
		return true;
	return fail(c, n->line, "bad variable name \"%s\"", name);
}

/* What is particular to one command beyond its spec. */
static bool check_special(struct checker *c, const struct sv_node *n)
{
	if (!strcmp(n->id, "set"))
		return check_varname(c, n, sv_pos(n, 0)->s.v[0]);
	if ((!strcmp(n->id, "setflag") || !strcmp(n->id, "addflag") ||
	    !strcmp(n->id, "removeflag")) && sv_pos(n, 1) != NULL)
		return check_varname(c, n, sv_pos(n, 0)->s.v[0]);
	if (!strcmp(n->id, "hasflag") && sv_pos(n, 1) != NULL) {
		const struct sv_strs *names = &sv_pos(n, 0)->s;
		for (size_t i = 0; i < names->n; i++)
			if (!check_varname(c, n, names->v[i]))
				return false;
	}
	if (!strcmp(n->id, "size") && !sv_tag(n, ":over") && !sv_tag(n, ":under"))
		return fail(c, n->line, "size needs :over or :under");
	if (!strcmp(n->id, "envelope")) {
		const struct sv_strs *parts = &sv_pos(n, 0)->s;
		for (size_t i = 0; i < parts->n; i++)
			if (strcasecmp(parts->v[i], "from") &&
			    strcasecmp(parts->v[i], "to"))
				return fail(c, n->line, "unknown envelope part \"%s\"",
				    parts->v[i]);
	}
	return true;
}

static bool check_node(struct checker *c, struct sv_node *n, bool test);

static bool check_one(struct checker *c, struct sv_node *n,
    const struct spec *sp)
{
	if (!need_ext(c, sp->ext, n->line, n->id) || !check_tags(c, n, sp) ||
	    !check_positional(c, n, sp))
		return false;
	if (sp->tests == NO_TESTS && n->ntests > 0)   /* "keep\nstop;" */
		return fail(c, n->tests[0]->line, "expected ';' before %s",
		    n->tests[0]->id);
	if (sp->tests == ONE_TEST && n->ntests != 1)
		return fail(c, n->line, "%s takes one test", n->id);
	if (sp->tests == TEST_LIST && n->ntests == 0)
		return fail(c, n->line, "%s needs a test list", n->id);
	if (sp->block != n->has_block)
		return fail(c, n->line, sp->block ? "%s needs a block" :
		    "%s takes no block", n->id);
	for (size_t i = 0; i < n->ntests; i++)
		if (!check_node(c, n->tests[i], true))
			return false;
	return check_special(c, n);
}

static bool check_require(struct checker *c, const struct sv_node *n)
{
	const struct sv_strs *l = &sv_pos(n, 0)->s;
	for (size_t i = 0; i < l->n; i++) {
		size_t k = 0;
		while (k < sizeof ext_names / sizeof ext_names[0] &&
		    strcmp(ext_names[k].name, l->v[i]) != 0)
			k++;
		if (k == sizeof ext_names / sizeof ext_names[0])
			return fail(c, n->line, "unsupported extension \"%s\"",
			    l->v[i]);
		c->s->exts |= ext_names[k].ext;
	}
	return true;
}

static bool check_block(struct checker *c, struct sv_node *first, bool top)
{
	bool may_require = top, after_if = false;
	for (struct sv_node *n = first; n != NULL; n = n->next) {
		const struct spec *sp = find_spec(n->id, false);
		if (sp == NULL)
			return fail(c, n->line, "unknown command %s", n->id);
		if (!check_one(c, n, sp))
			return false;
		bool is_req = !strcmp(n->id, "require");
		if (is_req && !may_require)
			return fail(c, n->line, "require must come first");
		if (is_req && !check_require(c, n))
			return false;
		may_require = may_require && is_req;
		bool chained = !strcmp(n->id, "elsif") || !strcmp(n->id, "else");
		if (chained && !after_if)
			return fail(c, n->line, "%s without if", n->id);
		after_if = !strcmp(n->id, "if") || !strcmp(n->id, "elsif");
		if (n->has_block && !check_block(c, n->block, false))
			return false;
	}
	return true;
}

static bool check_node(struct checker *c, struct sv_node *n, bool test)
{
	const struct spec *sp = find_spec(n->id, test);
	if (sp == NULL)
		return fail(c, n->line, test ? "unknown test %s" :
		    "unknown command %s", n->id);
	return check_one(c, n, sp);
}

bool sv_check(struct sieve_script *s, struct buf *err)
{
	struct checker c = { s, err };
	return check_block(&c, s->root, true);
}
