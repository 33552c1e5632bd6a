/* LIST (RFC 5258 LIST-EXTENDED, 5819 LIST-STATUS, 6154 SPECIAL-USE,
 * 3348 CHILDREN), LSUB, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE,
 * STATUS, NAMESPACE. The hierarchy separator is "/". */
#include "imap/session_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "store/mboxname.h"

/* --- pattern matching --- */

/* Is c of the name equal to pattern char p? The INBOX prefix of a name
 * matches in any case (RFC 3501 5.1). */
static bool char_eq(char p, char c, bool nocase)
{
	if (p == c)
		return true;
	return nocase && (p | 0x20) == (c | 0x20) && ((c | 0x20) >= 'a' &&
	    (c | 0x20) <= 'z');
}

/* "*" matches anything, "%" anything but "/". Dynamic programming over
 * the name: time pattern x name, no backtracking blow-up. */
static bool pattern_match(const char *pat, const char *name)
{
	size_t n = strlen(name);
	size_t ci = (strncmp(name, "INBOX", 5) == 0 &&
	    (name[5] == '\0' || name[5] == '/')) ? 5 : 0;
	bool *cur = xcalloc(n + 1, sizeof *cur), *next = xcalloc(n + 1,
	    sizeof *next);
	cur[0] = true;
	for (const char *p = pat; *p; p++) {
		if (*p == '*') {
			next[0] = cur[0];
			for (size_t j = 1; j <= n; j++)
				next[j] = cur[j] || next[j - 1];
		} else if (*p == '%') {
			next[0] = cur[0];
			for (size_t j = 1; j <= n; j++)
				next[j] = cur[j] || (next[j - 1] && name[j - 1] != '/');
		} else {
			next[0] = false;
			for (size_t j = 1; j <= n; j++)
				next[j] = cur[j - 1] && char_eq(*p, name[j - 1], j <= ci);
		}
		bool *t = cur;
		cur = next;
		next = t;
	}
	bool r = cur[n];
	free(cur);
	free(next);
	return r;
}

/* --- the name tree LIST walks --- */

struct lnode {
	char *name;
	const struct mailindex_mailbox *mb;     /* NULL: does not exist */
	bool subscribed;
	bool has_children;          /* an existing mailbox below it */
	bool sub_below;             /* a subscribed name below it */
};

struct ltree {
	struct mailindex_mailbox *mbs;
	size_t nmbs;
	struct lnode *v;
	size_t n, cap;
};

static void tree_add(struct ltree *t, const char *name, size_t len)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	memset(&t->v[t->n], 0, sizeof t->v[0]);
	t->v[t->n++].name = xstrndup(name, len);
}

/* The name and each of its parents. */
static void tree_add_path(struct ltree *t, const char *name)
{
	for (const char *p = name;; p++) {
		if (*p == '/' || *p == '\0')
			tree_add(t, name, (size_t)(p - name));
		if (*p == '\0')
			break;
	}
}

static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lnode *)a)->name,
	    ((const struct lnode *)b)->name);
}

static struct lnode *tree_find(struct ltree *t, const char *name)
{
	struct lnode key = { .name = (char *)name };
	return bsearch(&key, t->v, t->n, sizeof *t->v, node_cmp);
}

static void tree_free(struct ltree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	mailindex_list_free(t->mbs, t->nmbs);
}

/* Sorted, without duplicates; marks below-information on ancestors. */
static void tree_finish(struct ltree *t)
{
	size_t k = 0;
	qsort(t->v, t->n, sizeof *t->v, node_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (k > 0 && strcmp(t->v[k - 1].name, t->v[i].name) == 0) {
			free(t->v[i].name);
			continue;
		}
		t->v[k++] = t->v[i];
	}
	t->n = k;
}

