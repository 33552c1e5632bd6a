/* Opening and creating the user database, and the small SQLite helpers
 * the other userdb_*.c files share. */
#include "store/userdb_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "mail/address.h"

#define USERDB_APP_ID 0x414d4258    /* "AMBX" */
#define BUSY_TIMEOUT_MS 5000

static const char schema[] =
	"CREATE TABLE domains("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" postmaster TEXT,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE users("
	" id INTEGER PRIMARY KEY,"
	" address TEXT NOT NULL UNIQUE,"
	" domain_id INTEGER NOT NULL REFERENCES domains(id),"
	" password TEXT NOT NULL,"
	" quota INTEGER NOT NULL CHECK (quota >= 0),"
	" encrypt INTEGER NOT NULL CHECK (encrypt IN (0, 1)),"
	" created INTEGER NOT NULL);"
	"CREATE INDEX users_domain ON users(domain_id);"
	"CREATE TABLE user_keys("
	" user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" version INTEGER NOT NULL DEFAULT 1,"
	" public_key TEXT NOT NULL,"
	" pwhash_algo INTEGER NOT NULL,"
	" pwhash_opslimit INTEGER NOT NULL,"
	" pwhash_memlimit INTEGER NOT NULL,"
	" nonce TEXT NOT NULL,"
	" salt TEXT NOT NULL,"
	" locked_box TEXT NOT NULL);"
	"CREATE TABLE aliases("
	" id INTEGER PRIMARY KEY,"
	" source TEXT NOT NULL,"
	" destination TEXT NOT NULL,"
	" domain_id INTEGER REFERENCES domains(id),"
	" UNIQUE(source, destination));"
	"CREATE INDEX aliases_domain ON aliases(domain_id);";

bool udb_fail(struct userdb *db, struct buf *err)
{
	int code = sqlite3_extended_errcode(db->db) & 0xff;
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		buf_printf(err, "database %s is corrupt (%s)", db->path,
		    sqlite3_errmsg(db->db));
	else
		buf_printf(err, "database %s: %s", db->path, sqlite3_errmsg(db->db));
	return false;
}

sqlite3_stmt *udb_prepare(struct userdb *db, const char *sql, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
		udb_fail(db, err);
		return NULL;
	}
	return st;
}

void udb_bind_texts(sqlite3_stmt *st, int n, const char *const *texts)
{
	for (int i = 0; i < n; i++) {
		if (texts[i] == NULL)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_TRANSIENT);
	}
}

bool udb_exec(struct userdb *db, struct buf *err, const char *sql, int n,
    const char *const *texts)
{
	sqlite3_stmt *st = udb_prepare(db, sql, err);
	if (st == NULL)
		return false;
	udb_bind_texts(st, n, texts);
	bool ok = sqlite3_step(st) == SQLITE_DONE || udb_fail(db, err);
	sqlite3_finalize(st);
	return ok;
}

/* Runs a one-row query; calls take() on the row if there is one. */
static int query_one(struct userdb *db, struct buf *err, const char *sql,
    int n, const char *const *texts, void (*take)(sqlite3_stmt *, void *),
    void *arg)
{
	sqlite3_stmt *st = udb_prepare(db, sql, err);
	if (st == NULL)
		return -1;
	udb_bind_texts(st, n, texts);
	int rc = sqlite3_step(st), res;
	if (rc == SQLITE_ROW) {
		take(st, arg);
		res = 1;
	} else if (rc == SQLITE_DONE) {
		res = 0;
	} else {
		udb_fail(db, err);
		res = -1;
	}
	sqlite3_finalize(st);
	return res;
}

static void take_int(sqlite3_stmt *st, void *arg)
{
	*(long long *)arg = sqlite3_column_int64(st, 0);
}

static void take_text(sqlite3_stmt *st, void *arg)
{
	const unsigned char *t = sqlite3_column_text(st, 0);
	if (arg != NULL)
		buf_set(arg, t ? (const char *)t : "");
}

int udb_query_int(struct userdb *db, struct buf *err, long long *out,
    const char *sql, int n, const char *const *texts)
{
	return query_one(db, err, sql, n, texts, take_int, out);
}

int udb_query_text(struct userdb *db, struct buf *err, struct buf *out,
    const char *sql, int n, const char *const *texts)
{
	return query_one(db, err, sql, n, texts, take_text, out);
}

bool udb_begin(struct userdb *db, struct buf *err)
{
	return udb_exec(db, err, "BEGIN IMMEDIATE", 0, NULL);
}

