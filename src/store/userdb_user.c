/* Users of the user database: password hash and locked trees key. */
#include "store/userdb_priv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "mail/address.h"

#define USER_COLUMNS "u.address, u.quota, u.encrypt, u.created, k.public_key, " \
	"k.salt, k.nonce, k.locked_box, k.pwhash_algo, k.pwhash_opslimit, " \
	"k.pwhash_memlimit FROM users u JOIN user_keys k ON k.user_id = u.id "

static bool hash_password(const char *pw, size_t pwlen,
    char out[crypto_pwhash_STRBYTES], struct buf *err)
{
	if (crypto_pwhash_str(out, pw, pwlen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
		return true;
	buf_addstr(err, "cannot hash the password (out of memory?)");
	return false;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static bool row_to_user(struct userdb *db, sqlite3_stmt *st,
    struct userdb_user *u, struct buf *err)
{
	memset(u, 0, sizeof *u);
	u->address = xstrdup(col(st, 0));
	u->quota = (unsigned long long)sqlite3_column_int64(st, 1);
	u->encrypt = sqlite3_column_int(st, 2) != 0;
	u->created = sqlite3_column_int64(st, 3);
	long long ops = sqlite3_column_int64(st, 9), mem = sqlite3_column_int64(st, 10);
	if (!trees_key_from_hex(col(st, 4), col(st, 5), col(st, 6), col(st, 7),
	    &u->key) || ops <= 0 || mem <= 0 || (unsigned long long)mem > SIZE_MAX) {
		buf_printf(err, "database %s: bad key fields for %s", db->path,
		    u->address);
		return false;
	}
	u->key.algo = sqlite3_column_int(st, 8);
	u->key.opslimit = (unsigned long long)ops;
	u->key.memlimit = (size_t)mem;
	return true;
}

void userdb_user_clear(struct userdb_user *u)
{
	free(u->address);
	sodium_memzero(u, sizeof *u);
}

/* Lookup by canonical address. */
static int user_get(struct userdb *db, const char *addr,
    struct userdb_user *out, struct buf *err)
{
	sqlite3_stmt *st = udb_prepare(db, "SELECT " USER_COLUMNS
	    "WHERE u.address = ?", err);
	if (st == NULL)
		return -1;
	udb_bind_texts(st, 1, &addr);
	int rc = sqlite3_step(st), res = 0;
	if (rc == SQLITE_ROW) {
		res = row_to_user(db, st, out, err) ? 1 : -1;
		if (res < 0)
			userdb_user_clear(out);
	} else if (rc != SQLITE_DONE) {
		res = -1;
		udb_fail(db, err);
	}
	sqlite3_finalize(st);
	return res;
}

int userdb_user_get(struct userdb *db, const char *address,
    struct userdb_user *out, struct buf *err)
{
	struct buf a = BUF_INIT;
	int r = udb_canon_address(address, &a, err) ?
	    user_get(db, buf_cstr(&a), out, err) : -1;
	buf_free(&a);
	return r;
}

static bool store_key(struct userdb *db, const char *uid,
    const struct trees_key *k, bool insert, struct buf *err)
{
	char pk[65], salt[33], nonce[49], box[97], algo[16], ops[32], mem[32];
	trees_key_to_hex(k, pk, salt, nonce, box);
	snprintf(algo, sizeof algo, "%d", k->algo);
	snprintf(ops, sizeof ops, "%llu", k->opslimit);
	snprintf(mem, sizeof mem, "%zu", k->memlimit);
	const char *args[] = { pk, salt, nonce, box, algo, ops, mem, uid };
	return udb_exec(db, err, insert ?
	    "INSERT INTO user_keys(public_key, salt, nonce, locked_box, "
	    "pwhash_algo, pwhash_opslimit, pwhash_memlimit, user_id) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)" :
	    "UPDATE user_keys SET public_key = ?, salt = ?, nonce = ?, "
	    "locked_box = ?, pwhash_algo = ?, pwhash_opslimit = ?, "
	    "pwhash_memlimit = ? WHERE user_id = ?", 8, args);
}

/* Inserts a user with a given hash and key (addr canonical). */
static bool user_insert_with(struct userdb *db, const char *addr,
    const char *hash, const struct trees_key *key, unsigned long long quota,
    bool encrypt, struct buf *err)
{
	struct buf local = BUF_INIT, dom = BUF_INIT;
	long long did, uid;
	addr_split(addr, &local, &dom);
	/* user+tag@domain reaches user@domain, so a '+' user is unreachable */
	bool plus = strchr(buf_cstr(&local), '+') != NULL;
	int r = plus ? -1 : udb_domain_id(db, buf_cstr(&dom), &did, err);
	buf_free(&local);
	buf_free(&dom);
	if (plus)
		buf_addstr(err, "a user's local part cannot contain '+' "
		    "(it starts the tag of user+tag addresses)");
	if (r != 1)
		return false;
	r = udb_query_int(db, err, &uid, "SELECT id FROM users WHERE address = ?",
	    1, &addr);
	if (r != 0) {
		if (r > 0)
			buf_printf(err, "user %s already exists", addr);
		return false;
	}
	char dids[32], q[32], enc[2] = { encrypt ? '1' : '0', '\0' }, now[32];
	snprintf(dids, sizeof dids, "%lld", did);
	snprintf(q, sizeof q, "%llu", quota);
	snprintf(now, sizeof now, "%lld", (long long)time(NULL));
	const char *args[] = { addr, dids, hash, q, enc, now };
	if (!udb_exec(db, err, "INSERT INTO users(address, domain_id, password, "
	    "quota, encrypt, created) VALUES (?, ?, ?, ?, ?, ?)", 6, args))
		return false;
	char uids[32];
	snprintf(uids, sizeof uids, "%lld",
	    (long long)sqlite3_last_insert_rowid(db->db));
	return store_key(db, uids, key, true, err);
}

/* What a new user is made from: a password, or (migration) a hash and
 * a locked key taken over as they are. */
struct new_user {
	const char *pw;
	size_t pwlen;
	const char *hash;
	const struct trees_key *key;
};

static bool user_insert(struct userdb *db, const char *addr,
    const struct new_user *nu, unsigned long long quota, bool encrypt,
    struct buf *err)
{
	if (nu->hash != NULL)
		return user_insert_with(db, addr, nu->hash, nu->key, quota, encrypt,
		    err);
	char hash[crypto_pwhash_STRBYTES];
	struct trees_key key;
	if (!hash_password(nu->pw, nu->pwlen, hash, err))
		return false;
	if (!trees_key_create(nu->pw, nu->pwlen, &key)) {
		buf_addstr(err, "cannot create the user's key pair");
		return false;
	}
	return user_insert_with(db, addr, hash, &key, quota, encrypt, err);
}

static bool add_user(struct userdb *db, const char *address,
    const struct new_user *nu, unsigned long long quota, bool encrypt,
    struct buf *err)
{
	if (quota > INT64_MAX) {
		buf_addstr(err, "quota too large");
		return false;
	}
	struct buf a = BUF_INIT;
	bool ok = udb_canon_address(address, &a, err) && udb_begin(db, err);
	if (ok)
		ok = udb_end(db, user_insert(db, buf_cstr(&a), nu, quota, encrypt,
		    err), err);
	buf_free(&a);
	return ok;
}

bool userdb_user_import(struct userdb *db, const char *address,
    const char *hash, const struct trees_key *key, unsigned long long quota,
    bool encrypt, struct buf *err)
{
	/* Only Argon2 strings of crypto_pwhash_str: anything else could
	 * never be checked by userdb_user_check_password. */
	if (strncmp(hash, "$argon2id$", 10) != 0 &&
	    strncmp(hash, "$argon2i$", 9) != 0) {
		buf_addstr(err, "password hash is not an Argon2 crypto_pwhash_str");
		return false;
	}
	if (strlen(hash) >= crypto_pwhash_STRBYTES || strpbrk(hash, " \t\r\n")) {
		buf_addstr(err, "malformed password hash");
		return false;
	}
	struct new_user nu = { NULL, 0, hash, key };
	return add_user(db, address, &nu, quota, encrypt, err);
}

bool userdb_user_add(struct userdb *db, const char *address, const char *pw,
    size_t pwlen, unsigned long long quota, bool encrypt, struct buf *err)
{
	if (pwlen == 0) {
		buf_addstr(err, "empty password");
		return false;
	}
	struct new_user nu = { pw, pwlen, NULL, NULL };
	return add_user(db, address, &nu, quota, encrypt, err);
}

static bool user_delete(struct userdb *db, const char *addr, struct buf *err)
{
	long long uid;
	int r = udb_query_int(db, err, &uid, "SELECT id FROM users WHERE address = ?",
	    1, &addr);
	if (r == 0)
		buf_printf(err, "unknown user %s", addr);
	/* With the user gone, a catch-all naming them could loop. */
	return r == 1 &&
	    udb_exec(db, err, "DELETE FROM users WHERE address = ?", 1, &addr) &&
	    udb_check_no_loop(db, addr, err);
}

bool userdb_user_del(struct userdb *db, const char *address, struct buf *err)
{
	struct buf a = BUF_INIT;
	bool ok = udb_canon_address(address, &a, err) && udb_begin(db, err);
	if (ok)
		ok = udb_end(db, user_delete(db, buf_cstr(&a), err), err);
	buf_free(&a);
	return ok;
}

/* Stores a new password hash and key for the user at addr. */
static bool store_secret(struct userdb *db, const char *addr, const char *pw,
    size_t pwlen, const struct trees_key *k, struct buf *err)
{
	long long id;
	char hash[crypto_pwhash_STRBYTES], uid[32];
	int r = udb_query_int(db, err, &id, "SELECT id FROM users WHERE address = ?",
	    1, &addr);
	if (r == 0)
		buf_printf(err, "unknown user %s", addr);
	if (r != 1 || !hash_password(pw, pwlen, hash, err))
		return false;
	snprintf(uid, sizeof uid, "%lld", id);
	const char *args[] = { hash, uid };
	return udb_exec(db, err, "UPDATE users SET password = ? WHERE id = ?",
	    2, args) && store_key(db, uid, k, false, err);
}

static bool user_relock(struct userdb *db, const char *addr, const char *oldpw,
    size_t oldlen, const char *newpw, size_t newlen, struct buf *err)
{
	struct userdb_user u;
	int r = user_get(db, addr, &u, err);
	if (r == 0)
		buf_printf(err, "unknown user %s", addr);
	if (r != 1)
		return false;
	struct trees_key k;
	bool ok = trees_key_relock(&u.key, oldpw, oldlen, newpw, newlen, &k);
	if (!ok)
		buf_addstr(err, "wrong current password");
	ok = ok && store_secret(db, addr, newpw, newlen, &k, err);
	userdb_user_clear(&u);
	sodium_memzero(&k, sizeof k);
	return ok;
}

static bool user_rekey(struct userdb *db, const char *addr, const char *newpw,
    size_t newlen, struct buf *err)
{
	struct trees_key k;
	if (!trees_key_create(newpw, newlen, &k)) {
		buf_addstr(err, "cannot create the user's key pair");
		return false;
	}
	return store_secret(db, addr, newpw, newlen, &k, err);
}

/* Runs change in a transaction on the canonical address. */
static bool change_secret(struct userdb *db, const char *address,
    const char *oldpw, size_t oldlen, const char *newpw, size_t newlen,
    struct buf *err)
{
	if (newlen == 0) {
		buf_addstr(err, "empty password");
		return false;
	}
	struct buf a = BUF_INIT;
	bool ok = udb_canon_address(address, &a, err) && udb_begin(db, err);
	if (ok)
		ok = udb_end(db, oldpw != NULL ?
		    user_relock(db, buf_cstr(&a), oldpw, oldlen, newpw, newlen, err) :
		    user_rekey(db, buf_cstr(&a), newpw, newlen, err), err);
	buf_free(&a);
	return ok;
}

bool userdb_user_passwd(struct userdb *db, const char *address,
    const char *oldpw, size_t oldlen, const char *newpw, size_t newlen,
    struct buf *err)
{
	if (oldpw == NULL)
		oldpw = "";
	return change_secret(db, address, oldpw, oldlen, newpw, newlen, err);
}

bool userdb_user_reset(struct userdb *db, const char *address,
    const char *newpw, size_t newlen, struct buf *err)
{
	return change_secret(db, address, NULL, 0, newpw, newlen, err);
}

bool userdb_user_list(struct userdb *db, const char *domain,
    userdb_user_fn *fn, void *arg, struct buf *err)
{
	struct buf dom = BUF_INIT;
	long long did = 0;
	if (domain != NULL && (!udb_canon_domain(domain, &dom, err) ||
	    udb_domain_id(db, buf_cstr(&dom), &did, err) != 1)) {
		buf_free(&dom);
		return false;
	}
	buf_free(&dom);
	sqlite3_stmt *st = udb_prepare(db, "SELECT " USER_COLUMNS
	    "WHERE ?1 IS NULL OR u.domain_id = ?1 ORDER BY u.address", err);
	if (st == NULL)
		return false;
	if (domain != NULL)
		sqlite3_bind_int64(st, 1, did);
	int rc = SQLITE_DONE;
	bool ok = true;
	while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct userdb_user u;
		ok = row_to_user(db, st, &u, err);
		if (ok)
			fn(&u, arg);
		userdb_user_clear(&u);
	}
	ok = ok && (rc == SQLITE_DONE || udb_fail(db, err));
	sqlite3_finalize(st);
	return ok;
}

enum userdb_auth userdb_user_check_password(struct userdb *db,
    const char *address, const char *pw, size_t pwlen, struct buf *err)
{
	/* Same work for an unknown user as for a known one: no timing oracle
	 * for which addresses exist. */
	static char dummy[crypto_pwhash_STRBYTES];
	struct buf a = BUF_INIT, hash = BUF_INIT;
	int r = 0;
	if (addr_canon(address, &a, &hash)) {
		const char *s = buf_cstr(&a);
		r = udb_query_text(db, err, &hash,
		    "SELECT password FROM users WHERE address = ?", 1, &s);
	}
	if (r == 0 && dummy[0] == '\0' && !hash_password("x", 1, dummy, err))
		r = -1;
	enum userdb_auth res = USERDB_AUTH_ERROR;
	if (r >= 0) {
		if (r == 0)
			buf_set(&hash, dummy);
		bool ok = crypto_pwhash_str_verify(buf_cstr(&hash), pw, pwlen) == 0;
		res = ok && r == 1 ? USERDB_AUTH_OK : USERDB_AUTH_BAD;
	}
	buf_free(&a);
	buf_free(&hash);
	return res;
}
