/* SQLite helpers and the schema of the mail index. */
#include "store/mailindex_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MI_APP_ID 0x414d4249        /* "AMBI" */
#define MI_SCHEMA_VERSION 1

/* Counters of a mailbox follow its messages through triggers, so STATUS
 * and quota are one row read. Caches live apart from the small message
 * rows (WITHOUT ROWID suits only small rows). */
static const char schema[] =
	"CREATE TABLE meta("
	" key TEXT PRIMARY KEY,"
	" value INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE mailboxes("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" uidvalidity INTEGER NOT NULL CHECK (uidvalidity > 0),"
	" uidnext INTEGER NOT NULL CHECK (uidnext > 0),"
	" highestmodseq INTEGER NOT NULL,"
	" expunge_floor INTEGER NOT NULL DEFAULT 0,"
	" special INTEGER NOT NULL DEFAULT 0,"
	" messages INTEGER NOT NULL DEFAULT 0,"
	" unseen INTEGER NOT NULL DEFAULT 0,"
	" bytes INTEGER NOT NULL DEFAULT 0,"
	" stamp TEXT);"
	"CREATE TABLE messages("
	" mailbox INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,"
	" uid INTEGER NOT NULL,"
	" base TEXT NOT NULL,"
	" flags INTEGER NOT NULL,"
	" keywords TEXT NOT NULL DEFAULT '',"
	" modseq INTEGER NOT NULL,"
	" internaldate INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" PRIMARY KEY(mailbox, uid)) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX messages_base ON messages(mailbox, base);"
	"CREATE INDEX messages_modseq ON messages(mailbox, modseq);"
	"CREATE TABLE caches("
	" mailbox INTEGER NOT NULL,"
	" uid INTEGER NOT NULL,"
	" data BLOB NOT NULL,"
	" UNIQUE(mailbox, uid),"
	" FOREIGN KEY(mailbox, uid) REFERENCES messages(mailbox, uid)"
	"  ON DELETE CASCADE);"
	"CREATE TABLE expunged("
	" mailbox INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,"
	" uid INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL,"
	" PRIMARY KEY(mailbox, uid)) WITHOUT ROWID;"
	"CREATE TABLE subscriptions(name TEXT PRIMARY KEY) WITHOUT ROWID;"
	"CREATE TABLE keyword_letters("
	" mailbox INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL CHECK (idx BETWEEN 0 AND 25),"
	" name TEXT NOT NULL COLLATE NOCASE,"
	" PRIMARY KEY(mailbox, idx), UNIQUE(mailbox, name)) WITHOUT ROWID;"
	"CREATE TABLE cache_keys("
	" pk BLOB PRIMARY KEY,"
	" sealed BLOB NOT NULL,"
	" tag BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TRIGGER messages_ins AFTER INSERT ON messages BEGIN"
	" UPDATE mailboxes SET messages = messages + 1, bytes = bytes + NEW.size,"
	"  unseen = unseen + (NEW.flags & 1 = 0) WHERE id = NEW.mailbox; END;"
	"CREATE TRIGGER messages_del AFTER DELETE ON messages BEGIN"
	" UPDATE mailboxes SET messages = messages - 1, bytes = bytes - OLD.size,"
	"  unseen = unseen - (OLD.flags & 1 = 0) WHERE id = OLD.mailbox; END;"
	"CREATE TRIGGER messages_upd AFTER UPDATE OF flags, size ON messages BEGIN"
	" UPDATE mailboxes SET bytes = bytes - OLD.size + NEW.size,"
	"  unseen = unseen - (OLD.flags & 1 = 0) + (NEW.flags & 1 = 0)"
	"  WHERE id = NEW.mailbox; END;";

sqlite3_stmt *mi_stmt(struct mailindex *ix, const char *sql, struct buf *err)
{
	int i;
	for (i = 0; i < MI_STMT_CACHE && ix->stmts[i].sql != NULL; i++)
		if (ix->stmts[i].sql == sql)
			return ix->stmts[i].st;
	/* Every statement of the library fits: more is a programming error. */
	if (i == MI_STMT_CACHE)
		abort();
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(ix->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		mi_fail(ix, err);
		return NULL;
	}
	ix->stmts[i].sql = sql;
	ix->stmts[i].st = st;
	return st;
}

