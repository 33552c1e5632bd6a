/* Mailbox rows: lookup, create, delete, list, special-use. */
#include "store/mailindex_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "store/maildir.h"
#include "store/mboxname.h"

#define MBOX_COLS "SELECT id, name, uidvalidity, uidnext, highestmodseq," \
	" special, messages, unseen, bytes FROM mailboxes "

static void mailbox_from_row(sqlite3_stmt *st, struct mailindex_mailbox *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(st, 0);
	m->name = xstrdup((const char *)sqlite3_column_text(st, 1));
	m->uidvalidity = (uint32_t)sqlite3_column_int64(st, 2);
	m->uidnext = (uint32_t)sqlite3_column_int64(st, 3);
	m->highestmodseq = (uint64_t)sqlite3_column_int64(st, 4);
	m->special = (unsigned)sqlite3_column_int(st, 5);
	m->messages = (uint32_t)sqlite3_column_int64(st, 6);
	m->unseen = (uint32_t)sqlite3_column_int64(st, 7);
	m->bytes = (uint64_t)sqlite3_column_int64(st, 8);
}

void mailindex_mailbox_free(struct mailindex_mailbox *mb)
{
	if (mb == NULL)
		return;
	free(mb->name);
	mb->name = NULL;
}

static int one_mailbox(struct mailindex *ix, sqlite3_stmt *st,
    struct mailindex_mailbox *out, struct buf *err)
{
	int r = mi_row(ix, st, err);
	if (r > 0 && out != NULL)
		mailbox_from_row(st, out);
	mi_done(st);
	return r;
}

int mi_mailbox_row(struct mailindex *ix, const char *name,
    struct mailindex_mailbox *out, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, MBOX_COLS "WHERE name = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return one_mailbox(ix, st, out, err);
}

static enum mailindex_rc row_rc(struct mailindex *ix, int r, const char *name,
    struct buf *err)
{
	if (r > 0)
		return MAILINDEX_OK;
	if (r < 0)
		return mi_fail(ix, NULL);
	buf_printf(err, "mailbox %s does not exist", name);
	return MAILINDEX_NOTFOUND;
}

/* Canonical form of a caller's name, or BADNAME. */
static enum mailindex_rc canon(const char *name, struct buf *out,
    struct buf *err)
{
	return mboxname_canon(name, strlen(name), out, err) ? MAILINDEX_OK :
	    MAILINDEX_BADNAME;
}

enum mailindex_rc mailindex_mailbox_get(struct mailindex *ix, const char *name,
    struct mailindex_mailbox *out, struct buf *err)
{
	struct buf c = BUF_INIT;
	enum mailindex_rc rc = canon(name, &c, err);
	if (rc == MAILINDEX_OK)
		rc = row_rc(ix, mi_mailbox_row(ix, c.data, out, err), c.data, err);
	buf_free(&c);
	return rc;
}

enum mailindex_rc mailindex_mailbox_by_id(struct mailindex *ix, int64_t id,
    struct mailindex_mailbox *out, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, MBOX_COLS "WHERE id = ?", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_int64(st, 1, id);
	int r = one_mailbox(ix, st, out, err);
	if (r == 0)
		buf_printf(err, "mailbox %lld does not exist", (long long)id);
	return r > 0 ? MAILINDEX_OK : r == 0 ? MAILINDEX_NOTFOUND :
	    mi_fail(ix, NULL);
}

