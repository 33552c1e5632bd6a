/* Reading the seed's OpenSMTPD user database (smtp.sqlite). */
#include "ctl/import_seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/xmalloc.h"

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

typedef void row_fn(sqlite3_stmt *st, struct seed_db *db);

static bool each_row(sqlite3 *h, const char *sql, row_fn *fn,
    struct seed_db *db, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		buf_printf(err, "%s", sqlite3_errmsg(h));
		return false;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(st, db);
	if (rc != SQLITE_DONE)
		buf_printf(err, "%s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

static void domain_row(sqlite3_stmt *st, struct seed_db *db)
{
	if (*col(st, 0) == '\0')
		return;
	db->domains = xreallocarray(db->domains, db->ndomains + 1,
	    sizeof *db->domains);
	db->domains[db->ndomains] = xstrdup(col(st, 0));
	lower(db->domains[db->ndomains++]);
}

static void alias_row(sqlite3_stmt *st, struct seed_db *db)
{
	if (*col(st, 0) == '\0' || *col(st, 1) == '\0')
		return;
	db->aliases = xreallocarray(db->aliases, db->naliases + 1,
	    sizeof *db->aliases);
	struct seed_alias *a = &db->aliases[db->naliases++];
	a->source = xstrdup(col(st, 0));
	a->destination = xstrdup(col(st, 1));
	lower(a->source);
}

/* credentials LEFT JOIN the newest enabled key of each. */
static void user_row(sqlite3_stmt *st, struct seed_db *db)
{
	const char *email = col(st, 0), *hash = col(st, 1);
	if (strchr(email, '@') == NULL || *hash == '\0') {
		fprintf(stderr, "mailboxctl: seed user '%s' has no address or "
		    "password hash, skipped\n", email);
		return;
	}
	struct seed_user u = { 0 };
	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		long long ops = sqlite3_column_int64(st, 7);
		long long mem = sqlite3_column_int64(st, 8);
		int algo = sqlite3_column_int(st, 6);
		u.has_key = trees_key_from_hex(col(st, 2), col(st, 3), col(st, 4),
		    col(st, 5), &u.key) && ops > 0 && mem > 0 &&
		    (algo == TREES_ALGO_ARGON2I13 || algo == TREES_ALGO_ARGON2ID13);
		if (!u.has_key) {
			fprintf(stderr, "mailboxctl: seed user %s has malformed trees "
			    "key fields, skipped\n", email);
			return;
		}
		u.key.algo = algo;
		u.key.opslimit = (unsigned long long)ops;
		u.key.memlimit = (size_t)mem;
	}
	u.email = xstrdup(email);
	lower(u.email);
	u.hash = xstrdup(hash);
	db->users = xreallocarray(db->users, db->nusers + 1, sizeof *db->users);
	db->users[db->nusers++] = u;
}

bool seed_db_read(const char *path, struct seed_db *out, struct buf *err)
{
	sqlite3 *h = NULL;
	memset(out, 0, sizeof *out);
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", path, h ? sqlite3_errmsg(h) : "cannot open");
		sqlite3_close(h);
		return false;
	}
	struct buf why = BUF_INIT;
	bool ok = each_row(h, "SELECT domain FROM domains ORDER BY id", domain_row,
	    out, &why) &&
	    each_row(h, "SELECT email, destination FROM virtuals ORDER BY id",
	    alias_row, out, &why) &&
	    each_row(h, "SELECT c.email, c.password, k.public_key, k.salt, k.nonce,"
	    " k.locked_box, k.pwhash_algo, k.pwhash_opslimit, k.pwhash_memlimit"
	    " FROM credentials c LEFT JOIN tree_keys k ON k.id = (SELECT id FROM"
	    " tree_keys WHERE user = c.id AND enabled = 1 ORDER BY version DESC,"
	    " id DESC LIMIT 1) ORDER BY c.id", user_row, out, &why);
	if (!ok)
		buf_printf(err, "%s: not the seed's user database? %s", path,
		    buf_cstr(&why));
	buf_free(&why);
	sqlite3_close(h);
	return ok;
}

void seed_db_free(struct seed_db *db)
{
	for (size_t i = 0; i < db->ndomains; i++)
		free(db->domains[i]);
	for (size_t i = 0; i < db->nusers; i++) {
		free(db->users[i].email);
		free(db->users[i].hash);
	}
	for (size_t i = 0; i < db->naliases; i++) {
		free(db->aliases[i].source);
		free(db->aliases[i].destination);
	}
	free(db->domains);
	free(db->users);
	free(db->aliases);
	memset(db, 0, sizeof *db);
}

static void add_target(char ***out, size_t *n, const char *addr)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*out)[i], addr) == 0)
			return;
	*out = xreallocarray(*out, *n + 1, sizeof **out);
	(*out)[(*n)++] = xstrdup(addr);
}

static void targets(const struct seed_db *db, const char *dest, int depth,
    char ***out, size_t *n)
{
	/* OpenSMTPD allowed several destinations in one value. */
	char *copy = xstrdup(dest), *save = NULL;
	for (char *d = strtok_r(copy, ", \t", &save); d != NULL;
	    d = strtok_r(NULL, ", \t", &save)) {
		if (strchr(d, '@') != NULL) {
			lower(d);
			add_target(out, n, d);
			continue;
		}
		if (strcmp(d, "vmail") == 0 || depth >= 16)
			continue;
		lower(d);
		for (size_t i = 0; i < db->naliases; i++)
			if (strcmp(db->aliases[i].source, d) == 0)
				targets(db, db->aliases[i].destination, depth + 1, out, n);
	}
	free(copy);
}

void seed_alias_targets(const struct seed_db *db, const char *destination,
    char ***out, size_t *n)
{
	targets(db, destination, 0, out, n);
}
