/* Command dispatch: tag, (UID) command name, then each command's arguments.
 * Search, sort, thread, fetch and store arguments live in their own files;
 * mailbox-level commands are here. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

#include "common/str.h"
#include "common/xmalloc.h"
#include "imap/parse_int.h"

static bool
no_args(struct imap_lex *l, struct imap_command *c)
{
	(void)c;
	return lex_eol(l);
}

static bool
p_authenticate(struct imap_lex *l, struct imap_command *c)
{
	const char *s;
	size_t n;

	if (!lex_sp(l) || !lex_atom(l, &c->u.auth.mechanism))
		return false;
	for (char *p = c->u.auth.mechanism; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (lex_at_end(l))
		return true;
	if (!lex_sp(l))
		return false;
	if (lex_peek_char(l, '=')) {         /* SASL-IR: empty initial response */
		l->p++;
		c->u.auth.initial = imap_arena_strndup(c, "", 0);
		return lex_eol(l);
	}
	if (!lex_atom_ex(l, "", &s, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/=", s[i]))
			return lex_fail(l, "Initial response is not base64");
	c->u.auth.initial = imap_arena_strndup(c, s, n);
	return lex_eol(l);
}

static bool
p_login(struct imap_lex *l, struct imap_command *c)
{
	return lex_sp(l) && lex_astring(l, &c->u.login.user) && lex_sp(l) &&
	    lex_astring(l, &c->u.login.password) && lex_eol(l);
}

static bool
p_enable(struct imap_lex *l, struct imap_command *c)
{
	do {
		char *a;
		if (!lex_sp(l) || !lex_atom(l, &a))
			return false;
		strlist_push(c, &c->u.enable, a);
	} while (!lex_at_end(l));
	return true;
}

static bool
p_select(struct imap_lex *l, struct imap_command *c)
{
	return parse_select_args(l, &c->u.select);
}

static bool
use_flag(struct imap_lex *l, void *arg)
{
	char *f;

	if (!lex_peek_char(l, '\\'))
		return lex_fail(l, "USE takes special-use flags");
	if (!lex_flag(l, &f))
		return false;
	strlist_push(l->cmd, arg, f);
	return true;
}

static bool
create_param(struct imap_lex *l, void *arg)
{
	if (!lex_word(l, "USE"))
		return lex_fail(l, "Unknown CREATE parameter");
	return lex_sp(l) && lex_paren_list(l, false, use_flag, arg);
}

static bool
p_create(struct imap_lex *l, struct imap_command *c)
{
	if (!lex_sp(l) || !lex_mailbox(l, &c->u.create.mailbox))
		return false;
	if (lex_at_end(l))
		return true;
	return lex_sp(l) && lex_paren_list(l, false, create_param,
	    &c->u.create.use) && lex_eol(l);
}

static bool
p_mailbox(struct imap_lex *l, struct imap_command *c)
{
	return lex_sp(l) && lex_mailbox(l, &c->u.mailbox) && lex_eol(l);
}

static bool
p_getquota(struct imap_lex *l, struct imap_command *c)
{
	return lex_sp(l) && lex_astring(l, &c->u.mailbox) && lex_eol(l);
}

static bool
p_rename(struct imap_lex *l, struct imap_command *c)
{
	return lex_sp(l) && lex_mailbox(l, &c->u.rename.from) && lex_sp(l) &&
	    lex_mailbox(l, &c->u.rename.to) && lex_eol(l);
}

static bool
p_list(struct imap_lex *l, struct imap_command *c)
{
	return parse_list_args(l, &c->u.list);
}

static bool
p_lsub(struct imap_lex *l, struct imap_command *c)
{
	return parse_lsub_args(l, &c->u.list);
}

static bool
p_status(struct imap_lex *l, struct imap_command *c)
{
	return parse_status_args(l, &c->u.status);
}

static bool
p_append(struct imap_lex *l, struct imap_command *c)
{
	/* Reached only when the framer did not stream the message, i.e. the
	 * command is malformed before its literal. */
	if (!parse_append_msg(l, &c->u.append, true))
		return false;
	return lex_fail(l, "Expected message literal");
}

static bool
p_expunge(struct imap_lex *l, struct imap_command *c)
{
	if (!c->uid)
		return lex_eol(l);
	return lex_sp(l) && lex_seqset(l, &c->u.expunge) && lex_eol(l);
}

static bool
p_search(struct imap_lex *l, struct imap_command *c)
{
	return parse_search_args(l, &c->u.search);
}

static bool
p_fetch(struct imap_lex *l, struct imap_command *c)
{
	return parse_fetch_args(l, &c->u.fetch, c->uid);
}

static bool
p_store(struct imap_lex *l, struct imap_command *c)
{
	return parse_store_args(l, &c->u.store);
}

static bool
p_copy(struct imap_lex *l, struct imap_command *c)
{
	return lex_sp(l) && lex_seqset(l, &c->u.copy.set) && lex_sp(l) &&
	    lex_mailbox(l, &c->u.copy.mailbox) && lex_eol(l);
}

static bool
id_pair(struct imap_lex *l, void *arg)
{
	struct imap_command *c = l->cmd;
	char *k, *v;
	size_t n;

	if (c->u.id.kv.n >= 60)
		return lex_fail(l, "Too many ID fields");
	if (!lex_string(l, &k, &n) || !lex_sp(l) || !lex_nstring(l, &v))
		return false;
	strlist_push(c, arg, k);
	strlist_push(c, arg, v);
	return true;
}

static bool
p_id(struct imap_lex *l, struct imap_command *c)
{
	if (!lex_sp(l))
		return false;
	if (lex_word(l, "NIL")) {
		c->u.id.nil = true;
		return lex_eol(l);
	}
	return lex_paren_list(l, true, id_pair, &c->u.id.kv) && lex_eol(l);
}

static bool
quota_item(struct imap_lex *l, void *arg)
{
	struct imap_setquota_args *q = arg;
	char *name;
	uint64_t v;

	if (!lex_atom(l, &name) || !lex_sp(l) || !lex_number64(l, &v))
		return false;
	for (char *p = name; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if ((q->resources.n & (q->resources.n - 1)) == 0 || q->resources.n == 0) {
		size_t cap = q->resources.n ? q->resources.n * 2 : 1;
		uint64_t *nl = imap_arena_alloc(l->cmd, cap * sizeof(*nl));
		if (q->resources.n)
			memcpy(nl, q->limits, q->resources.n * sizeof(*nl));
		q->limits = nl;
	}
	q->limits[q->resources.n] = v;
	strlist_push(l->cmd, &q->resources, name);
	return true;
}

static bool
p_setquota(struct imap_lex *l, struct imap_command *c)
{
	return lex_sp(l) && lex_astring(l, &c->u.setquota.root) && lex_sp(l) &&
	    lex_paren_list(l, true, quota_item, &c->u.setquota) && lex_eol(l);
}

static bool
p_sort(struct imap_lex *l, struct imap_command *c)
{
	return parse_sort_args(l, &c->u.sort);
}

static bool
p_thread(struct imap_lex *l, struct imap_command *c)
{
	return parse_thread_args(l, &c->u.thread);
}

static const struct cmd_def {
	const char *name;
	enum imap_cmd_type type;
	bool (*parse)(struct imap_lex *, struct imap_command *);
	bool uid_ok;
} cmds[] = {
	{ "CAPABILITY", IMAP_CMD_CAPABILITY, no_args, false },
	{ "NOOP", IMAP_CMD_NOOP, no_args, false },
	{ "LOGOUT", IMAP_CMD_LOGOUT, no_args, false },
	{ "STARTTLS", IMAP_CMD_STARTTLS, no_args, false },
	{ "AUTHENTICATE", IMAP_CMD_AUTHENTICATE, p_authenticate, false },
	{ "LOGIN", IMAP_CMD_LOGIN, p_login, false },
	{ "ENABLE", IMAP_CMD_ENABLE, p_enable, false },
	{ "SELECT", IMAP_CMD_SELECT, p_select, false },
	{ "EXAMINE", IMAP_CMD_EXAMINE, p_select, false },
	{ "CREATE", IMAP_CMD_CREATE, p_create, false },
	{ "DELETE", IMAP_CMD_DELETE, p_mailbox, false },
	{ "RENAME", IMAP_CMD_RENAME, p_rename, false },
	{ "SUBSCRIBE", IMAP_CMD_SUBSCRIBE, p_mailbox, false },
	{ "UNSUBSCRIBE", IMAP_CMD_UNSUBSCRIBE, p_mailbox, false },
	{ "LIST", IMAP_CMD_LIST, p_list, false },
	{ "LSUB", IMAP_CMD_LSUB, p_lsub, false },
	{ "NAMESPACE", IMAP_CMD_NAMESPACE, no_args, false },
	{ "STATUS", IMAP_CMD_STATUS, p_status, false },
	{ "APPEND", IMAP_CMD_APPEND, p_append, false },
	{ "CHECK", IMAP_CMD_CHECK, no_args, false },
	{ "CLOSE", IMAP_CMD_CLOSE, no_args, false },
	{ "UNSELECT", IMAP_CMD_UNSELECT, no_args, false },
	{ "EXPUNGE", IMAP_CMD_EXPUNGE, p_expunge, true },
	{ "SEARCH", IMAP_CMD_SEARCH, p_search, true },
	{ "FETCH", IMAP_CMD_FETCH, p_fetch, true },
	{ "STORE", IMAP_CMD_STORE, p_store, true },
	{ "COPY", IMAP_CMD_COPY, p_copy, true },
	{ "MOVE", IMAP_CMD_MOVE, p_copy, true },
	{ "IDLE", IMAP_CMD_IDLE, no_args, false },
	{ "ID", IMAP_CMD_ID, p_id, false },
	{ "GETQUOTA", IMAP_CMD_GETQUOTA, p_getquota, false },
	{ "GETQUOTAROOT", IMAP_CMD_GETQUOTAROOT, p_mailbox, false },
	{ "SETQUOTA", IMAP_CMD_SETQUOTA, p_setquota, false },
	{ "SORT", IMAP_CMD_SORT, p_sort, true },
	{ "THREAD", IMAP_CMD_THREAD, p_thread, true },
};

const char *
imap_cmd_name(enum imap_cmd_type t)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].type == t)
			return cmds[i].name;
	return "?";
}