static void tree_mark_ancestors(struct ltree *t, struct lnode *nd)
{
	char *name = xstrdup(nd->name);
	for (char *slash; (slash = strrchr(name, '/')) != NULL;) {
		*slash = '\0';
		struct lnode *up = tree_find(t, name);
		if (up == NULL)
			continue;
		if (nd->mb != NULL)
			up->has_children = true;
		if (nd->subscribed)
			up->sub_below = true;
	}
	free(name);
}

static enum mailindex_rc tree_build(struct imap_session *s, struct ltree *t,
    struct buf *err)
{
	char **subs = NULL;
	size_t nsubs = 0;
	memset(t, 0, sizeof *t);
	enum mailindex_rc rc = mailindex_list(s->ix, &t->mbs, &t->nmbs, err);
	if (rc == MAILINDEX_OK)
		rc = mailindex_subscriptions(s->ix, &subs, &nsubs, err);
	if (rc != MAILINDEX_OK)
		return rc;
	for (size_t i = 0; i < t->nmbs; i++)
		tree_add_path(t, t->mbs[i].name);
	for (size_t i = 0; i < nsubs; i++)
		tree_add_path(t, subs[i]);
	tree_finish(t);
	for (size_t i = 0; i < t->nmbs; i++)
		tree_find(t, t->mbs[i].name)->mb = &t->mbs[i];
	for (size_t i = 0; i < nsubs; i++)
		tree_find(t, subs[i])->subscribed = true;
	for (size_t i = 0; i < t->n; i++)
		tree_mark_ancestors(t, &t->v[i]);
	mailindex_names_free(subs, nsubs);
	return MAILINDEX_OK;
}

/* --- LIST --- */

static bool node_selected(const struct lnode *nd, unsigned sel)
{
	if ((sel & IMAP_LISTSEL_SUBSCRIBED) && !nd->subscribed)
		return false;
	if ((sel & IMAP_LISTSEL_SPECIAL_USE) &&
	    (nd->mb == NULL || nd->mb->special == 0))
		return false;
	if (sel & IMAP_LISTSEL_SUBSCRIBED)
		return true;
	/* Plain LIST: mailboxes, and the missing parents of some. */
	return nd->mb != NULL || nd->has_children;
}

static void write_attrs(struct imap_session *s, const struct lnode *nd,
    const struct imap_list_args *a, bool lsub)
{
	struct imap_writer *w = &s->w;
	imap_w_open(w);
	if (nd->mb == NULL)
		imap_w_atom(w, a->extended || s->rev2 ? "\\NonExistent" :
		    "\\Noselect");
	if (nd->mb != NULL || nd->has_children)
		imap_w_atom(w, nd->has_children ? "\\HasChildren" :
		    "\\HasNoChildren");
	if (nd->subscribed && ((a->return_opts & IMAP_LISTRET_SUBSCRIBED) ||
	    (a->select_opts & IMAP_LISTSEL_SUBSCRIBED)))
		imap_w_atom(w, "\\Subscribed");
	for (unsigned bit = 1; !lsub && nd->mb != NULL && bit <= MAILINDEX_USE_MASK;
	    bit <<= 1)
		if (nd->mb->special & bit)
			imap_w_atom(w, mailindex_special_name(bit));
	imap_w_close(w);
}

static void write_list(struct imap_session *s, const char *what,
    const struct lnode *nd, const struct imap_list_args *a, bool childinfo)
{
	struct imap_writer *w = &s->w;
	imap_w_untagged(w);
	imap_w_atom(w, what);
	write_attrs(s, nd, a, strcmp(what, "LSUB") == 0);
	imap_w_string(w, "/", 1);
	imap_w_mailbox(w, nd->name);
	if (childinfo) {
		imap_w_open(w);
		imap_w_string(w, "CHILDINFO", 9);
		imap_w_open(w);
		imap_w_string(w, "SUBSCRIBED", 10);
		imap_w_close(w);
		imap_w_close(w);
	}
	imap_w_end(w);
	if ((a->return_opts & IMAP_LISTRET_STATUS) && nd->mb != NULL)
		write_status(s, nd->mb, a->status_items);
}