enum mailindex_rc mi_new_uidvalidity(struct mailindex *ix, uint32_t floor,
    uint32_t *out, struct buf *err)
{
	/* Time-based like Dovecot's, and strictly increasing per user so a
	 * mailbox deleted and created again never shows an old value. */
	int64_t last = 0;
	if (mi_query_int(ix, "SELECT value FROM meta WHERE key = 'uidvalidity'",
	    0, 0, 0, &last, err) < 0)
		return mi_fail(ix, NULL);
	int64_t v = (int64_t)(uint32_t)time(NULL);
	if (v <= last)
		v = last + 1;
	if (v <= (int64_t)floor)
		v = (int64_t)floor + 1;
	if (v > UINT32_MAX)
		v = 1;  /* after 2106, or 4 billion creations */
	*out = (uint32_t)v;
	return mi_exec(ix, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES('uidvalidity', ?)", 1, v, 0, 0, 0, err);
}

enum mailindex_rc mi_mailbox_insert(struct mailindex *ix, const char *name,
    uint32_t uidvalidity, uint32_t uidnext, unsigned special,
    uint64_t modseq, int64_t *id, struct buf *err)
{
	enum mailindex_rc rc = MAILINDEX_OK;
	if (uidvalidity == 0)
		rc = mi_new_uidvalidity(ix, 0, &uidvalidity, err);
	sqlite3_stmt *st = rc == MAILINDEX_OK ? mi_stmt(ix, "INSERT INTO"
	    " mailboxes(name, uidvalidity, uidnext, highestmodseq,"
	    " expunge_floor, special) VALUES(?, ?, ?, ?, ?, ?)", err) : NULL;
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, uidnext ? uidnext : 1);
	sqlite3_bind_int64(st, 4, (int64_t)modseq);
	/* A new mailbox has its whole expunge history; a found one none. */
	sqlite3_bind_int64(st, 5, modseq > 1 ? (int64_t)modseq : 0);
	sqlite3_bind_int(st, 6, (int)special);
	rc = mi_run(ix, st, err);
	if (rc == MAILINDEX_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(ix->db);
	return rc;
}

enum mailindex_rc mi_next_modseq(struct mailindex *ix, int64_t mbox,
    uint64_t *out, struct buf *err)
{
	int64_t v = 0;
	int r = mi_query_int(ix, "UPDATE mailboxes SET highestmodseq ="
	    " highestmodseq + 1 WHERE id = ? RETURNING highestmodseq", 1, mbox,
	    0, &v, err);
	if (r == 0)
		buf_printf(err, "mailbox %lld does not exist", (long long)mbox);
	*out = (uint64_t)v;
	return r > 0 ? MAILINDEX_OK : r == 0 ? MAILINDEX_NOTFOUND :
	    mi_fail(ix, NULL);
}

/* A mailbox row and folder for a canonical name that has none. */
static enum mailindex_rc make_one(struct mailindex *ix, const char *name,
    unsigned special, struct buf *err)
{
	struct buf dir = BUF_INIT;
	mi_folder_dir(ix, name, &dir);
	int64_t id = 0;
	enum mailindex_rc rc = mi_mailbox_insert(ix, name, 0, 1, special, 1,
	    &id, err);
	bool made = strcmp(name, "INBOX") == 0 ? maildir_create(dir.data, err) :
	    mi_folder_create(dir.data, err);
	if (rc == MAILINDEX_OK && !made)
		rc = MAILINDEX_FAIL;
	if (rc == MAILINDEX_OK)
		mi_folder_meta_save(ix, id);
	buf_free(&dir);
	return rc;
}

/* Creates the missing parents of a canonical name (and the name itself
 * when `self`). Inside a transaction. */
static enum mailindex_rc make_path(struct mailindex *ix, const char *name,
    bool self, unsigned special, struct buf *err)
{
	enum mailindex_rc rc = MAILINDEX_OK;
	for (const char *p = name; rc == MAILINDEX_OK; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		bool last = *p == '\0';
		if (last && !self)
			break;
		char *prefix = xstrndup(name, (size_t)(p - name));
		int r = mi_mailbox_row(ix, prefix, NULL, err);
		if (r < 0)
			rc = mi_fail(ix, NULL);
		else if (r == 0)
			rc = make_one(ix, prefix, last ? special : 0, err);
		free(prefix);
		if (last)
			break;
	}
	return rc;
}

enum mailindex_rc mi_make_parents(struct mailindex *ix, const char *name,
    struct buf *err)
{
	return make_path(ix, name, false, 0, err);
}

enum mailindex_rc mailindex_create(struct mailindex *ix, const char *name,
    unsigned special, struct buf *err)
{
	struct buf c = BUF_INIT;
	enum mailindex_rc rc = canon(name, &c, err);
	if (rc == MAILINDEX_OK && (special & ~MAILINDEX_USE_MASK)) {
		buf_addstr(err, "unknown special-use attribute");
		rc = MAILINDEX_BADNAME;
	}
	if (rc == MAILINDEX_OK && (rc = mi_begin(ix, err)) == MAILINDEX_OK) {
		/* A folder made behind our back counts as existing. */
		rc = mi_sync_mailboxes_locked(ix, err);
		int r = rc == MAILINDEX_OK ? mi_mailbox_row(ix, c.data, NULL, err) : 0;
		if (r < 0)
			rc = mi_fail(ix, NULL);
		else if (r > 0) {
			buf_printf(err, "mailbox %s already exists", c.data);
			rc = MAILINDEX_EXISTS;
		}
		if (rc == MAILINDEX_OK)
			rc = make_path(ix, c.data, true, special, err);
		rc = mi_end(ix, rc, err);
	}
	buf_free(&c);
	return rc;
}

enum mailindex_rc mailindex_delete(struct mailindex *ix, const char *name,
    struct buf *err)
{
	struct buf c = BUF_INIT, dir = BUF_INIT, aside = BUF_INIT;
	struct mailindex_mailbox mb = { 0 };
	enum mailindex_rc rc = canon(name, &c, err);
	if (rc == MAILINDEX_OK && strcmp(c.data, "INBOX") == 0) {
		buf_addstr(err, "INBOX cannot be deleted");
		rc = MAILINDEX_CANNOT;
	}
	if (rc != MAILINDEX_OK || (rc = mi_begin(ix, err)) != MAILINDEX_OK)
		goto out;
	rc = row_rc(ix, mi_mailbox_row(ix, c.data, &mb, err), c.data, err);
	if (rc == MAILINDEX_OK)
		rc = mi_exec(ix, "DELETE FROM mailboxes WHERE id = ?", 1, mb.id,
		    0, 0, 0, err);
	/* Moved aside under the lock, removed once the delete is committed;
	 * tmp/ is not a folder, so a crash leaves nothing that looks like one. */
	mi_folder_dir(ix, c.data, &dir);
	buf_printf(&aside, "%s/tmp/archmailbox-deleted.%lld.%ld.%08x", ix->maildir,
	    (long long)mb.id, (long)getpid(), (unsigned)randombytes_random());
	bool moved = false;
	if (rc == MAILINDEX_OK) {
		moved = rename(dir.data, aside.data) == 0;
		if (!moved && errno != ENOENT) {
			buf_printf(err, "%s: %s", dir.data, strerror(errno));
			rc = MAILINDEX_FAIL;
		}
	}
	rc = mi_end(ix, rc, err);
	if (moved && rc != MAILINDEX_OK)
		rename(aside.data, dir.data);
	else if (moved)
		mi_folder_remove(aside.data);
out:
	mailindex_mailbox_free(&mb);
	buf_free(&c);
	buf_free(&dir);
	buf_free(&aside);
	return rc;
}

enum mailindex_rc mailindex_set_special(struct mailindex *ix, const char *name,
    unsigned special, struct buf *err)
{
	struct mailindex_mailbox mb = { 0 };
	if (special & ~MAILINDEX_USE_MASK) {
		buf_addstr(err, "unknown special-use attribute");
		return MAILINDEX_BADNAME;
	}
	enum mailindex_rc rc = mailindex_mailbox_get(ix, name, &mb, err);
	if (rc == MAILINDEX_OK)
		rc = mi_exec(ix, "UPDATE mailboxes SET special = ? WHERE id = ?",
		    2, special, mb.id, 0, 0, err);
	if (rc == MAILINDEX_OK)
		mi_folder_meta_save(ix, mb.id);
	mailindex_mailbox_free(&mb);
	return rc;
}

void mailindex_list_free(struct mailindex_mailbox *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mailindex_mailbox_free(&v[i]);
	free(v);
}

/* Names sort bytewise, so every name starting with a parent's name
 * follows it directly; a child is one of those with '/' next. */
static void mark_children(struct mailindex_mailbox *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].name);
		for (size_t j = i + 1; j < n && !strncmp(v[j].name, v[i].name, len);
		    j++)
			if (v[j].name[len] == '/')
				v[i].has_children = true;
	}
}

