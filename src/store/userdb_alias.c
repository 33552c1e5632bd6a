/* Aliases of the user database. */
#include "store/userdb_priv.h"

#include <stdio.h>
#include <string.h>

#include "mail/address.h"

/* "local@domain", bare "local" or "@domain", canonical in out; dom gets
 * the domain (empty for a bare local part). */
static bool canon_source(const char *in, struct buf *out, struct buf *dom,
    struct buf *err)
{
	struct buf why = BUF_INIT, local = BUF_INIT;
	bool ok;
	buf_reset(dom);
	if (in[0] == '@') {
		ok = addr_canon_domain(in + 1, dom, &why);
		buf_reset(out);
		buf_printf(out, "@%s", buf_cstr(dom));
	} else if (strchr(in, '@') != NULL) {
		ok = addr_canon(in, out, &why);
		if (ok)
			addr_split(buf_cstr(out), &local, dom);
	} else {
		ok = addr_canon_local(in, out, &why);
	}
	if (!ok) {
		buf_addstr(err, "invalid alias source ");
		addr_quote(err, in, 100);
		buf_printf(err, ": %s", buf_cstr(&why));
	}
	buf_free(&why);
	buf_free(&local);
	return ok;
}

static bool alias_insert(struct userdb *db, const char *src, const char *dom,
    const char *dst, struct buf *err)
{
	long long did = 0, id;
	char dids[32];
	if (*dom != '\0' && udb_domain_id(db, dom, &did, err) != 1)
		return false;
	snprintf(dids, sizeof dids, "%lld", did);
	const char *args[] = { src, dst, *dom ? dids : NULL };
	int r = udb_query_int(db, err, &id, "SELECT id FROM aliases WHERE "
	    "source = ? AND destination = ?", 2, args);
	if (r != 0) {
		if (r > 0)
			buf_printf(err, "alias %s -> %s already exists", src, dst);
		return false;
	}
	/* Any loop the new alias closes runs through dst. */
	return udb_exec(db, err, "INSERT INTO aliases(source, destination, "
	    "domain_id) VALUES (?, ?, ?)", 3, args) &&
	    udb_check_no_loop(db, dst, err);
}

bool userdb_alias_add(struct userdb *db, const char *source,
    const char *destination, struct buf *err)
{
	struct buf src = BUF_INIT, dom = BUF_INIT, dst = BUF_INIT;
	bool ok = canon_source(source, &src, &dom, err) &&
	    udb_canon_address(destination, &dst, err) && udb_begin(db, err);
	if (ok)
		ok = udb_end(db, alias_insert(db, buf_cstr(&src), buf_cstr(&dom),
		    buf_cstr(&dst), err), err);
	buf_free(&src);
	buf_free(&dom);
	buf_free(&dst);
	return ok;
}

static bool alias_delete(struct userdb *db, const char *src, const char *dom,
    const char *dst, struct buf *err)
{
	const char *args[] = { src, dst };
	if (!udb_exec(db, err, dst ? "DELETE FROM aliases WHERE source = ? AND "
	    "destination = ?" : "DELETE FROM aliases WHERE source = ?",
	    dst ? 2 : 1, args))
		return false;
	if (sqlite3_changes(db->db) == 0) {
		if (dst)
			buf_printf(err, "no alias %s -> %s", src, dst);
		else
			buf_printf(err, "no alias %s", src);
		return false;
	}
	/* Without the alias, the address may fall through to a catch-all
	 * that leads back to it. */
	return src[0] == '@' || *dom == '\0' || udb_check_no_loop(db, src, err);
}

bool userdb_alias_del(struct userdb *db, const char *source,
    const char *destination, struct buf *err)
{
	struct buf src = BUF_INIT, dom = BUF_INIT, dst = BUF_INIT;
	bool ok = canon_source(source, &src, &dom, err) &&
	    (destination == NULL || udb_canon_address(destination, &dst, err)) &&
	    udb_begin(db, err);
	if (ok)
		ok = udb_end(db, alias_delete(db, buf_cstr(&src), buf_cstr(&dom),
		    destination ? buf_cstr(&dst) : NULL, err), err);
	buf_free(&src);
	buf_free(&dom);
	buf_free(&dst);
	return ok;
}

bool userdb_alias_list(struct userdb *db, userdb_alias_fn *fn, void *arg,
    struct buf *err)
{
	sqlite3_stmt *st = udb_prepare(db, "SELECT source, destination FROM "
	    "aliases ORDER BY source, id", err);
	if (st == NULL)
		return false;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), arg);
	bool ok = rc == SQLITE_DONE || udb_fail(db, err);
	sqlite3_finalize(st);
	return ok;
}
