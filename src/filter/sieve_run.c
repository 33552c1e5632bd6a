/* Compiling and running a Sieve script: the commands (RFC 5228 3, 4 and
 * the extensions' actions) and the result, with the implicit keep. */
#include "filter/sieve_eval.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mail/header.h"
#include "mail/mime.h"

struct sieve_script *sieve_compile(const char *text, size_t len,
    struct buf *err)
{
	struct sieve_script *s = xcalloc(1, sizeof *s);
	s->root = sv_parse(text, len, err);
	if (s->root == NULL || !sv_check(s, err)) {
		sieve_free(s);
		return NULL;
	}
	return s;
}

void sieve_free(struct sieve_script *s)
{
	if (s == NULL)
		return;
	sv_node_free(s->root);
	free(s);
}

bool sv_fail(struct interp *in, int line, const char *why)
{
	if (!in->failed) {
		buf_reset(&in->r->err);
		buf_printf(&in->r->err, "%d: %s", line, why);
	}
	in->failed = true;
	return false;
}

static void expand1(struct interp *in, const struct sv_node *n, size_t pos,
    struct buf *out)
{
	sv_expand(&in->vars, sv_pos(n, pos)->s.v[0], out);
}

static bool add_action(struct interp *in, int line, enum sieve_act_type t,
    const char *arg, const char *flags)
{
	struct sieve_result *r = in->r;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].type == t && !strcmp(r->v[i].arg, arg))
			return true;    /* RFC 5228 2.10.3: once is enough */
	if (r->n >= SIEVE_MAX_ACTIONS && line > 0)   /* not the implicit keep */
		return sv_fail(in, line, "too many actions");
	r->v = xreallocarray(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n++] = (struct sieve_action){ t, xstrdup(arg),
		xstrdup(flags ? flags : "") };
	return true;
}

/* The flags of keep/fileinto: :flags if given, else the internal ones. */
static void action_flags(struct interp *in, const struct sv_node *n,
    struct buf *out)
{
	const struct sv_arg *fl = sv_tag_value(n, ":flags");
	if (fl == NULL) {
		buf_set(out, buf_cstr(&in->flags));
		return;
	}
	struct buf e = BUF_INIT;
	buf_set(out, "");
	for (size_t i = 0; i < fl->s.n; i++) {
		sv_expand(&in->vars, fl->s.v[i], &e);
		sv_flags_add(out, buf_cstr(&e));
	}
	buf_free(&e);
}

static bool cmd_store(struct interp *in, const struct sv_node *n)
{
	struct buf folder = BUF_INIT, flags = BUF_INIT;
	bool fileinto = !strcmp(n->id, "fileinto");
	if (fileinto)
		expand1(in, n, 0, &folder);
	action_flags(in, n, &flags);
	bool ok = true;
	if (fileinto && folder.len == 0)
		ok = sv_fail(in, n->line, "fileinto needs a mailbox name");
	if (ok)
		ok = add_action(in, n->line, SIEVE_ACT_STORE, buf_cstr(&folder),
		    buf_cstr(&flags));
	if (ok && !sv_tag(n, ":copy"))
		in->implicit_keep = false;
	buf_free(&folder);
	buf_free(&flags);
	return ok;
}

/* Enough of an address check to refuse what cannot be one; the
 * recipient is resolved when the message is queued. */
static bool address_ok(const char *a)
{
	const char *at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 320)
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>(),;:\"[]\\", *p))
			return false;
	return true;
}

static bool cmd_redirect(struct interp *in, const struct sv_node *n)
{
	struct buf to = BUF_INIT;
	expand1(in, n, 0, &to);
	bool ok = address_ok(buf_cstr(&to)) ? true :
	    sv_fail(in, n->line, "redirect to an invalid address");
	if (ok && ++in->redirects > SIEVE_MAX_REDIRECTS)
		ok = sv_fail(in, n->line, "too many redirects");
	if (ok)
		ok = add_action(in, n->line, SIEVE_ACT_REDIRECT, to.data, NULL);
	if (ok && !sv_tag(n, ":copy"))
		in->implicit_keep = false;
	buf_free(&to);
	return ok;
}

static bool cmd_flags(struct interp *in, const struct sv_node *n)
{
	bool named = sv_pos(n, 1) != NULL;
	struct buf cur = BUF_INIT, e = BUF_INIT, list = BUF_INIT;
	const struct sv_strs *l = &sv_pos(n, named ? 1 : 0)->s;
	for (size_t i = 0; i < l->n; i++) {
		sv_expand(&in->vars, l->v[i], &e);
		buf_addstr(&list, buf_cstr(&e));
		buf_addch(&list, ' ');
	}
	const char *name = named ? sv_pos(n, 0)->s.v[0] : NULL;
	const struct buf *v = named ? sv_var_get(&in->vars, name) : &in->flags;
	buf_set(&cur, v ? buf_cstr((struct buf *)v) : "");
	if (!strcmp(n->id, "setflag"))
		sv_flags_set(&cur, buf_cstr(&list));
	else if (!strcmp(n->id, "addflag"))
		sv_flags_add(&cur, buf_cstr(&list));
	else
		sv_flags_remove(&cur, buf_cstr(&list));
	bool ok = true;
	if (!named)
		buf_set(&in->flags, buf_cstr(&cur));
	else if (!sv_var_set(&in->vars, name, buf_cstr(&cur), cur.len))
		ok = sv_fail(in, n->line, "too many variables");
	buf_free(&cur);
	buf_free(&e);
	buf_free(&list);
	return ok;
}

