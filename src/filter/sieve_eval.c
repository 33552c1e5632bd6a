/* Sieve tests (RFC 5228 5 and the extensions' tests): each gathers the
 * values it compares and hands them to one matcher for the match type,
 * comparator and relation. */
#include "filter/sieve_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/addrlist.h"

static enum sv_cmp comparator(const struct sv_node *n)
{
	const struct sv_arg *a = sv_tag_value(n, ":comparator");
	enum sv_cmp c = SV_CMP_CASEMAP;
	if (a != NULL)
		sv_cmp_parse(a->s.v[0], &c);
	return c;
}

static const char *vstr(const struct sv_vals *v, size_t i)
{
	return buf_cstr((struct buf *)&v->data) + v->off[i];
}

/* Keys are expanded once per test. */
static void expand_list(struct interp *in, const struct sv_strs *l,
    struct sv_vals *out)
{
	struct buf e = BUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		sv_expand(&in->vars, l->v[i], &e);
		sv_vals_add(out, buf_cstr(&e), e.len);
	}
	buf_free(&e);
}

static void set_match_vars(struct interp *in, const char *s, size_t n,
    struct buf *caps, size_t ncaught)
{
	buf_set(&in->vars.match[0], "");
	buf_add(&in->vars.match[0], s, n < SIEVE_MAX_VARLEN ? n :
	    SIEVE_MAX_VARLEN);
	for (size_t i = 0; i < ncaught && i < 9; i++) {
		buf_set(&in->vars.match[i + 1], "");
		buf_add(&in->vars.match[i + 1], buf_cstr(&caps[i]),
		    caps[i].len < SIEVE_MAX_VARLEN ? caps[i].len : SIEVE_MAX_VARLEN);
	}
	in->vars.nmatch = ncaught + 1;
}

static bool match_one(struct interp *in, enum sv_mt mt, enum sv_cmp c,
    enum sv_rel rel, const char *v, size_t vlen, const char *key,
    size_t klen)
{
	struct buf caps[9];
	size_t ncaught = 0;
	bool ok;
	switch (mt) {
	case SV_MT_IS:
		return sv_cmp_order(c, v, vlen, key, klen) == 0;
	case SV_MT_VALUE:
		return sv_rel_holds(rel, sv_cmp_order(c, v, vlen, key, klen));
	case SV_MT_CONTAINS:
		return sv_contains(c, v, vlen, key, klen);
	case SV_MT_MATCHES:
		for (size_t i = 0; i < 9; i++)
			buf_init(&caps[i]);
		ok = sv_glob(c, v, vlen, key, caps, 9, &ncaught);
		if (ok && in->vars.on)
			set_match_vars(in, v, vlen, caps, ncaught);
		for (size_t i = 0; i < 9; i++)
			buf_free(&caps[i]);
		return ok;
	case SV_MT_COUNT:
		break;
	}
	return false;
}

/* The core of every comparing test. */
static bool match_vals(struct interp *in, const struct sv_node *n,
    const struct sv_vals *vals, const struct sv_vals *keys)
{
	enum sv_mt mt = SV_MT_IS;
	enum sv_rel rel = SV_REL_EQ;
	enum sv_cmp c = comparator(n);
	const struct sv_arg *ra = NULL;
	if (sv_tag(n, ":contains"))
		mt = SV_MT_CONTAINS;
	else if (sv_tag(n, ":matches"))
		mt = SV_MT_MATCHES;
	else if ((ra = sv_tag_value(n, ":count")) != NULL)
		mt = SV_MT_COUNT;
	else if ((ra = sv_tag_value(n, ":value")) != NULL)
		mt = SV_MT_VALUE;
	if (ra != NULL)
		sv_rel_parse(ra->s.v[0], &rel);
	if (c == SV_CMP_NUMERIC && (mt == SV_MT_CONTAINS || mt == SV_MT_MATCHES))
		return sv_fail(in, n->line, "i;ascii-numeric cannot do substrings");
	bool hit = false;
	if (mt == SV_MT_COUNT) {
		char count[32];
		snprintf(count, sizeof count, "%zu", vals->n);
		for (size_t k = 0; k < keys->n && !hit; k++)
			hit = sv_rel_holds(rel, sv_cmp_order(c, count, strlen(count),
			    vstr(keys, k), keys->len[k]));
	}
	for (size_t i = 0; mt != SV_MT_COUNT && i < vals->n && !hit; i++)
		for (size_t k = 0; k < keys->n && !hit; k++)
			hit = match_one(in, mt, c, rel, vstr(vals, i), vals->len[i],
			    vstr(keys, k), keys->len[k]);
	return hit;
}