enum mailindex_rc mailindex_list(struct mailindex *ix,
    struct mailindex_mailbox **out, size_t *n, struct buf *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = mi_stmt(ix, MBOX_COLS "ORDER BY name", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		mailbox_from_row(st, &(*out)[(*n)++]);
	}
	enum mailindex_rc rc = r == SQLITE_DONE ? MAILINDEX_OK : mi_fail(ix, err);
	mi_done(st);
	if (rc != MAILINDEX_OK) {
		mailindex_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	mark_children(*out, *n);
	return rc;
}

static const struct {
	unsigned bit;
	const char *name;
} specials[] = {
	{ MAILINDEX_USE_ALL, "\\All" }, { MAILINDEX_USE_ARCHIVE, "\\Archive" },
	{ MAILINDEX_USE_DRAFTS, "\\Drafts" }, { MAILINDEX_USE_FLAGGED, "\\Flagged" },
	{ MAILINDEX_USE_JUNK, "\\Junk" }, { MAILINDEX_USE_SENT, "\\Sent" },
	{ MAILINDEX_USE_TRASH, "\\Trash" },
};

unsigned mailindex_special_parse(const char *attr)
{
	for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
		if (strcasecmp(attr, specials[i].name) == 0)
			return specials[i].bit;
	return 0;
}

const char *mailindex_special_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
		if (bit == specials[i].bit)
			return specials[i].name;
	return NULL;
}

