/* CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS, NAMESPACE
 * (LIST and LSUB are in session_list.c). */
#include "imap/session_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "store/mboxname.h"

/* --- STATUS --- */

static void deleted_counts(struct imap_session *s, int64_t mbox,
    uint64_t *count, uint64_t *bytes)
{
	struct mailindex_msgs all = { 0 };
	struct buf err = BUF_INIT;
	*count = *bytes = 0;
	if (mailindex_messages(s->ix, mbox, 0, &all, &err) == MAILINDEX_OK)
		for (size_t i = 0; i < all.n; i++)
			if (all.v[i].flags & MAILINDEX_DELETED) {
				(*count)++;
				*bytes += all.v[i].size;
			}
	mailindex_msgs_free(&all);
	buf_free(&err);
}

static void status_item(struct imap_writer *w, const char *name, uint64_t v)
{
	imap_w_atom(w, name);
	imap_w_number(w, v);
}

void write_status(struct imap_session *s, const struct mailindex_mailbox *mb,
    unsigned items)
{
	struct imap_writer *w = &s->w;
	uint64_t del = 0, delbytes = 0;
	if (items & (IMAP_STATUS_DELETED | IMAP_STATUS_DELETED_STORAGE))
		deleted_counts(s, mb->id, &del, &delbytes);
	imap_w_untagged(w);
	imap_w_atom(w, "STATUS");
	imap_w_mailbox(w, mb->name);
	imap_w_open(w);
	if (items & IMAP_STATUS_MESSAGES)
		status_item(w, "MESSAGES", mb->messages);
	if (items & IMAP_STATUS_RECENT)
		status_item(w, "RECENT", 0);
	if (items & IMAP_STATUS_UIDNEXT)
		status_item(w, "UIDNEXT", mb->uidnext);
	if (items & IMAP_STATUS_UIDVALIDITY)
		status_item(w, "UIDVALIDITY", mb->uidvalidity);
	if (items & IMAP_STATUS_UNSEEN)
		status_item(w, "UNSEEN", mb->unseen);
	if (items & IMAP_STATUS_DELETED)
		status_item(w, "DELETED", del);
	if (items & IMAP_STATUS_SIZE)
		status_item(w, "SIZE", mb->bytes);
	if (items & IMAP_STATUS_HIGHESTMODSEQ)
		status_item(w, "HIGHESTMODSEQ", mb->highestmodseq);
	if (items & IMAP_STATUS_APPENDLIMIT)
		status_item(w, "APPENDLIMIT", s->append_limit);
	if (items & IMAP_STATUS_DELETED_STORAGE)
		status_item(w, "DELETED-STORAGE", (delbytes + 1023) / 1024);
	imap_w_close(w);
	imap_w_end(w);
}

void cmd_status(struct imap_session *s, struct imap_command *c)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf err = BUF_INIT;
	enum mailindex_rc rc = mailindex_mailbox_get(s->ix, c->u.status.mailbox,
	    &mb, &err);
	if (rc == MAILINDEX_OK)
		rc = mailindex_sync(s->ix, mb.id, false, &err);
	if (rc == MAILINDEX_OK) {
		mailindex_mailbox_free(&mb);
		rc = mailindex_mailbox_get(s->ix, c->u.status.mailbox, &mb, &err);
	}
	if (rc != MAILINDEX_OK) {
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
	} else {
		if (c->u.status.items & IMAP_STATUS_HIGHESTMODSEQ)
			s->condstore = s->view.condstore = true;
		write_status(s, &mb, c->u.status.items);
		view_refresh(s, true);
		sess_tagged(s, c->tag, "OK", NULL, "STATUS completed");
	}
	mailindex_mailbox_free(&mb);
	buf_free(&err);
}

/* --- changes to the tree --- */

void cmd_create(struct imap_session *s, struct imap_command *c)
{
	struct imap_create_args *a = &c->u.create;
	struct buf err = BUF_INIT, name = BUF_INIT;
	unsigned special = 0;
	for (size_t i = 0; i < a->use.n; i++) {
		unsigned bit = mailindex_special_parse(a->use.v[i]);
		if (bit == 0) {
			sess_tagged(s, c->tag, "NO", "USEATTR",
			    "Unknown special-use attribute");
			goto out;
		}
		special |= bit;
	}
	/* "Work/" means: a place for children, i.e. "Work" (RFC 3501 6.3.3). */
	buf_addstr(&name, a->mailbox);
	if (name.len > 1 && name.data[name.len - 1] == '/')
		name.data[--name.len] = '\0';
	enum mailindex_rc rc = mailindex_create(s->ix, name.data, special, &err);
	if (rc != MAILINDEX_OK)
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
	else
		sess_tagged(s, c->tag, "OK", NULL, "CREATE completed");
out:
	buf_free(&err);
	buf_free(&name);
}

static bool is_selected(struct imap_session *s, const char *name)
{
	struct buf canon = BUF_INIT, err = BUF_INIT;
	bool r = s->selected && mboxname_canon(name, strlen(name), &canon, &err)
	    && strcmp(canon.data, s->sel_name) == 0;
	buf_free(&canon);
	buf_free(&err);
	return r;
}

void cmd_delete(struct imap_session *s, struct imap_command *c)
{
	struct buf err = BUF_INIT;
	bool was_selected = is_selected(s, c->u.mailbox);
	enum mailindex_rc rc = mailindex_delete(s->ix, c->u.mailbox, &err);
	if (rc != MAILINDEX_OK) {
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
	} else {
		/* Deleting the selected mailbox leaves it, as Dovecot does. */
		if (was_selected)
			sess_deselect(s);
		sess_tagged(s, c->tag, "OK", NULL, "DELETE completed");
	}
	buf_free(&err);
}

void cmd_rename(struct imap_session *s, struct imap_command *c)
{
	struct buf err = BUF_INIT;
	struct mailindex_mailbox mb = { 0 };
	enum mailindex_rc rc = mailindex_rename(s->ix, c->u.rename.from,
	    c->u.rename.to, &err);
	if (rc != MAILINDEX_OK) {
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
		goto out;
	}
	/* The selected mailbox keeps its id but may have a new name. */
	if (s->selected && mailindex_mailbox_by_id(s->ix, s->view.mbox, &mb,
	    &err) == MAILINDEX_OK) {
		free(s->sel_name);
		s->sel_name = xstrdup(mb.name);
	}
	view_refresh(s, true);
	sess_tagged(s, c->tag, "OK", NULL, "RENAME completed");
out:
	mailindex_mailbox_free(&mb);
	buf_free(&err);
}

void cmd_subscribe(struct imap_session *s, struct imap_command *c, bool on)
{
	struct buf err = BUF_INIT;
	enum mailindex_rc rc = mailindex_subscribe(s->ix, c->u.mailbox, on, &err);
	if (rc != MAILINDEX_OK)
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
	else
		sess_tagged(s, c->tag, "OK", NULL, on ? "SUBSCRIBE completed" :
		    "UNSUBSCRIBE completed");
	buf_free(&err);
}

void cmd_namespace(struct imap_session *s, struct imap_command *c)
{
	imap_w_untagged(&s->w);
	imap_w_atom(&s->w, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_w_end(&s->w);
	sess_tagged(s, c->tag, "OK", NULL, "NAMESPACE completed");
}