/* match_vals with the keys of the script, expanded. */
static bool match_keys(struct interp *in, const struct sv_node *n,
    const struct sv_vals *vals, const struct sv_strs *raw)
{
	struct sv_vals keys = { 0 };
	expand_list(in, raw, &keys);
	bool hit = match_vals(in, n, vals, &keys);
	sv_vals_free(&keys);
	return hit;
}

/* The address part the test asks for, appended as a value; false when
 * the address has none (:detail without a '+'). */
static void address_part(const struct sv_node *n, const char *local,
    size_t llen, const char *domain, struct sv_vals *out)
{
	const char *plus = memchr(local, '+', llen);
	size_t start = out->data.len;
	if (sv_tag(n, ":localpart")) {
		buf_add(&out->data, local, llen);
	} else if (sv_tag(n, ":domain")) {
		buf_addstr(&out->data, domain);
	} else if (sv_tag(n, ":user")) {
		buf_add(&out->data, local, plus ? (size_t)(plus - local) : llen);
	} else if (sv_tag(n, ":detail")) {
		if (plus == NULL)
			return;
		buf_add(&out->data, plus + 1, llen - (size_t)(plus + 1 - local));
	} else {
		buf_add(&out->data, local, llen);
		if (*domain) {
			buf_addch(&out->data, '@');
			buf_addstr(&out->data, domain);
		}
	}
	sv_vals_end(out, start);
}

static void split_address(const struct sv_node *n, const char *addr,
    struct sv_vals *out)
{
	const char *at = strrchr(addr, '@');
	if (at == NULL)
		address_part(n, addr, strlen(addr), "", out);
	else
		address_part(n, addr, (size_t)(at - addr), at + 1, out);
}

static bool test_address(struct interp *in, const struct sv_node *n)
{
	const struct sv_strs *names = &sv_pos(n, 0)->s;
	struct sv_vals raw = { 0 }, vals = { 0 };
	struct buf name = BUF_INIT;
	for (size_t i = 0; i < names->n; i++) {
		sv_expand(&in->vars, names->v[i], &name);
		sv_header_values(&in->d, buf_cstr(&name), false, &raw);
	}
	for (size_t i = 0; i < raw.n; i++) {
		struct addrlist l = { 0 };
		addrlist_parse(vstr(&raw, i), raw.len[i], 0, &l);
		for (size_t k = 0; k < l.n; k++)
			if (l.v[k].mailbox != NULL && l.v[k].host != NULL)
				address_part(n, l.v[k].mailbox, strlen(l.v[k].mailbox),
				    l.v[k].host, &vals);
		addrlist_free(&l);
	}
	bool hit = match_keys(in, n, &vals, &sv_pos(n, 1)->s);
	sv_vals_free(&raw);
	sv_vals_free(&vals);
	buf_free(&name);
	return hit;
}

static bool test_envelope(struct interp *in, const struct sv_node *n)
{
	const struct sv_strs *parts = &sv_pos(n, 0)->s;
	struct sv_vals vals = { 0 };
	for (size_t i = 0; i < parts->n; i++) {
		const char *a = !strcasecmp(parts->v[i], "from") ?
		    in->d.m->env_from : in->d.m->env_to;
		if (*a == '\0')
			sv_vals_add(&vals, "", 0);   /* the null sender is "" */
		else
			split_address(n, a, &vals);
	}
	bool hit = match_keys(in, n, &vals, &sv_pos(n, 1)->s);
	sv_vals_free(&vals);
	return hit;
}

static bool test_header(struct interp *in, const struct sv_node *n)
{
	const struct sv_strs *names = &sv_pos(n, 0)->s;
	struct sv_vals vals = { 0 };
	struct buf name = BUF_INIT;
	for (size_t i = 0; i < names->n; i++) {
		sv_expand(&in->vars, names->v[i], &name);
		sv_header_values(&in->d, buf_cstr(&name), true, &vals);
	}
	bool hit = match_keys(in, n, &vals, &sv_pos(n, 1)->s);
	sv_vals_free(&vals);
	buf_free(&name);
	return hit;
}

