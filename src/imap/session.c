/* The session: parser events in, responses out, commands dispatched by
 * state. Each group of commands lives in its own session_*.c. */
#include "imap/session_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "common/xmalloc.h"

static void copy_keys(struct imap_session *s, const struct imap_session_params *p)
{
	if (p->pk != NULL) {
		memcpy(s->pk, p->pk, TREES_PK_LEN);
		s->have_pk = true;
	}
	if (p->sk != NULL) {
		/* Locked, guarded memory; wiped by sodium_free. */
		s->sk = sodium_malloc(TREES_SK_LEN);
		if (s->sk == NULL)
			xoom();
		memcpy(s->sk, p->sk, TREES_SK_LEN);
		if (!s->have_pk) {
			crypto_scalarmult_base(s->pk, s->sk);
			s->have_pk = true;
		}
	}
}

struct imap_session *imap_session_new(const struct imap_session_params *p,
    struct buf *err)
{
	if (p->encrypt && p->pk == NULL && p->sk == NULL) {
		buf_addstr(err, "encryption on but no public key");
		return NULL;
	}
	struct mailindex *ix = mailindex_open(p->maildir, MAILINDEX_OPEN_CHECK,
	    err);
	if (ix == NULL)
		return NULL;
	if (mailindex_ensure_defaults(ix, err) != MAILINDEX_OK) {
		mailindex_close(ix);
		return NULL;
	}
	struct imap_session *s = xcalloc(1, sizeof *s);
	s->ix = ix;
	s->user = xstrdup(p->user ? p->user : "");
	s->maildir = xstrdup(p->maildir);
	s->hostname = xstrdup(p->hostname ? p->hostname : "localhost");
	copy_keys(s, p);
	s->encrypt = p->encrypt;
	s->quota = p->quota;
	s->append_limit = p->append_limit ? p->append_limit :
	    SESSION_DEFAULT_APPEND_LIMIT;
	s->algo = p->algo;
	s->level = p->level;
	s->training = p->training;
	s->training_arg = p->training_arg;
	s->parser = imap_parser_new(NULL);
	imap_w_init(&s->w, &s->out, false);
	return s;
}

void imap_session_free(struct imap_session *s)
{
	if (s == NULL)
		return;
	append_abort(s);
	sess_deselect(s);
	imap_parser_free(s->parser);
	mailindex_close(s->ix);
	if (s->sk != NULL)
		sodium_free(s->sk);
	sodium_memzero(s->pk, sizeof s->pk);
	buf_free(&s->out);
	buf_free(&s->keywords);
	free(s->user);
	free(s->maildir);
	free(s->hostname);
	free(s->idle_tag);
	free(s);
}

void imap_session_feed(struct imap_session *s, const void *data, size_t len)
{
	if (!s->closed)
		imap_parser_feed(s->parser, data, len);
}

const char *imap_session_output(const struct imap_session *s, size_t *len)
{
	*len = s->out.len;
	return s->out.data ? s->out.data : "";
}

void imap_session_output_consume(struct imap_session *s, size_t n)
{
	buf_consume(&s->out, n < s->out.len ? n : s->out.len);
}

bool imap_session_closed(const struct imap_session *s)
{
	return s->closed;
}

bool imap_session_idling(const struct imap_session *s)
{
	return s->idling;
}

struct imap_view *imap_session_view(struct imap_session *s)
{
	return s->selected ? &s->view : NULL;
}

void imap_session_poll(struct imap_session *s)
{
	if (s->idling && s->selected)
		view_refresh(s, true);
}

/* --- helpers --- */

void sess_tagged(struct imap_session *s, const char *tag, const char *status,
    const char *code, const char *text)
{
	imap_w_status(&s->w, tag, status, code, text);
}

void sess_uids_add(struct mailindex_uids *u, uint32_t uid)
{
	/* The capacity is the next power of two: grow when n reaches one. */
	if ((u->n & (u->n - 1)) == 0)
		u->v = xreallocarray(u->v, u->n ? u->n * 2 : 1, sizeof *u->v);
	u->v[u->n++] = uid;
}

void sess_bye(struct imap_session *s, const char *text)
{
	imap_w_status(&s->w, NULL, "BYE", NULL, text);
	s->closed = true;
}

void sess_index_error(struct imap_session *s, const char *tag,
    enum mailindex_rc rc, const char *err)
{
	static const char *const codes[] = {
		[MAILINDEX_OK] = NULL, [MAILINDEX_NOTFOUND] = "NONEXISTENT",
		[MAILINDEX_EXISTS] = "ALREADYEXISTS", [MAILINDEX_BADNAME] = "CANNOT",
		[MAILINDEX_CANNOT] = "CANNOT", [MAILINDEX_CORRUPT] = "SERVERBUG",
		[MAILINDEX_FAIL] = "SERVERBUG",
	};
	/* Database trouble is logged by the glue; the client gets no paths.
	 * Response text is 7-bit (RFC 3501 TEXT-CHAR): names in it are not. */
	struct buf text = BUF_INIT;
	buf_addstr(&text, rc == MAILINDEX_FAIL || rc == MAILINDEX_CORRUPT ?
	    "Internal error, try again later" : err);
	for (size_t i = 0; i < text.len; i++)
		if ((unsigned char)text.data[i] < 0x20 ||
		    (unsigned char)text.data[i] >= 0x7f)
			text.data[i] = '?';
	sess_tagged(s, tag, "NO", codes[rc], text.data);
	buf_free(&text);
	/* A damaged index is rebuilt when the next session opens it. */
	if (rc == MAILINDEX_CORRUPT) {
		mailindex_mark_damaged(s->ix);
		sess_bye(s, "The mail index is damaged; reconnect to rebuild it");
	}
}