static bool cmd_set(struct interp *in, const struct sv_node *n)
{
	struct buf v = BUF_INIT, m = BUF_INIT;
	expand1(in, n, 1, &v);
	sv_modify(n, buf_cstr(&v), v.len, &m);
	bool ok = sv_var_set(&in->vars, sv_pos(n, 0)->s.v[0], buf_cstr(&m), m.len) ?
	    true : sv_fail(in, n->line, "too many variables");
	buf_free(&v);
	buf_free(&m);
	return ok;
}

static char *expand_tag(struct interp *in, const struct sv_node *n,
    const char *tag)
{
	const struct sv_arg *a = sv_tag_value(n, tag);
	if (a == NULL)
		return NULL;
	struct buf e = BUF_INIT;
	sv_expand(&in->vars, a->s.v[0], &e);
	return buf_detach(&e);
}

static bool cmd_vacation(struct interp *in, const struct sv_node *n)
{
	if (in->r->vacation != NULL)
		return sv_fail(in, n->line, "vacation given twice");
	struct sieve_vacation *v = xcalloc(1, sizeof *v);
	const struct sv_arg *days = sv_tag_value(n, ":days");
	v->days = days == NULL ? 7 : days->num < 1 ? 1 : days->num > 365 ? 365 :
	    (long)days->num;
	v->subject = expand_tag(in, n, ":subject");
	v->from = expand_tag(in, n, ":from");
	v->handle = expand_tag(in, n, ":handle");
	v->mime = sv_tag(n, ":mime") != NULL;
	const struct sv_arg *addrs = sv_tag_value(n, ":addresses");
	if (addrs != NULL) {
		v->addresses = xcalloc(addrs->s.n, sizeof *v->addresses);
		struct buf e = BUF_INIT;
		for (size_t i = 0; i < addrs->s.n; i++) {
			sv_expand(&in->vars, addrs->s.v[i], &e);
			v->addresses[v->naddresses++] = xstrdup(buf_cstr(&e));
		}
		buf_free(&e);
	}
	struct buf e = BUF_INIT;
	expand1(in, n, 0, &e);
	v->reason = buf_detach(&e);
	in->r->vacation = v;
	return true;
}

static bool run_block(struct interp *in, const struct sv_node *n);

static bool cmd(struct interp *in, const struct sv_node *n)
{
	const char *id = n->id;
	if (!strcmp(id, "require"))
		return true;
	if (!strcmp(id, "stop")) {
		in->stopped = true;
		return true;
	}
	if (!strcmp(id, "keep") || !strcmp(id, "fileinto"))
		return cmd_store(in, n);
	if (!strcmp(id, "discard")) {
		in->implicit_keep = false;
		in->discarded = true;
		return true;
	}
	if (!strcmp(id, "redirect"))
		return cmd_redirect(in, n);
	if (!strcmp(id, "setflag") || !strcmp(id, "addflag") ||
	    !strcmp(id, "removeflag"))
		return cmd_flags(in, n);
	if (!strcmp(id, "set"))
		return cmd_set(in, n);
	if (!strcmp(id, "vacation"))
		return cmd_vacation(in, n);
	return sv_fail(in, n->line, "unknown command");
}

/* if/elsif/else chains: `taken` says an earlier branch ran. */
static bool run_block(struct interp *in, const struct sv_node *n)
{
	bool taken = false;
	for (; n != NULL && !in->stopped && !in->failed; n = n->next) {
		bool is_if = !strcmp(n->id, "if"), is_elsif = !strcmp(n->id, "elsif");
		if (is_if)
			taken = false;
		if (is_if || is_elsif) {
			if (!taken && sv_test(in, n->tests[0])) {
				taken = true;
				run_block(in, n->block);
			}
		} else if (!strcmp(n->id, "else")) {
			if (!taken)
				run_block(in, n->block);
		} else if (!cmd(in, n)) {
			return false;
		}
	}
	return !in->failed;
}

static void vacation_free(struct sieve_vacation *v)
{
	if (v == NULL)
		return;
	free(v->subject);
	free(v->from);
	free(v->handle);
	free(v->reason);
	for (size_t i = 0; i < v->naddresses; i++)
		free(v->addresses[i]);
	free(v->addresses);
	free(v);
}

static void actions_free(struct sieve_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].arg);
		free(r->v[i].flags);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void sieve_result_free(struct sieve_result *r)
{
	actions_free(r);
	vacation_free(r->vacation);
	r->vacation = NULL;
	buf_free(&r->err);
}

void sieve_run(const struct sieve_script *s, const struct sieve_msg *m,
    struct sieve_result *out)
{
	struct msg_split sp;
	memset(out, 0, sizeof *out);
	struct interp in = { .s = s, .r = out, .implicit_keep = true };
	in.d.m = m;
	msg_split(m->msg, m->len, &sp);
	in.d.hdr_len = sp.hdr_len;
	in.vars.on = (s->exts & SV_EXT_VARIABLES) != 0;
	run_block(&in, s->root);
	if (in.failed) {
		actions_free(out);
		vacation_free(out->vacation);
		out->vacation = NULL;
		out->error = true;
		in.implicit_keep = true;
		buf_set(&in.flags, "");
	}
	in.failed = false;
	if (in.implicit_keep)
		add_action(&in, 0, SIEVE_ACT_STORE, "", buf_cstr(&in.flags));
	if (out->n == 0)
		add_action(&in, 0, SIEVE_ACT_DISCARD, "", NULL);
	sv_vars_free(&in.vars);
	buf_free(&in.flags);
	if (in.d.mime != NULL)
		mime_tree_free(in.d.mime);
}