static const struct cmd_def *
find_cmd(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strlen(cmds[i].name) == n &&
		    strncasecmp(cmds[i].name, s, n) == 0)
			return &cmds[i];
	return NULL;
}

void
imap_command_free(struct imap_command *cmd)
{
	if (!cmd)
		return;
	imap_arena_free(cmd);
	free(cmd);
}

/* tag = 1*<any ASTRING-CHAR except "+"> */
static bool
lex_tag(struct imap_lex *l, char **out)
{
	const char *s;
	size_t n;

	if (lex_at_end(l) || *l->p == ' ' || !lex_atom_ex(l, "]", &s, &n) ||
	    memchr(s, '+', n) || !lex_peek_char(l, ' ')) {
		l->err[0] = '\0';
		return lex_fail(l, "Invalid tag");
	}
	*out = imap_arena_strndup(l->cmd, s, n);
	return true;
}

struct imap_command *
imap_parse_command(const char *buf, size_t len, bool utf8,
    size_t max_literal, unsigned max_depth, char *err, size_t errlen)
{
	struct imap_command *c = xcalloc(1, sizeof(*c));
	struct imap_lex l = { .p = buf, .end = buf + len, .cmd = c,
		.utf8 = utf8, .max_literal = max_literal, .max_depth = max_depth };
	const struct cmd_def *def;
	const char *name;
	size_t n;

	if (!lex_tag(&l, &c->tag) || !lex_sp(&l))
		goto bad;
	if (!lex_atom_ex(&l, "", &name, &n)) {
		lex_fail(&l, "Missing command");
		goto bad;
	}
	if (n == 3 && strncasecmp(name, "UID", 3) == 0) {
		c->uid = true;
		if (!lex_sp(&l) || !lex_atom_ex(&l, "", &name, &n))
			goto bad;
	}
	def = find_cmd(name, n);
	if (!def) {
		lex_fail(&l, "Unknown command");
		goto bad;
	}
	if (c->uid && !def->uid_ok) {
		lex_fail(&l, "UID does not apply to %s", def->name);
		goto bad;
	}
	c->type = def->type;
	if (!def->parse(&l, c)) {
		/* Name the command, as in "FETCH: Invalid sequence set". */
		snprintf(err, errlen, "%s: %s", def->name,
		    l.err[0] ? l.err : "Syntax error");
		imap_command_free(c);
		return NULL;
	}
	return c;
bad:
	if (!l.err[0])
		lex_fail(&l, "Syntax error");
	snprintf(err, errlen, "%s", l.err);
	imap_command_free(c);
	return NULL;
}