static const struct {
	const char *name;
	unsigned bit;
} sysflags[] = {
	{ "\\Seen", MAILINDEX_SEEN }, { "\\Answered", MAILINDEX_ANSWERED },
	{ "\\Flagged", MAILINDEX_FLAGGED }, { "\\Deleted", MAILINDEX_DELETED },
	{ "\\Draft", MAILINDEX_DRAFT },
};
#define NSYSFLAGS (sizeof sysflags / sizeof sysflags[0])

bool sess_parse_flags(const struct imap_strlist *l, unsigned *flags,
    struct buf *kw, struct buf *err)
{
	*flags = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *f = l->v[i];
		if (f[0] != '\\') {
			if (kw->len > 0)
				buf_addch(kw, ' ');
			buf_addstr(kw, f);
			continue;
		}
		size_t k = 0;
		while (k < NSYSFLAGS && strcasecmp(f, sysflags[k].name) != 0)
			k++;
		if (k == NSYSFLAGS) {
			buf_printf(err, "Flag %.40s cannot be set", f);
			return false;
		}
		*flags |= sysflags[k].bit;
	}
	return true;
}

void sess_write_flag_atoms(struct imap_writer *w, unsigned flags,
    const char *keywords)
{
	for (size_t k = 0; k < NSYSFLAGS; k++)
		if (flags & sysflags[k].bit)
			imap_w_atom(w, sysflags[k].name);
	if (keywords != NULL && *keywords)
		imap_w_atom(w, keywords);
}

void sess_write_flags(struct imap_writer *w, unsigned flags,
    const char *keywords)
{
	imap_w_open(w);
	sess_write_flag_atoms(w, flags, keywords);
	imap_w_close(w);
}

/* --- dispatch --- */

enum need { ANY, AUTH_ONLY, AUTHED, SELECTED, NEVER };

static enum need command_needs(enum imap_cmd_type t)
{
	switch (t) {
	case IMAP_CMD_CAPABILITY: case IMAP_CMD_NOOP: case IMAP_CMD_LOGOUT:
	case IMAP_CMD_ID:
		return ANY;
	case IMAP_CMD_STARTTLS: case IMAP_CMD_AUTHENTICATE: case IMAP_CMD_LOGIN:
		return NEVER;
	case IMAP_CMD_ENABLE:
		return AUTH_ONLY;
	case IMAP_CMD_CHECK: case IMAP_CMD_CLOSE: case IMAP_CMD_UNSELECT:
	case IMAP_CMD_EXPUNGE: case IMAP_CMD_SEARCH: case IMAP_CMD_FETCH:
	case IMAP_CMD_STORE: case IMAP_CMD_COPY: case IMAP_CMD_MOVE:
	case IMAP_CMD_SORT: case IMAP_CMD_THREAD:
		return SELECTED;
	default:
		return AUTHED;
	}
}

static bool state_allows(struct imap_session *s, struct imap_command *c)
{
	switch (command_needs(c->type)) {
	case NEVER:
		sess_tagged(s, c->tag, "BAD", NULL, "Already authenticated");
		return false;
	case AUTH_ONLY:
		if (s->selected) {
			sess_tagged(s, c->tag, "BAD", NULL,
			    "Not allowed with a mailbox selected");
			return false;
		}
		return true;
	case SELECTED:
		if (!s->selected) {
			sess_tagged(s, c->tag, "BAD", NULL, "No mailbox selected");
			return false;
		}
		return true;
	default:
		return true;
	}
}

/* FETCH, SEARCH, SORT, THREAD: imap/view.h, wired in by the lead. Their
 * sequence-number forms must not see EXPUNGE responses (RFC 3501 7.4.1). */
static void cmd_read(struct imap_session *s, struct imap_command *c)
{
	struct buf text = BUF_INIT;
	enum imap_view_rc rc = IMAP_VIEW_BAD;
	view_refresh(s, c->uid);
	switch (c->type) {
	case IMAP_CMD_FETCH:
		rc = imap_view_fetch(&s->view, &c->u.fetch, c->uid, &s->w, &text);
		break;
	case IMAP_CMD_SEARCH:
		rc = imap_view_search(&s->view, &c->u.search, c->uid, c->tag,
		    &s->w, &text);
		break;
	case IMAP_CMD_SORT:
		rc = imap_view_sort(&s->view, &c->u.sort, c->uid, &s->w, &text);
		break;
	case IMAP_CMD_THREAD:
		rc = imap_view_thread(&s->view, &c->u.thread, c->uid, &s->w, &text);
		break;
	default:
		break;
	}
	char done[64];
	snprintf(done, sizeof done, "%s%s completed", c->uid ? "UID " : "",
	    imap_cmd_name(c->type));
	if (rc == IMAP_VIEW_OK)
		sess_tagged(s, c->tag, "OK", NULL, done);
	else
		sess_tagged(s, c->tag, rc == IMAP_VIEW_NO ? "NO" : "BAD", NULL,
		    text.len ? text.data : "Command failed");
	buf_free(&text);
}

