#include "store/greylist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "common/xmalloc.h"

#define PURGE_EVERY 3600     /* seconds between removals of old triplets */

struct greylist {
	sqlite3 *db;
	unsigned char salt[32];
	long long purged;        /* when old triplets were last removed */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta (salt BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS triplet (key BLOB PRIMARY KEY,"
    " first INTEGER NOT NULL, last INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS triplet_last ON triplet (last);";

static bool load_salt(struct greylist *g)
{
	sqlite3_stmt *st = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(g->db, "SELECT salt FROM meta", -1, &st, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == (int)sizeof g->salt) {
		memcpy(g->salt, sqlite3_column_blob(st, 0), sizeof g->salt);
		ok = true;
	}
	sqlite3_finalize(st);
	if (ok)
		return true;
	randombytes_buf(g->salt, sizeof g->salt);
	if (sqlite3_prepare_v2(g->db, "INSERT INTO meta (salt) VALUES (?)", -1,
	    &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_blob(st, 1, g->salt, sizeof g->salt, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

struct greylist *greylist_open(const char *path, struct buf *err)
{
	struct greylist *g = xcalloc(1, sizeof *g);
	if (sqlite3_open_v2(path, &g->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(g->db, 2000) != SQLITE_OK ||
	    sqlite3_exec(g->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(g->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    !load_salt(g)) {
		buf_printf(err, "greylist %s: %s", path, sqlite3_errmsg(g->db));
		greylist_close(g);
		return NULL;
	}
	return g;
}

void greylist_close(struct greylist *g)
{
	if (g == NULL)
		return;
	sqlite3_close(g->db);
	sodium_memzero(g->salt, sizeof g->salt);
	free(g);
}

bool greylist_net(const char *ip, char *out, size_t outlen)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	int w;
	if (inet_pton(AF_INET, ip, a) == 1) {
		w = snprintf(out, outlen, "%u.%u.%u.0/24", a[0], a[1], a[2]);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		memset(a + 8, 0, 8);
		inet_ntop(AF_INET6, a, text, sizeof text);
		w = snprintf(out, outlen, "%s/64", text);
	} else {
		return false;
	}
	return w > 0 && (size_t)w < outlen;
}

static void hash_lower(crypto_generichash_state *h, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*s);
		crypto_generichash_update(h, &c, 1);
	}
	crypto_generichash_update(h, (const unsigned char *)"", 1);
}

static void triplet_key(const struct greylist *g, const char *net,
    const char *sender, const char *rcpt, unsigned char key[32])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, g->salt, sizeof g->salt, 32);
	hash_lower(&h, net);
	hash_lower(&h, sender);
	hash_lower(&h, rcpt);
	crypto_generichash_final(&h, key, 32);
}

static void purge(struct greylist *g, long long now, long long expiry)
{
	sqlite3_stmt *st;
	if (now - g->purged < PURGE_EVERY ||
	    sqlite3_prepare_v2(g->db, "DELETE FROM triplet WHERE last < ?", -1,
	    &st, NULL) != SQLITE_OK)
		return;
	g->purged = now;
	sqlite3_bind_int64(st, 1, now - expiry);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

/* The first sighting of key, or -1 if none (-2 on error). */
static long long first_seen(struct greylist *g, const unsigned char key[32],
    long long now, long long expiry)
{
	sqlite3_stmt *st;
	long long first = -2;
	if (sqlite3_prepare_v2(g->db, "SELECT first, last FROM triplet WHERE key = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return -2;
	sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		first = sqlite3_column_int64(st, 1) < now - expiry ? -1 :
		    sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		first = -1;
	sqlite3_finalize(st);
	return first;
}

static bool record(struct greylist *g, const unsigned char key[32],
    long long first, long long now)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(g->db, "INSERT OR REPLACE INTO triplet (key, first,"
	    " last) VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

enum greylist_verdict greylist_check(struct greylist *g, const char *ip,
    const char *sender, const char *rcpt, long long now, long long delay,
    long long expiry)
{
	char net[INET6_ADDRSTRLEN + 8];
	unsigned char key[32];
	if (!greylist_net(ip, net, sizeof net))
		return GREYLIST_ERROR;
	purge(g, now, expiry);
	triplet_key(g, net, sender, rcpt, key);
	long long first = first_seen(g, key, now, expiry);
	if (first == -2)
		return GREYLIST_ERROR;
	bool pass = first >= 0 && now - first >= delay;
	if (!record(g, key, first >= 0 ? first : now, now))
		return GREYLIST_ERROR;
	return pass ? GREYLIST_PASS : GREYLIST_DEFER;
}