bool udb_end(struct userdb *db, bool ok, struct buf *err)
{
	if (ok && udb_exec(db, err, "COMMIT", 0, NULL))
		return true;
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

static bool canon_with(bool (*fn)(const char *, struct buf *, struct buf *),
    const char *what, const char *in, struct buf *out, struct buf *err)
{
	struct buf why = BUF_INIT;
	bool ok = fn(in, out, &why);
	if (!ok) {
		buf_printf(err, "invalid %s ", what);
		addr_quote(err, in, 100);
		buf_printf(err, ": %s", buf_cstr(&why));
	}
	buf_free(&why);
	return ok;
}

bool udb_canon_address(const char *in, struct buf *out, struct buf *err)
{
	return canon_with(addr_canon, "address", in, out, err);
}

bool udb_canon_domain(const char *in, struct buf *out, struct buf *err)
{
	return canon_with(addr_canon_domain, "domain", in, out, err);
}

int udb_domain_id(struct userdb *db, const char *domain, long long *id,
    struct buf *err)
{
	int r = udb_query_int(db, err, id, "SELECT id FROM domains WHERE name = ?",
	    1, &domain);
	if (r == 0)
		buf_printf(err, "unknown domain %s", domain);
	return r;
}

static struct userdb *db_new(const char *path)
{
	struct userdb *db = xcalloc(1, sizeof *db);
	db->path = xstrdup(path);
	return db;
}

void userdb_close(struct userdb *db)
{
	if (db == NULL)
		return;
	sqlite3_close_v2(db->db);
	free(db->path);
	free(db);
}

/* Settings of every connection: wait for writers, enforce references. */
static bool db_setup(struct userdb *db, struct buf *err)
{
	sqlite3_extended_result_codes(db->db, 1);
	return sqlite3_busy_timeout(db->db, BUSY_TIMEOUT_MS) == SQLITE_OK &&
	    udb_exec(db, err, "PRAGMA foreign_keys = ON", 0, NULL);
}

/* Is this our database, of the schema we know? */
static bool check_identity(struct userdb *db, struct buf *err)
{
	long long app = 0, ver = 0;
	if (udb_query_int(db, err, &app, "PRAGMA application_id", 0, NULL) < 0 ||
	    udb_query_int(db, err, &ver, "PRAGMA user_version", 0, NULL) < 0)
		return false;
	if (app != USERDB_APP_ID) {
		buf_printf(err, "%s is not an archmailbox user database", db->path);
		return false;
	}
	if (ver != USERDB_SCHEMA_VERSION) {
		buf_printf(err, "database %s has schema version %lld, this program "
		    "knows version %d", db->path, ver, USERDB_SCHEMA_VERSION);
		return false;
	}
	struct buf res = BUF_INIT;
	int r = udb_query_text(db, err, &res, "PRAGMA quick_check", 0, NULL);
	bool ok = r == 1 && strcmp(buf_cstr(&res), "ok") == 0;
	if (r == 1 && !ok)
		buf_printf(err, "database %s is corrupt (%s)", db->path, buf_cstr(&res));
	buf_free(&res);
	return ok;
}

struct userdb *userdb_open(const char *path, bool readonly, struct buf *err)
{
	if (access(path, F_OK) != 0) {
		buf_printf(err, "database %s: %s", path, strerror(errno));
		return NULL;
	}
	struct userdb *db = db_new(path);
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK ||
	    !db_setup(db, err) || !check_identity(db, err)) {
		if (err->len == 0)
			udb_fail(db, err);
		userdb_close(db);
		return NULL;
	}
	return db;
}

static bool db_init_schema(struct userdb *db, struct buf *err)
{
	char pragmas[128];
	snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d;"
	    "PRAGMA user_version = %d;", USERDB_APP_ID, USERDB_SCHEMA_VERSION);
	struct buf mode = BUF_INIT;
	int r = udb_query_text(db, err, &mode, "PRAGMA journal_mode = WAL", 0, NULL);
	buf_free(&mode);
	if (r < 0 || !udb_begin(db, err))
		return false;
	bool ok = sqlite3_exec(db->db, schema, NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_exec(db->db, pragmas, NULL, NULL, NULL) == SQLITE_OK;
	if (!ok)
		udb_fail(db, err);
	return udb_end(db, ok, err);
}

bool userdb_create(const char *path, struct buf *err)
{
	/* O_EXCL: never take over a file that is already there. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		buf_printf(err, "database %s: %s", path, strerror(errno));
		return false;
	}
	close(fd);
	struct userdb *db = db_new(path);
	bool ok = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE, NULL) ==
	    SQLITE_OK && db_setup(db, err) && db_init_schema(db, err);
	if (!ok && err->len == 0)
		udb_fail(db, err);
	userdb_close(db);
	if (!ok)
		unlink(path);
	return ok;
}