static void dispatch(struct imap_session *s, struct imap_command *c)
{
	if (!state_allows(s, c))
		return;
	switch (c->type) {
	case IMAP_CMD_CAPABILITY: cmd_capability(s, c); break;
	case IMAP_CMD_NOOP: case IMAP_CMD_CHECK: cmd_noop(s, c); break;
	case IMAP_CMD_LOGOUT: cmd_logout(s, c); break;
	case IMAP_CMD_ENABLE: cmd_enable(s, c); break;
	case IMAP_CMD_ID: cmd_id(s, c); break;
	case IMAP_CMD_IDLE: cmd_idle(s, c); break;
	case IMAP_CMD_GETQUOTA: cmd_getquota(s, c, false); break;
	case IMAP_CMD_GETQUOTAROOT: cmd_getquota(s, c, true); break;
	case IMAP_CMD_SETQUOTA:
		sess_tagged(s, c->tag, "NO", "NOPERM", "Quotas are set by the "
		    "administrator");
		break;
	case IMAP_CMD_SELECT: case IMAP_CMD_EXAMINE: cmd_select(s, c); break;
	case IMAP_CMD_UNSELECT: cmd_unselect(s, c, false); break;
	case IMAP_CMD_CLOSE: cmd_unselect(s, c, true); break;
	case IMAP_CMD_CREATE: cmd_create(s, c); break;
	case IMAP_CMD_DELETE: cmd_delete(s, c); break;
	case IMAP_CMD_RENAME: cmd_rename(s, c); break;
	case IMAP_CMD_SUBSCRIBE: cmd_subscribe(s, c, true); break;
	case IMAP_CMD_UNSUBSCRIBE: cmd_subscribe(s, c, false); break;
	case IMAP_CMD_LIST: cmd_list(s, c); break;
	case IMAP_CMD_LSUB: cmd_lsub(s, c); break;
	case IMAP_CMD_NAMESPACE: cmd_namespace(s, c); break;
	case IMAP_CMD_STATUS: cmd_status(s, c); break;
	case IMAP_CMD_STORE: cmd_store(s, c); break;
	case IMAP_CMD_COPY: cmd_copy(s, c, false); break;
	case IMAP_CMD_MOVE: cmd_copy(s, c, true); break;
	case IMAP_CMD_EXPUNGE: cmd_expunge(s, c); break;
	case IMAP_CMD_FETCH: case IMAP_CMD_SEARCH: case IMAP_CMD_SORT:
	case IMAP_CMD_THREAD:
		cmd_read(s, c);
		break;
	default:        /* APPEND comes as IMAP_EV_APPEND_BEGIN */
		sess_tagged(s, c->tag, "BAD", NULL, "Unexpected command");
		break;
	}
}

static void on_bad(struct imap_session *s, const struct imap_event *ev)
{
	append_abort(s);
	if (s->idling) {
		/* The line that should have been DONE was not even a line. */
		idle_done(s, ev->text);
		return;
	}
	imap_w_status(&s->w, ev->tag, "BAD", NULL, ev->text);
}

static void on_event(struct imap_session *s, struct imap_event *ev)
{
	switch (ev->type) {
	case IMAP_EV_COMMAND:
		dispatch(s, ev->cmd);
		imap_command_free(ev->cmd);
		break;
	case IMAP_EV_CONTINUE:
		imap_w_continue(&s->w, NULL);
		break;
	case IMAP_EV_BAD:
		on_bad(s, ev);
		break;
	case IMAP_EV_APPEND_BEGIN:
		append_begin(s, ev->cmd);
		imap_command_free(ev->cmd);
		break;
	case IMAP_EV_APPEND_DATA:
		append_data(s, ev->data, ev->len);
		break;
	case IMAP_EV_APPEND_END:
		append_end(s);
		break;
	case IMAP_EV_APPEND_DONE:
		append_done(s, ev->tag);
		break;
	case IMAP_EV_DONE:
		idle_done(s, ev->text);
		break;
	case IMAP_EV_SASL:      /* never asked for after login */
		imap_w_status(&s->w, NULL, "BAD", NULL, "Unexpected SASL data");
		break;
	case IMAP_EV_FATAL:
		append_abort(s);
		sess_bye(s, ev->text);
		break;
	case IMAP_EV_NEED_MORE:
		break;
	}
}

void imap_session_run(struct imap_session *s)
{
	struct imap_event ev;
	while (!s->closed &&
	    imap_parser_next(s->parser, &ev) != IMAP_EV_NEED_MORE)
		on_event(s, &ev);
}