static void list_pattern(struct imap_session *s, struct ltree *t,
    const struct imap_list_args *a, const char *pattern, bool *shown)
{
	bool recursive = (a->select_opts & IMAP_LISTSEL_RECURSIVEMATCH) &&
	    (a->select_opts & IMAP_LISTSEL_SUBSCRIBED);
	for (size_t i = 0; i < t->n; i++) {
		const struct lnode *nd = &t->v[i];
		if (shown[i] || !pattern_match(pattern, nd->name))
			continue;
		bool sel = node_selected(nd, a->select_opts);
		bool childinfo = recursive && nd->sub_below;
		if (!sel && !childinfo)
			continue;
		shown[i] = true;
		write_list(s, "LIST", nd, a, childinfo);
	}
}

void cmd_list(struct imap_session *s, struct imap_command *c)
{
	struct imap_list_args *a = &c->u.list;
	struct buf err = BUF_INIT, pat = BUF_INIT;
	struct ltree t;
	/* LIST "" "": the separator and the root (RFC 3501 6.3.8). */
	if (a->patterns.n == 1 && a->patterns.v[0][0] == '\0' && !a->extended) {
		imap_w_untagged(&s->w);
		imap_w_atom(&s->w, "LIST (\\Noselect) \"/\" \"\"");
		imap_w_end(&s->w);
		sess_tagged(s, c->tag, "OK", NULL, "LIST completed");
		return;
	}
	enum mailindex_rc rc = tree_build(s, &t, &err);
	if (rc != MAILINDEX_OK) {
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
		buf_free(&err);
		return;
	}
	bool *shown = xcalloc(t.n + 1, sizeof *shown);
	for (size_t i = 0; i < a->patterns.n; i++) {
		buf_reset(&pat);
		buf_addstr(&pat, a->reference);
		buf_addstr(&pat, a->patterns.v[i]);
		list_pattern(s, &t, a, buf_cstr(&pat), shown);
	}
	free(shown);
	tree_free(&t);
	buf_free(&err);
	buf_free(&pat);
	sess_tagged(s, c->tag, "OK", NULL, "LIST completed");
}

/* LSUB (RFC 3501 6.3.9): subscribed names; with "%", a parent of a
 * subscribed name that the pattern misses is shown \Noselect. */
void cmd_lsub(struct imap_session *s, struct imap_command *c)
{
	struct imap_list_args *a = &c->u.list;
	struct buf err = BUF_INIT, pat = BUF_INIT;
	struct ltree t;
	enum mailindex_rc rc = tree_build(s, &t, &err);
	if (rc != MAILINDEX_OK) {
		sess_index_error(s, c->tag, rc, buf_cstr(&err));
		buf_free(&err);
		return;
	}
	buf_addstr(&pat, a->reference);
	buf_addstr(&pat, a->patterns.n ? a->patterns.v[0] : "");
	struct imap_list_args plain = { 0 };
	for (size_t i = 0; i < t.n; i++) {
		struct lnode nd = t.v[i];
		if (!pattern_match(pat.data, nd.name))
			continue;
		if (!nd.subscribed && !nd.sub_below)
			continue;
		if (!nd.subscribed)
			nd.mb = NULL;   /* shown \Noselect */
		nd.has_children = false;
		/* A parent shows only when no subscribed child matches. */
		bool child_shown = false;
		size_t len = strlen(nd.name);
		for (size_t j = i + 1; !nd.subscribed && j < t.n &&
		    strncmp(t.v[j].name, nd.name, len) == 0; j++)
			child_shown |= t.v[j].name[len] == '/' && t.v[j].subscribed &&
			    pattern_match(pat.data, t.v[j].name);
		if (!child_shown)
			write_list(s, "LSUB", &nd, &plain, false);
	}
	tree_free(&t);
	buf_free(&err);
	buf_free(&pat);
	sess_tagged(s, c->tag, "OK", NULL, "LSUB completed");
}

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
