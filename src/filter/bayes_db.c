/* SQLite storage of the classifier's counts (bayes_db.h). */
#include "filter/bayes_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "common/xmalloc.h"
#include "mail/header.h"

#define BUSY_TIMEOUT_MS 5000
#define SCHEMA_VERSION  1
#define PRUNE_EVERY     64      /* learns between checks of the size */

struct bayes_db {
	sqlite3 *db;
	char *path;
	unsigned char key[BAYES_KEY_LEN];
	uint64_t max_tokens;
	unsigned learns;            /* by this handle */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS tokens(h INTEGER PRIMARY KEY,"
	" spam INTEGER NOT NULL DEFAULT 0, ham INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS learned(id BLOB PRIMARY KEY,"
	" spam INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO meta VALUES ('spam', 0), ('ham', 0);"
	"PRAGMA user_version = 1;";

static bool db_fail(struct bayes_db *db, struct buf *err)
{
	buf_printf(err, "%s: %s", db->path, sqlite3_errmsg(db->db));
	return false;
}

static bool exec(struct bayes_db *db, const char *sql, struct buf *err)
{
	return sqlite3_exec(db->db, sql, NULL, NULL, NULL) == SQLITE_OK ||
	    db_fail(db, err);
}

static sqlite3_stmt *prepare(struct bayes_db *db, const char *sql,
    struct buf *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, err);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Steps a statement that returns no rows, then finalizes it. */
static bool run(struct bayes_db *db, sqlite3_stmt *st, struct buf *err)
{
	bool ok = st != NULL && sqlite3_step(st) == SQLITE_DONE;
	if (st != NULL && !ok)
		db_fail(db, err);
	sqlite3_finalize(st);
	return ok;
}

/* The key: made with the schema (create), else read. */
static bool load_key(struct bayes_db *db, bool create, struct buf *err)
{
	unsigned char fresh[BAYES_KEY_LEN];
	sqlite3_stmt *st;
	if (create) {
		randombytes_buf(fresh, sizeof fresh);
		st = prepare(db, "INSERT INTO meta VALUES ('key', ?)", err);
		if (st != NULL)
			sqlite3_bind_blob(st, 1, fresh, sizeof fresh, SQLITE_STATIC);
		bool ok = run(db, st, err);
		sodium_memzero(fresh, sizeof fresh);
		if (!ok)
			return false;
	}
	st = prepare(db, "SELECT v FROM meta WHERE k = 'key'", err);
	if (st == NULL)
		return false;
	bool ok = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == BAYES_KEY_LEN;
	if (ok)
		memcpy(db->key, sqlite3_column_blob(st, 0), BAYES_KEY_LEN);
	else
		buf_printf(err, "%s: no key", db->path);
	sqlite3_finalize(st);
	return ok;
}

/* PRAGMA user_version, or -1 on an error. */
static int version(struct bayes_db *db, struct buf *err)
{
	sqlite3_stmt *st = prepare(db, "PRAGMA user_version", err);
	int v = -1;
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (st != NULL)
		db_fail(db, err);
	sqlite3_finalize(st);
	return v;
}

/* A new file gets the schema and a key; under the write lock, so two
 * first learners do not both make one. */
static bool create_schema(struct bayes_db *db, struct buf *err)
{
	if (!exec(db, "BEGIN IMMEDIATE", err))
		return false;
	int v = version(db, err);
	bool ok = v >= 0 && (v != 0 || (exec(db, schema, err) &&
	    load_key(db, true, err)));
	if (ok)
		return exec(db, "COMMIT", err);
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

static bool setup(struct bayes_db *db, bool create, struct buf *err)
{
	sqlite3_busy_timeout(db->db, BUSY_TIMEOUT_MS);
	/* Counts lost to a crash cost a little accuracy, never mail: WAL
	 * with NORMAL syncs only at checkpoints. */
	if (!exec(db, "PRAGMA journal_mode = WAL", err) ||
	    !exec(db, "PRAGMA synchronous = NORMAL", err))
		return false;
	int v = version(db, err);
	if (v == 0 && create && create_schema(db, err))
		v = version(db, err);
	if (v != SCHEMA_VERSION) {
		if (err->len == 0)
			buf_printf(err, "%s: not a classifier store of version %d",
			    db->path, SCHEMA_VERSION);
		return false;
	}
	return load_key(db, false, err);
}

struct bayes_db *bayes_db_open(const char *path, bool create, bool *missing,
    struct buf *err)
{
	*missing = false;
	if (!create && access(path, F_OK) != 0 && errno == ENOENT) {
		*missing = true;
		return NULL;
	}
	struct bayes_db *db = xcalloc(1, sizeof(*db));
	db->path = xstrdup(path);
	db->max_tokens = BAYES_DB_MAX_TOKENS;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK ||
	    !setup(db, create, err)) {
		if (db->db != NULL && err->len == 0)
			db_fail(db, err);
		bayes_db_close(db);
		return NULL;
	}
	return db;
}

void bayes_db_close(struct bayes_db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->db);
	sodium_memzero(db->key, sizeof db->key);
	free(db->path);
	free(db);
}

const unsigned char *bayes_db_key(const struct bayes_db *db)
{
	return db->key;
}

bool bayes_db_totals(struct bayes_db *db, uint32_t *nspam, uint32_t *nham,
    struct buf *err)
{
	sqlite3_stmt *st = prepare(db, "SELECT k, v FROM meta"
	    " WHERE k IN ('spam', 'ham')", err);
	int r = SQLITE_DONE;
	*nspam = *nham = 0;
	while (st != NULL && (r = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 v = sqlite3_column_int64(st, 1);
		uint32_t n = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		if (strcmp((const char *)sqlite3_column_text(st, 0), "spam") == 0)
			*nspam = n;
		else
			*nham = n;
	}
	bool ok = st != NULL && r == SQLITE_DONE;
	if (st != NULL && !ok)
		db_fail(db, err);
	sqlite3_finalize(st);
	return ok;
}

static uint32_t count_col(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

bool bayes_db_lookup(struct bayes_db *db, const struct bayes_tokens *tokens,
    struct bayes_count *counts, struct buf *err)
{
	sqlite3_stmt *st = prepare(db, "SELECT spam, ham FROM tokens WHERE h = ?",
	    err);
	/* one read transaction: one snapshot, one lock */
	bool began = st != NULL && exec(db, "BEGIN", err), ok = began;
	for (size_t i = 0; ok && i < tokens->n; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)tokens->v[i]);
		int r = sqlite3_step(st);
		counts[i].spam = r == SQLITE_ROW ? count_col(st, 0) : 0;
		counts[i].ham = r == SQLITE_ROW ? count_col(st, 1) : 0;
		ok = r == SQLITE_ROW || r == SQLITE_DONE || db_fail(db, err);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (began)
		sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	return ok;
}

/* -1: never learnt, else 1 spam, 0 ham. */
static int learned_as(struct bayes_db *db, const unsigned char *id,
    struct buf *err)
{
	sqlite3_stmt *st = prepare(db, "SELECT spam FROM learned WHERE id = ?",
	    err);
	if (st == NULL)
		return -2;
	sqlite3_bind_blob(st, 1, id, BAYES_ID_LEN, SQLITE_STATIC);
	int r = sqlite3_step(st), as = -1;
	if (r == SQLITE_ROW)
		as = sqlite3_column_int(st, 0) != 0;
	else if (r != SQLITE_DONE)
		as = -2, db_fail(db, err);
	sqlite3_finalize(st);
	return as;
}

/* Adds one message of class `spam` to the counts; with `unlearn` also
 * takes it away from the other class. */
static bool count_tokens(struct bayes_db *db, const struct bayes_tokens *t,
    bool spam, bool unlearn, struct buf *err)
{
	static const char *sql[2][2] = {
		{ "INSERT INTO tokens(h, ham) VALUES (?, 1) ON CONFLICT(h)"
		  " DO UPDATE SET ham = ham + 1",
		  "INSERT INTO tokens(h, ham) VALUES (?, 1) ON CONFLICT(h)"
		  " DO UPDATE SET ham = ham + 1, spam = max(spam - 1, 0)" },
		{ "INSERT INTO tokens(h, spam) VALUES (?, 1) ON CONFLICT(h)"
		  " DO UPDATE SET spam = spam + 1",
		  "INSERT INTO tokens(h, spam) VALUES (?, 1) ON CONFLICT(h)"
		  " DO UPDATE SET spam = spam + 1, ham = max(ham - 1, 0)" },
	};
	sqlite3_stmt *st = prepare(db, sql[spam][unlearn], err);
	bool ok = st != NULL;
	for (size_t i = 0; ok && i < t->n; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)t->v[i]);
		ok = sqlite3_step(st) == SQLITE_DONE || db_fail(db, err);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (!ok)
		return false;
	st = prepare(db, spam ? "UPDATE meta SET v = v + 1 WHERE k = 'spam'" :
	    "UPDATE meta SET v = v + 1 WHERE k = 'ham'", err);
	if (!run(db, st, err))
		return false;
	return !unlearn || run(db, prepare(db, spam ?
	    "UPDATE meta SET v = max(v - 1, 0) WHERE k = 'ham'" :
	    "UPDATE meta SET v = max(v - 1, 0) WHERE k = 'spam'", err), err);
}

void bayes_db_set_max_tokens(struct bayes_db *db, uint64_t max)
{
	db->max_tokens = max;
}

static bool token_rows(struct bayes_db *db, uint64_t *n, struct buf *err)
{
	sqlite3_stmt *st = prepare(db, "SELECT count(*) FROM tokens", err);
	bool ok = st != NULL && sqlite3_step(st) == SQLITE_ROW;
	if (ok)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else if (st != NULL)
		db_fail(db, err);
	sqlite3_finalize(st);
	return ok;
}

/* Keeps the store under max_tokens rows: the rarest tokens go first
 * (seen in at most 1 message, then 2, 4, ...), as they say least. */
static bool prune(struct bayes_db *db, struct buf *err)
{
	uint64_t n = 0;
	if (db->learns++ % PRUNE_EVERY != 0)
		return true;
	if (!token_rows(db, &n, err))
		return false;
	for (int64_t k = 1; n > db->max_tokens; k *= 2) {
		sqlite3_stmt *st = prepare(db,
		    "DELETE FROM tokens WHERE spam + ham <= ?", err);
		if (st != NULL)
			sqlite3_bind_int64(st, 1, k);
		if (!run(db, st, err) || !token_rows(db, &n, err))
			return false;
	}
	return true;
}

bool bayes_db_learn(struct bayes_db *db, const unsigned char id[BAYES_ID_LEN],
    const struct bayes_tokens *tokens, bool spam, enum bayes_learn *result,
    struct buf *err)
{
	if (!exec(db, "BEGIN IMMEDIATE", err))
		return false;
	int as = learned_as(db, id, err);
	bool ok = as != -2;
	if (ok && as == (int)spam)
		*result = BAYES_ALREADY;
	else if (ok)
		*result = as == -1 ? BAYES_LEARNT : BAYES_RELEARNT;
	if (ok && as != (int)spam)
		ok = count_tokens(db, tokens, spam, as != -1, err);
	if (ok && as != (int)spam) {
		sqlite3_stmt *st = prepare(db,
		    "INSERT OR REPLACE INTO learned VALUES (?, ?)", err);
		if (st != NULL) {
			sqlite3_bind_blob(st, 1, id, BAYES_ID_LEN, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, spam);
		}
		ok = run(db, st, err) && prune(db, err);
	}
	if (ok)
		return exec(db, "COMMIT", err);
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

void bayes_db_message_id(const struct bayes_db *db, const char *msg,
    size_t len, const char *text, size_t text_len,
    unsigned char id[BAYES_ID_LEN])
{
	crypto_generichash_state s;
	struct buf mid = BUF_INIT;
	crypto_generichash_init(&s, db->key, BAYES_KEY_LEN, BAYES_ID_LEN);
	if (hdr_get(msg, len, "Message-ID", &mid) && mid.len > 0) {
		crypto_generichash_update(&s, (const unsigned char *)"mid:", 4);
		crypto_generichash_update(&s, (const unsigned char *)mid.data,
		    mid.len);
	} else {
		crypto_generichash_update(&s, (const unsigned char *)"txt:", 4);
		crypto_generichash_update(&s, (const unsigned char *)text,
		    text_len);
	}
	crypto_generichash_final(&s, id, BAYES_ID_LEN);
	buf_free(&mid);
}