static const struct {
	const char *name;
	unsigned special;
} defaults[] = {
	{ "INBOX", 0 }, { "Sent", MAILINDEX_USE_SENT },
	{ "Drafts", MAILINDEX_USE_DRAFTS }, { "Trash", MAILINDEX_USE_TRASH },
	{ "Junk", MAILINDEX_USE_JUNK }, { "Archive", MAILINDEX_USE_ARCHIVE },
};
#define NDEFAULTS (sizeof defaults / sizeof defaults[0])

static enum mailindex_rc ensure_one(struct mailindex *ix, size_t i,
    struct buf *err)
{
	struct mailindex_mailbox mb = { 0 };
	int r = mi_mailbox_row(ix, defaults[i].name, &mb, err);
	enum mailindex_rc rc = r < 0 ? mi_fail(ix, NULL) : MAILINDEX_OK;
	if (r == 0)
		rc = make_one(ix, defaults[i].name, defaults[i].special, err);
	/* Only when a default was missing (a new user): later unsubscribes
	 * stay. */
	if (rc == MAILINDEX_OK)
		rc = mi_subscribe_locked(ix, defaults[i].name, true, err);
	/* A default that lost its attribute gets it back. */
	if (r > 0 && mb.special == 0 && defaults[i].special != 0 &&
	    (rc = mi_exec(ix, "UPDATE mailboxes SET special = ? WHERE id = ?",
	    2, defaults[i].special, mb.id, 0, 0, err)) == MAILINDEX_OK)
		mi_folder_meta_save(ix, mb.id);
	mailindex_mailbox_free(&mb);
	return rc;
}

enum mailindex_rc mailindex_ensure_defaults(struct mailindex *ix,
    struct buf *err)
{
	int64_t have = 0;
	if (mi_query_int(ix, "SELECT count(*) FROM mailboxes WHERE special != 0"
	    " AND name IN ('Sent', 'Drafts', 'Trash', 'Junk', 'Archive')", 0, 0, 0,
	    &have, err) < 0)
		return mi_fail(ix, NULL);
	if (have == NDEFAULTS - 1)
		return MAILINDEX_OK;
	enum mailindex_rc rc = mi_begin(ix, err);
	for (size_t i = 0; i < NDEFAULTS && rc == MAILINDEX_OK; i++)
		rc = ensure_one(ix, i, err);
	rc = mi_end(ix, rc, err);
	if (rc == MAILINDEX_OK)
		mi_subscriptions_save(ix);
	return rc;
}
