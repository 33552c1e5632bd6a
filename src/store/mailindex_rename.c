/* RENAME: a mailbox with all its children, folders and subscriptions. */
#include "store/mailindex_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xmalloc.h"
#include "store/mboxname.h"

struct moved {
	int64_t id;
	char *to;
	char *from_dir;
	char *to_dir;
	bool done;
};

static void moved_free(struct moved *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].to);
		free(v[i].from_dir);
		free(v[i].to_dir);
	}
	free(v);
}

/* The mailbox and its children, each with its new name and folders. */
static enum mailindex_rc plan(struct mailindex *ix, const char *from,
    const char *to, struct moved **out, size_t *n, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "SELECT id, name FROM mailboxes WHERE"
	    " name = ?1 OR substr(name, 1, length(?1) + 1) = ?1 || '/'", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	size_t cap = 0, flen = strlen(from);
	enum mailindex_rc rc = MAILINDEX_OK;
	int r;
	while (rc == MAILINDEX_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		struct buf nn = BUF_INIT, d = BUF_INIT;
		buf_printf(&nn, "%s%s", to, name + flen);
		if (!mboxname_canon(nn.data, nn.len, &d, err)) {
			buf_free(&nn);
			buf_free(&d);
			rc = MAILINDEX_BADNAME;
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		struct moved *m = &(*out)[(*n)++];
		memset(m, 0, sizeof *m);
		m->id = sqlite3_column_int64(st, 0);
		m->to = buf_detach(&nn);
		buf_reset(&d);
		mi_folder_dir(ix, name, &d);
		m->from_dir = buf_detach(&d);
		mi_folder_dir(ix, m->to, &d);
		m->to_dir = buf_detach(&d);
	}
	if (rc == MAILINDEX_OK && r != SQLITE_DONE)
		rc = mi_fail(ix, err);
	mi_done(st);
	return rc;
}

/* Each target must be free, in the index and on disk (rename(2) would
 * silently replace an empty directory). */
static enum mailindex_rc check_free(struct mailindex *ix, struct moved *v,
    size_t n, struct buf *err)
{
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		int r = mi_mailbox_row(ix, v[i].to, NULL, err);
		if (r < 0)
			return mi_fail(ix, NULL);
		if (r > 0 || lstat(v[i].to_dir, &sb) == 0) {
			buf_printf(err, "mailbox %s already exists", v[i].to);
			return MAILINDEX_EXISTS;
		}
	}
	return MAILINDEX_OK;
}

static enum mailindex_rc apply(struct mailindex *ix, struct moved *v, size_t n,
    struct buf *err)
{
	for (size_t i = 0; i < n; i++) {
		if (rename(v[i].from_dir, v[i].to_dir) != 0 && errno != ENOENT) {
			buf_printf(err, "%s: %s", v[i].from_dir, strerror(errno));
			return MAILINDEX_FAIL;
		}
		v[i].done = true;
		sqlite3_stmt *st = mi_stmt(ix, "UPDATE mailboxes SET name = ?,"
		    " stamp = NULL WHERE id = ?", err);
		if (st == NULL)
			return MAILINDEX_FAIL;
		sqlite3_bind_text(st, 1, v[i].to, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, v[i].id);
		enum mailindex_rc rc = mi_run(ix, st, err);
		if (rc != MAILINDEX_OK)
			return rc;
	}
	return MAILINDEX_OK;
}

static void undo(struct moved *v, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (v[i].done)
			rename(v[i].to_dir, v[i].from_dir);
}

static enum mailindex_rc rename_subscriptions(struct mailindex *ix,
    const char *from, const char *to, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "UPDATE OR REPLACE subscriptions SET"
	    " name = ?2 || substr(name, length(?1) + 1) WHERE name = ?1 OR"
	    " substr(name, 1, length(?1) + 1) = ?1 || '/'", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
	return mi_run(ix, st, err);
}