static bool test_string(struct interp *in, const struct sv_node *n)
{
	struct sv_vals src = { 0 }, vals = { 0 };
	expand_list(in, &sv_pos(n, 0)->s, &src);
	/* RFC 5229 5: empty strings are not counted by :count. */
	for (size_t i = 0; i < src.n; i++)
		if (src.len[i] > 0 || !sv_tag(n, ":count"))
			sv_vals_add(&vals, vstr(&src, i), src.len[i]);
	bool hit = match_keys(in, n, &vals, &sv_pos(n, 1)->s);
	sv_vals_free(&src);
	sv_vals_free(&vals);
	return hit;
}

static void split_flags(const char *list, struct sv_vals *out)
{
	while (*list) {
		size_t n = strcspn(list, " ");
		if (n > 0)
			sv_vals_add(out, list, n);
		list += n;
		list += strspn(list, " ");
	}
}

static bool test_hasflag(struct interp *in, const struct sv_node *n)
{
	struct sv_vals vals = { 0 }, keys = { 0 }, words = { 0 };
	if (sv_pos(n, 1) != NULL) {
		const struct sv_strs *names = &sv_pos(n, 0)->s;
		for (size_t i = 0; i < names->n; i++) {
			const struct buf *b = sv_var_get(&in->vars, names->v[i]);
			if (b != NULL)
				split_flags(buf_cstr((struct buf *)b), &vals);
		}
	} else {
		split_flags(buf_cstr(&in->flags), &vals);
	}
	expand_list(in, &sv_pos(n, sv_pos(n, 1) ? 1 : 0)->s, &keys);
	for (size_t i = 0; i < keys.n; i++)
		split_flags(vstr(&keys, i), &words);
	bool hit = match_vals(in, n, &vals, &words);
	sv_vals_free(&words);
	sv_vals_free(&keys);
	sv_vals_free(&vals);
	return hit;
}

static bool test_body(struct interp *in, const struct sv_node *n)
{
	struct sv_vals vals = { 0 };
	const struct sv_arg *types = sv_tag_value(n, ":content");
	sv_body_text(&in->d, sv_tag(n, ":raw") ? "raw" : types ? "content" :
	    "text", types ? &types->s : NULL, &vals);
	bool hit = match_keys(in, n, &vals, &sv_pos(n, 0)->s);
	sv_vals_free(&vals);
	return hit;
}

static bool test_exists(struct interp *in, const struct sv_node *n)
{
	const struct sv_strs *names = &sv_pos(n, 0)->s;
	struct buf name = BUF_INIT;
	bool all = true;
	for (size_t i = 0; i < names->n && all; i++) {
		sv_expand(&in->vars, names->v[i], &name);
		all = sv_header_exists(&in->d, buf_cstr(&name));
	}
	buf_free(&name);
	return all;
}

bool sv_test(struct interp *in, const struct sv_node *n)
{
	const char *id = n->id;
	if (in->failed)
		return false;
	if (!strcmp(id, "true") || !strcmp(id, "false"))
		return id[0] == 't';
	if (!strcmp(id, "not"))
		return !sv_test(in, n->tests[0]);
	if (!strcmp(id, "allof") || !strcmp(id, "anyof")) {
		bool any = id[1] == 'n';
		for (size_t i = 0; i < n->ntests; i++)
			if (sv_test(in, n->tests[i]) == any)
				return any;
		return !any;
	}
	if (!strcmp(id, "size"))
		return sv_tag(n, ":over") ? in->d.m->size > sv_pos(n, 0)->num :
		    in->d.m->size < sv_pos(n, 0)->num;
	if (!strcmp(id, "exists"))
		return test_exists(in, n);
	if (!strcmp(id, "address"))
		return test_address(in, n);
	if (!strcmp(id, "envelope"))
		return test_envelope(in, n);
	if (!strcmp(id, "header"))
		return test_header(in, n);
	if (!strcmp(id, "string"))
		return test_string(in, n);
	if (!strcmp(id, "hasflag"))
		return test_hasflag(in, n);
	if (!strcmp(id, "body"))
		return test_body(in, n);
	return sv_fail(in, n->line, "unknown test");
}