void mi_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

enum mailindex_rc mi_fail(struct mailindex *ix, struct buf *err)
{
	int code = sqlite3_extended_errcode(ix->db) & 0xff;
	bool corrupt = code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
	if (err != NULL)
		buf_printf(err, "mail index %s%s: %s", ix->path,
		    corrupt ? " is damaged" : "", sqlite3_errmsg(ix->db));
	return corrupt ? MAILINDEX_CORRUPT : MAILINDEX_FAIL;
}

int mi_row(struct mailindex *ix, sqlite3_stmt *st, struct buf *err)
{
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	mi_fail(ix, err);
	return -1;
}

enum mailindex_rc mi_run(struct mailindex *ix, sqlite3_stmt *st,
    struct buf *err)
{
	enum mailindex_rc rc = sqlite3_step(st) == SQLITE_DONE ? MAILINDEX_OK :
	    mi_fail(ix, err);
	mi_done(st);
	return rc;
}

static void bind4(sqlite3_stmt *st, int n, int64_t a, int64_t b, int64_t c,
    int64_t d)
{
	int64_t v[4] = { a, b, c, d };
	for (int i = 0; i < n && i < 4; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
}

enum mailindex_rc mi_exec(struct mailindex *ix, const char *sql, int n,
    int64_t a, int64_t b, int64_t c, int64_t d, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, sql, err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	bind4(st, n, a, b, c, d);
	return mi_run(ix, st, err);
}

int mi_query_int(struct mailindex *ix, const char *sql, int n, int64_t a,
    int64_t b, int64_t *out, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, sql, err);
	if (st == NULL)
		return -1;
	bind4(st, n, a, b, 0, 0);
	int r = mi_row(ix, st, err);
	if (r > 0)
		*out = sqlite3_column_int64(st, 0);
	mi_done(st);
	return r;
}

enum mailindex_rc mi_begin(struct mailindex *ix, struct buf *err)
{
	if (sqlite3_exec(ix->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return mi_fail(ix, err);
	return MAILINDEX_OK;
}

enum mailindex_rc mi_end(struct mailindex *ix, enum mailindex_rc rc,
    struct buf *err)
{
	if (rc == MAILINDEX_OK) {
		if (sqlite3_exec(ix->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
			return MAILINDEX_OK;
		rc = mi_fail(ix, err);
	}
	sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

enum mailindex_rc mi_schema_create(struct mailindex *ix, struct buf *err)
{
	char pragmas[128];
	snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d;"
	    "PRAGMA user_version = %d;", MI_APP_ID, MI_SCHEMA_VERSION);
	if (sqlite3_exec(ix->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ix->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
		return mi_fail(ix, err);
	return MAILINDEX_OK;
}

enum mailindex_rc mi_schema_check(struct mailindex *ix, bool *empty,
    struct buf *err)
{
	int64_t app = 0, ver = 0, tables = 0;
	if (mi_query_int(ix, "PRAGMA application_id", 0, 0, 0, &app, err) < 0 ||
	    mi_query_int(ix, "PRAGMA user_version", 0, 0, 0, &ver, err) < 0 ||
	    mi_query_int(ix, "SELECT count(*) FROM sqlite_schema", 0, 0, 0,
	    &tables, err) < 0)
		return mi_fail(ix, NULL);
	*empty = app == 0 && ver == 0 && tables == 0;
	if (!*empty && (app != MI_APP_ID || ver != MI_SCHEMA_VERSION)) {
		buf_printf(err, "mail index %s: not an index of schema version %d "
		    "(application id %lld, version %lld)", ix->path,
		    MI_SCHEMA_VERSION, (long long)app, (long long)ver);
		return MAILINDEX_CORRUPT;
	}
	return MAILINDEX_OK;
}
