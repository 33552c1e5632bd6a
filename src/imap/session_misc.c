/* CAPABILITY, NOOP, CHECK, LOGOUT, ENABLE (RFC 5161), ID (RFC 2971),
 * IDLE (RFC 2177), GETQUOTA and GETQUOTAROOT (RFC 9208). */
#include "imap/session_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

void imap_session_capabilities(uint64_t append_limit, struct buf *out)
{
	buf_addstr(out, "IMAP4rev1 IMAP4rev2 LITERAL+ ENABLE IDLE NAMESPACE ID "
	    "UIDPLUS MOVE UNSELECT CHILDREN LIST-EXTENDED LIST-STATUS "
	    "SPECIAL-USE CREATE-SPECIAL-USE MULTIAPPEND BINARY ESEARCH SEARCHRES "
	    "CONDSTORE QRESYNC QUOTA QUOTA=RES-STORAGE STATUS=SIZE "
	    "SORT THREAD=REFERENCES THREAD=ORDEREDSUBJECT UTF8=ACCEPT ");
	buf_printf(out, "APPENDLIMIT=%llu", (unsigned long long)(append_limit ?
	    append_limit : SESSION_DEFAULT_APPEND_LIMIT));
}

void cmd_capability(struct imap_session *s, struct imap_command *c)
{
	struct buf caps = BUF_INIT;
	imap_session_capabilities(s->append_limit, &caps);
	imap_w_untagged(&s->w);
	imap_w_atom(&s->w, "CAPABILITY");
	imap_w_atom(&s->w, caps.data);
	imap_w_end(&s->w);
	buf_free(&caps);
	sess_tagged(s, c->tag, "OK", NULL, "CAPABILITY completed");
}

void cmd_noop(struct imap_session *s, struct imap_command *c)
{
	view_refresh(s, true);
	if (!s->closed)
		sess_tagged(s, c->tag, "OK", NULL, c->type == IMAP_CMD_CHECK ?
		    "CHECK completed" : "NOOP completed");
}

void cmd_logout(struct imap_session *s, struct imap_command *c)
{
	imap_w_status(&s->w, NULL, "BYE", NULL, "Logging out");
	sess_tagged(s, c->tag, "OK", NULL, "LOGOUT completed");
	s->closed = true;
}

/* Turns one extension on; its name for ENABLED if it was off, else NULL. */
static const char *enable_one(struct imap_session *s, const char *name)
{
	static const char *const names[] = { "CONDSTORE", "QRESYNC",
		"UTF8=ACCEPT", "IMAP4rev2" };
	bool *flags[] = { &s->condstore, &s->qresync, &s->utf8, &s->rev2 };
	size_t i = 0;
	while (i < 4 && strcasecmp(name, names[i]) != 0)
		i++;
	if (i == 4 || *flags[i])
		return NULL;
	*flags[i] = true;
	if (flags[i] == &s->qresync)
		s->condstore = true;        /* QRESYNC implies CONDSTORE */
	if (flags[i] == &s->utf8) {
		imap_parser_set_utf8(s->parser, true);
		s->w.utf8 = true;
	}
	return names[i];
}

void cmd_enable(struct imap_session *s, struct imap_command *c)
{
	imap_w_untagged(&s->w);
	imap_w_atom(&s->w, "ENABLED");
	for (size_t i = 0; i < c->u.enable.n; i++) {
		const char *on = enable_one(s, c->u.enable.v[i]);
		if (on != NULL)
			imap_w_atom(&s->w, on);
	}
	imap_w_end(&s->w);
	sess_tagged(s, c->tag, "OK", NULL, "ENABLE completed");
}

void cmd_id(struct imap_session *s, struct imap_command *c)
{
	imap_w_untagged(&s->w);
	imap_w_atom(&s->w, "ID (\"name\" \"archmailbox\")");
	imap_w_end(&s->w);
	sess_tagged(s, c->tag, "OK", NULL, "ID completed");
}

void cmd_idle(struct imap_session *s, struct imap_command *c)
{
	free(s->idle_tag);
	s->idle_tag = xstrdup(c->tag);
	s->idling = true;
	imap_w_continue(&s->w, "idling");
	imap_parser_expect_done(s->parser);
	/* What happened before IDLE is due now (RFC 2177). */
	view_refresh(s, true);
}

void idle_done(struct imap_session *s, const char *bad)
{
	if (!s->idling)
		return;
	s->idling = false;
	if (bad != NULL) {
		sess_tagged(s, s->idle_tag, "BAD", NULL, bad);
	} else {
		view_refresh(s, true);
		if (!s->closed)
			sess_tagged(s, s->idle_tag, "OK", NULL, "IDLE terminated");
	}
	free(s->idle_tag);
	s->idle_tag = NULL;
}

/* "* QUOTA "" (STORAGE used limit)" in KiB (RFC 9208 5.1). */
static bool write_quota(struct imap_session *s)
{
	uint64_t bytes = 0, msgs = 0;
	struct buf err = BUF_INIT;
	bool ok = mailindex_usage(s->ix, &bytes, &msgs, &err) == MAILINDEX_OK;
	buf_free(&err);
	if (!ok)
		return false;
	imap_w_untagged(&s->w);
	imap_w_atom(&s->w, "QUOTA");
	imap_w_string(&s->w, "", 0);
	imap_w_open(&s->w);
	imap_w_atom(&s->w, "STORAGE");
	imap_w_number(&s->w, (bytes + 1023) / 1024);
	imap_w_number(&s->w, s->quota / 1024);
	imap_w_close(&s->w);
	imap_w_end(&s->w);
	return true;
}

/* One quota root, "", for the whole user; none without a quota. */
void cmd_getquota(struct imap_session *s, struct imap_command *c, bool root)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf err = BUF_INIT;
	if (root) {
		enum mailindex_rc rc = mailindex_mailbox_get(s->ix, c->u.mailbox,
		    &mb, &err);
		if (rc != MAILINDEX_OK) {
			sess_index_error(s, c->tag, rc, buf_cstr(&err));
			goto out;
		}
		imap_w_untagged(&s->w);
		imap_w_atom(&s->w, "QUOTAROOT");
		imap_w_mailbox(&s->w, mb.name);
		if (s->quota > 0)
			imap_w_string(&s->w, "", 0);
		imap_w_end(&s->w);
	} else if (s->quota == 0 || c->u.mailbox[0] != '\0') {
		sess_tagged(s, c->tag, "NO", "NONEXISTENT", "No such quota root");
		goto out;
	}
	if (s->quota > 0 && !write_quota(s)) {
		sess_index_error(s, c->tag, MAILINDEX_FAIL, "");
		goto out;
	}
	sess_tagged(s, c->tag, "OK", NULL, root ? "GETQUOTAROOT completed" :
	    "GETQUOTA completed");
out:
	mailindex_mailbox_free(&mb);
	buf_free(&err);
}