/* RFC 3501: INBOX's messages go to a new mailbox; INBOX stays, empty. */
static enum mailindex_rc rename_inbox(struct mailindex *ix, const char *to,
    struct mi_undo *u, struct buf *err)
{
	struct mailindex_mailbox in = { 0 }, dst = { 0 };
	enum mailindex_rc rc = mi_make_parents(ix, to, err);
	if (rc == MAILINDEX_OK)
		rc = mi_mailbox_insert(ix, to, 0, 1, 0, 1, NULL, err);
	struct buf dir = BUF_INIT;
	mi_folder_dir(ix, to, &dir);
	if (rc == MAILINDEX_OK && !mi_folder_create(dir.data, err))
		rc = MAILINDEX_FAIL;
	if (rc == MAILINDEX_OK && mi_mailbox_row(ix, "INBOX", &in, err) <= 0)
		rc = mi_fail(ix, NULL);
	if (rc == MAILINDEX_OK && mi_mailbox_row(ix, to, &dst, err) <= 0)
		rc = mi_fail(ix, NULL);
	struct mailindex_copyuid cu = { 0 };
	if (rc == MAILINDEX_OK)
		rc = mi_copy_locked(ix, in.id, NULL, 0, dst.id, true, &cu, u, err);
	if (rc == MAILINDEX_OK) {
		mi_folder_meta_save(ix, dst.id);
		mi_folder_meta_save(ix, in.id);
	}
	mailindex_copyuid_free(&cu);
	mailindex_mailbox_free(&in);
	mailindex_mailbox_free(&dst);
	buf_free(&dir);
	return rc;
}

/* Inside the transaction; the folders renamed so far are in *v, for the
 * caller to move back if the transaction does not commit. */
static enum mailindex_rc rename_locked(struct mailindex *ix, const char *from,
    const char *to, struct moved **v, size_t *n, struct mi_undo *u,
    struct buf *err)
{
	enum mailindex_rc rc = mi_sync_mailboxes_locked(ix, err);
	if (rc != MAILINDEX_OK)
		return rc;
	int r = mi_mailbox_row(ix, from, NULL, err);
	if (r <= 0) {
		if (r == 0)
			buf_printf(err, "mailbox %s does not exist", from);
		return r == 0 ? MAILINDEX_NOTFOUND : mi_fail(ix, NULL);
	}
	r = mi_mailbox_row(ix, to, NULL, err);
	if (r != 0) {
		if (r > 0)
			buf_printf(err, "mailbox %s already exists", to);
		return r > 0 ? MAILINDEX_EXISTS : mi_fail(ix, NULL);
	}
	if (strcmp(from, "INBOX") == 0)
		return rename_inbox(ix, to, u, err);
	rc = plan(ix, from, to, v, n, err);
	if (rc == MAILINDEX_OK)
		rc = check_free(ix, *v, *n, err);
	if (rc == MAILINDEX_OK)
		rc = mi_make_parents(ix, to, err);
	if (rc == MAILINDEX_OK)
		rc = apply(ix, *v, *n, err);
	if (rc == MAILINDEX_OK)
		rc = rename_subscriptions(ix, from, to, err);
	return rc;
}

enum mailindex_rc mailindex_rename(struct mailindex *ix, const char *from,
    const char *to, struct buf *err)
{
	struct buf f = BUF_INIT, t = BUF_INIT;
	enum mailindex_rc rc = MAILINDEX_BADNAME;
	if (mboxname_canon(from, strlen(from), &f, err) &&
	    mboxname_canon(to, strlen(to), &t, err))
		rc = MAILINDEX_OK;
	if (rc == MAILINDEX_OK && (!strcmp(f.data, t.data) ||
	    mboxname_is_child(t.data, f.data))) {
		buf_printf(err, "cannot rename %s to itself or under itself", f.data);
		rc = MAILINDEX_CANNOT;
	}
	if (rc == MAILINDEX_OK && (rc = mi_begin(ix, err)) == MAILINDEX_OK) {
		struct moved *v = NULL;
		size_t n = 0;
		struct mi_undo u = { 0 };
		rc = mi_end(ix, rename_locked(ix, f.data, t.data, &v, &n, &u, err),
		    err);
		if (rc != MAILINDEX_OK) {
			mi_undo_rollback(&u);
			undo(v, n);
		}
		mi_undo_free(&u);
		moved_free(v, n);
	}
	if (rc == MAILINDEX_OK)
		mi_subscriptions_save(ix);
	buf_free(&f);
	buf_free(&t);
	return rc;
}
