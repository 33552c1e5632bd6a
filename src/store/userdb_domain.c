/* Domains of the user database. */
#include "store/userdb_priv.h"

#include <stdio.h>
#include <time.h>

static bool domain_insert(struct userdb *db, const char *dom,
    const char *pm, struct buf *err)
{
	long long id;
	int r = udb_query_int(db, err, &id, "SELECT id FROM domains WHERE name = ?",
	    1, &dom);
	if (r != 0) {
		if (r > 0)
			buf_printf(err, "domain %s already exists", dom);
		return false;
	}
	char now[32];
	snprintf(now, sizeof now, "%lld", (long long)time(NULL));
	const char *args[] = { dom, pm, now };
	if (!udb_exec(db, err, "INSERT INTO domains(name, postmaster, created) "
	    "VALUES (?, ?, ?)", 3, args))
		return false;
	if (pm == NULL)
		return true;
	struct buf role = BUF_INIT;
	buf_printf(&role, "postmaster@%s", dom);
	bool ok = udb_check_no_loop(db, buf_cstr(&role), err);
	buf_free(&role);
	return ok;
}

bool userdb_domain_add(struct userdb *db, const char *domain,
    const char *postmaster, struct buf *err)
{
	struct buf dom = BUF_INIT, pm = BUF_INIT;
	bool ok = udb_canon_domain(domain, &dom, err) &&
	    (postmaster == NULL || udb_canon_address(postmaster, &pm, err)) &&
	    udb_begin(db, err);
	if (ok)
		ok = udb_end(db, domain_insert(db, buf_cstr(&dom),
		    postmaster ? buf_cstr(&pm) : NULL, err), err);
	buf_free(&dom);
	buf_free(&pm);
	return ok;
}

static bool domain_delete(struct userdb *db, const char *dom, bool force,
    struct buf *err)
{
	long long id, users = 0, aliases = 0;
	if (udb_domain_id(db, dom, &id, err) != 1)
		return false;
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	const char *arg = ids;
	if (udb_query_int(db, err, &users, "SELECT count(*) FROM users "
	    "WHERE domain_id = ?", 1, &arg) < 0 ||
	    udb_query_int(db, err, &aliases, "SELECT count(*) FROM aliases "
	    "WHERE domain_id = ?", 1, &arg) < 0)
		return false;
	if ((users > 0 || aliases > 0) && !force) {
		buf_printf(err, "domain %s still has %lld users and %lld aliases; "
		    "remove them first or use --force", dom, users, aliases);
		return false;
	}
	return udb_exec(db, err, "DELETE FROM users WHERE domain_id = ?", 1, &arg) &&
	    udb_exec(db, err, "DELETE FROM aliases WHERE domain_id = ?", 1, &arg) &&
	    udb_exec(db, err, "DELETE FROM domains WHERE id = ?", 1, &arg);
}

bool userdb_domain_del(struct userdb *db, const char *domain, bool force,
    struct buf *err)
{
	struct buf dom = BUF_INIT;
	bool ok = udb_canon_domain(domain, &dom, err) && udb_begin(db, err);
	if (ok)
		ok = udb_end(db, domain_delete(db, buf_cstr(&dom), force, err), err);
	buf_free(&dom);
	return ok;
}

int userdb_domain_exists(struct userdb *db, const char *domain,
    struct buf *err)
{
	struct buf dom = BUF_INIT;
	long long id;
	int r = udb_canon_domain(domain, &dom, err) ?
	    udb_domain_id(db, buf_cstr(&dom), &id, err) : -1;
	buf_free(&dom);
	return r;
}

bool userdb_domain_list(struct userdb *db, userdb_domain_fn *fn, void *arg,
    struct buf *err)
{
	sqlite3_stmt *st = udb_prepare(db, "SELECT name, postmaster, "
	    "(SELECT count(*) FROM users u WHERE u.domain_id = d.id) "
	    "FROM domains d ORDER BY name", err);
	if (st == NULL)
		return false;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct userdb_domain d = {
			.name = (const char *)sqlite3_column_text(st, 0),
			.postmaster = (const char *)sqlite3_column_text(st, 1),
			.users = sqlite3_column_int64(st, 2),
		};
		fn(&d, arg);
	}
	bool ok = rc == SQLITE_DONE || udb_fail(db, err);
	sqlite3_finalize(st);
	return ok;
}
