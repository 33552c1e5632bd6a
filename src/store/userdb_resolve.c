/* Recipient resolution: the lookup order of the seed (OpenSMTPD), role
 * addresses, recursive aliases with loop detection. */
#include "store/userdb_priv.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mail/address.h"

/* Bounds the work of one resolution even for aliases that fan out
 * (a diamond of depth 16 would otherwise be 2^16 walks). */
#define MAX_STEPS 10000

static const char *const role_locals[] = {
	"postmaster", "abuse", "hostmaster", "webmaster", "dmarcreports",
};

struct resolver {
	struct userdb *db;
	struct userdb_dests *out;
	struct buf *err;
	const char *path[USERDB_ALIAS_DEPTH];
	int depth;
	int steps;
};

static int resolve_addr(struct resolver *r, const char *addr, bool top);

void userdb_dests_free(struct userdb_dests *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].address);
		free(d->v[i].folder);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static int add_dest(struct resolver *r, enum userdb_dest_kind kind,
    const char *addr, const char *folder)
{
	struct userdb_dests *d = r->out;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].kind == kind && strcmp(d->v[i].address, addr) == 0 &&
		    ((folder == NULL && d->v[i].folder == NULL) ||
		     (folder && d->v[i].folder && strcmp(folder, d->v[i].folder) == 0)))
			return 1;
	if (d->n >= USERDB_MAX_DESTS) {
		buf_printf(r->err, "more than %d destinations", USERDB_MAX_DESTS);
		return -1;
	}
	d->v = xreallocarray(d->v, d->n + 1, sizeof *d->v);
	d->v[d->n++] = (struct userdb_dest){ kind, xstrdup(addr),
	    folder ? xstrdup(folder) : NULL };
	return 1;
}

