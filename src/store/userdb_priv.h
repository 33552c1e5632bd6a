/* Internals shared by the userdb_*.c files. */
#ifndef AMB_USERDB_PRIV_H
#define AMB_USERDB_PRIV_H
#include <stdbool.h>

#include <sqlite3.h>

#include "common/buf.h"
#include "store/userdb.h"

struct userdb {
	sqlite3 *db;
	char *path;
};

/* Prepares sql; on failure appends the SQLite reason to err. */
sqlite3_stmt *udb_prepare(struct userdb *db, const char *sql, struct buf *err);
/* Binds text parameters 1..n (NULL binds SQL NULL). */
void udb_bind_texts(sqlite3_stmt *st, int n, const char *const *texts);
/* Appends "database PATH: <sqlite message>" to err; returns false. */
bool udb_fail(struct userdb *db, struct buf *err);
/* Runs sql with text parameters, expecting no rows. */
bool udb_exec(struct userdb *db, struct buf *err, const char *sql, int n,
    const char *const *texts);
/* First column of the first row as an integer: 1 row, 0 none, -1 error. */
int udb_query_int(struct userdb *db, struct buf *err, long long *out,
    const char *sql, int n, const char *const *texts);
/* First column of the first row as text (into out, if not NULL). */
int udb_query_text(struct userdb *db, struct buf *err, struct buf *out,
    const char *sql, int n, const char *const *texts);

/* BEGIN IMMEDIATE; udb_end commits when ok, else rolls back. Returns the
 * final success. */
bool udb_begin(struct userdb *db, struct buf *err);
bool udb_end(struct userdb *db, bool ok, struct buf *err);

/* Canonicalisers that prefix their reason with what was wrong. */
bool udb_canon_address(const char *in, struct buf *out, struct buf *err);
bool udb_canon_domain(const char *in, struct buf *out, struct buf *err);
/* Id of a canonical domain: 1 found, 0 "unknown domain" in err, -1 error. */
int udb_domain_id(struct userdb *db, const char *domain, long long *id,
    struct buf *err);
/* Resolves address and fails with the reason if it loops or nests too
 * deep (used after a change, inside its transaction). */
bool udb_check_no_loop(struct userdb *db, const char *address,
    struct buf *err);

#endif