/* Destinations of one alias source, in insertion order. */
static char **alias_dests(struct resolver *r, const char *source, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = udb_prepare(r->db, "SELECT destination FROM aliases "
	    "WHERE source = ? ORDER BY id", r->err);
	if (st == NULL)
		return NULL;
	udb_bind_texts(st, 1, &source);
	char **v = xmalloc(sizeof *v);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, *n + 2, sizeof *v);
		v[(*n)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	v[*n] = NULL;
	if (rc != SQLITE_DONE) {
		udb_fail(r->db, r->err);
		for (size_t i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		v = NULL;
	}
	sqlite3_finalize(st);
	return v;
}

/* Expands the aliases of source: 0 if it has none, 1 if it had some, -1 on
 * error. A destination equal to self (a real user's own address) is
 * delivered to that user, with folder. */
static int expand_source(struct resolver *r, const char *source,
    const char *self, const char *folder)
{
	size_t n;
	char **v = alias_dests(r, source, &n);
	if (v == NULL)
		return -1;
	int res = n > 0 ? 1 : 0;
	for (size_t i = 0; i < n && res > 0; i++) {
		if (self != NULL && strcmp(v[i], self) == 0)
			res = add_dest(r, USERDB_DEST_LOCAL, self, folder);
		else if (resolve_addr(r, v[i], false) < 0)
			res = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return res;
}

static int role_address(struct resolver *r, const char *base,
    const char *dom, const char *postmaster)
{
	bool role = false;
	for (size_t i = 0; i < sizeof role_locals / sizeof role_locals[0]; i++)
		role = role || strcmp(base, role_locals[i]) == 0;
	if (!role)
		return 0;
	if (*postmaster != '\0')
		return resolve_addr(r, postmaster, false);
	struct buf first = BUF_INIT;
	int m = udb_query_text(r->db, r->err, &first, "SELECT u.address FROM users "
	    "u JOIN domains d ON d.id = u.domain_id WHERE d.name = ? "
	    "ORDER BY u.id LIMIT 1", 1, &dom);
	if (m > 0)
		m = add_dest(r, USERDB_DEST_LOCAL, buf_cstr(&first), NULL);
	buf_free(&first);
	return m;
}

/* The lookup order for addr = local@dom in one of our domains. */
static int lookup_local(struct resolver *r, const char *addr, const char *local,
    const char *dom, const char *postmaster)
{
	struct buf base = BUF_INIT, tag = BUF_INIT, key = BUF_INIT, user = BUF_INIT;
	bool has_tag = addr_split_tag(local, &base, &tag);
	const char *folder = has_tag ? buf_cstr(&tag) : NULL;
	buf_printf(&user, "%s@%s", buf_cstr(&base), dom);
	const char *uaddr = buf_cstr(&user);
	long long uid;
	int m = has_tag ? expand_source(r, addr, NULL, NULL) : 0;
	int is_user = m == 0 ? udb_query_int(r->db, r->err, &uid,
	    "SELECT id FROM users WHERE address = ?", 1, &uaddr) : 0;
	if (is_user < 0)
		m = -1;
	if (m == 0)
		m = expand_source(r, uaddr, is_user ? uaddr : NULL, folder);
	if (m == 0 && is_user)
		m = add_dest(r, USERDB_DEST_LOCAL, uaddr, folder);
	if (m == 0 && has_tag)
		m = expand_source(r, local, NULL, NULL);
	if (m == 0)
		m = expand_source(r, buf_cstr(&base), NULL, NULL);
	if (m == 0)
		m = role_address(r, buf_cstr(&base), dom, postmaster);
	if (m == 0) {
		buf_printf(&key, "@%s", dom);
		m = expand_source(r, buf_cstr(&key), NULL, NULL);
	}
	buf_free(&base);
	buf_free(&tag);
	buf_free(&key);
	buf_free(&user);
	return m;
}

static bool on_path(struct resolver *r, const char *addr)
{
	for (int i = 0; i < r->depth; i++) {
		if (strcmp(r->path[i], addr) != 0)
			continue;
		buf_addstr(r->err, "alias loop: ");
		for (int j = i; j < r->depth; j++)
			buf_printf(r->err, "%s -> ", r->path[j]);
		buf_addstr(r->err, addr);
		return true;
	}
	return false;
}

/* addr is canonical. Returns 1 if it resolved to something, 0 if not, -1
 * on error. top: the recipient itself (outside our domains: unknown),
 * else an alias destination (outside our domains: external). */
static int resolve_addr(struct resolver *r, const char *addr, bool top)
{
	if (on_path(r, addr))
		return -1;
	if (r->depth >= USERDB_ALIAS_DEPTH || ++r->steps > MAX_STEPS) {
		buf_printf(r->err, "aliases nested too deep or too wide at %s", addr);
		return -1;
	}
	struct buf local = BUF_INIT, dom = BUF_INIT, pm = BUF_INIT;
	int m = -1;
	if (!addr_split(addr, &local, &dom)) {
		buf_printf(r->err, "bad address %s in the database", addr);
		goto done;
	}
	const char *d = buf_cstr(&dom);
	m = udb_query_text(r->db, r->err, &pm, "SELECT coalesce(postmaster, '') "
	    "FROM domains WHERE name = ?", 1, &d);
	if (m == 0) {
		m = top ? 0 : add_dest(r, USERDB_DEST_EXTERNAL, addr, NULL);
	} else if (m > 0) {
		r->path[r->depth++] = addr;
		m = lookup_local(r, addr, buf_cstr(&local), d, buf_cstr(&pm));
		r->depth--;
	}
done:
	buf_free(&local);
	buf_free(&dom);
	buf_free(&pm);
	return m;
}

enum userdb_resolved userdb_resolve(struct userdb *db, const char *address,
    struct userdb_dests *out, struct buf *err)
{
	struct buf a = BUF_INIT;
	struct resolver r = { .db = db, .out = out, .err = err };
	out->v = NULL;
	out->n = 0;
	int m = udb_canon_address(address, &a, err) ?
	    resolve_addr(&r, buf_cstr(&a), true) : -1;
	buf_free(&a);
	if (m < 0) {
		userdb_dests_free(out);
		return USERDB_RESOLVE_ERROR;
	}
	return out->n > 0 ? USERDB_RESOLVED : USERDB_UNKNOWN;
}

bool udb_check_no_loop(struct userdb *db, const char *address, struct buf *err)
{
	struct userdb_dests d = { NULL, 0 };
	struct resolver r = { .db = db, .out = &d, .err = err };
	int m = resolve_addr(&r, address, false);
	userdb_dests_free(&d);
	return m >= 0;
}
