/* The user database (SQLite): domains, users with their password hash and
 * locked trees key, aliases; and recipient resolution for delivery.
 *
 * Every address and domain passed in may be in any spelling; it is
 * canonicalised (mail/address.h) before use, so only canonical forms are
 * stored. Every function that changes the database runs in its own
 * transaction: when it fails, nothing changed. Errors are one line in err.
 *
 * Schema (PRAGMA user_version 1, application_id 'AMBX'):
 *   domains(id, name UNIQUE, postmaster NULL|address, created)
 *   users(id, address UNIQUE, domain_id -> domains, password
 *         (crypto_pwhash_str), quota bytes, encrypt 0|1, created)
 *   user_keys(user_id -> users, enabled, version, public_key, pwhash_algo,
 *         pwhash_opslimit, pwhash_memlimit, nonce, salt, locked_box)
 *         -- hex fields as in the seed's tree_keys
 *   aliases(id, source, destination, domain_id -> domains NULL for a bare
 *         local part, UNIQUE(source, destination))
 * An alias source is "local@domain", a bare "local" (every domain) or
 * "@domain" (catch-all); a destination is always a full address. */
#ifndef AMB_USERDB_H
#define AMB_USERDB_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "store/trees.h"

#define USERDB_SCHEMA_VERSION 1
#define USERDB_FILE           "mailbox.sqlite"  /* in the state_dir */
#define USERDB_ALIAS_DEPTH    16    /* nested alias expansions */
#define USERDB_MAX_DESTS      1000  /* destinations of one recipient */

struct userdb;

/* Creates a new database at path (refuses an existing file), mode 0640. */
bool userdb_create(const char *path, struct buf *err);
/* Opens an existing database; refuses a missing file, another program's
 * database, a different schema version or a corrupt file. */
struct userdb *userdb_open(const char *path, bool readonly, struct buf *err);
void userdb_close(struct userdb *db);

/* Domains. */
struct userdb_domain {
	const char *name;
	const char *postmaster;     /* NULL: the domain's first user */
	long long users;
};
typedef void userdb_domain_fn(const struct userdb_domain *d, void *arg);
bool userdb_domain_add(struct userdb *db, const char *domain,
    const char *postmaster, struct buf *err);
/* Refuses a domain that still has users or aliases unless force, which
 * removes them too (mail on disk is left alone). */
bool userdb_domain_del(struct userdb *db, const char *domain, bool force,
    struct buf *err);
/* 1 exists, 0 not ("unknown domain D" in err), -1 invalid or error. */
int userdb_domain_exists(struct userdb *db, const char *domain,
    struct buf *err);
bool userdb_domain_list(struct userdb *db, userdb_domain_fn *fn, void *arg,
    struct buf *err);

/* Users. */
struct userdb_user {
	char *address;
	unsigned long long quota;
	bool encrypt;
	long long created;
	struct trees_key key;
};
typedef void userdb_user_fn(const struct userdb_user *u, void *arg);
/* Hashes pw (Argon2id, interactive limits) and creates the user's key pair
 * locked under pw. The domain must exist; pw must not be empty. */
bool userdb_user_add(struct userdb *db, const char *address, const char *pw,
    size_t pwlen, unsigned long long quota, bool encrypt, struct buf *err);
/* Migration: a user with the password hash (a crypto_pwhash_str string)
 * and locked key taken over as they are, so the old password still
 * works. Refuses a hash that is not Argon2. */
bool userdb_user_import(struct userdb *db, const char *address,
    const char *hash, const struct trees_key *key, unsigned long long quota,
    bool encrypt, struct buf *err);
bool userdb_user_del(struct userdb *db, const char *address, struct buf *err);
/* Checks oldpw, re-locks the same secret key under newpw and stores the
 * new hash; the public key does not change. */
bool userdb_user_passwd(struct userdb *db, const char *address,
    const char *oldpw, size_t oldlen, const char *newpw, size_t newlen,
    struct buf *err);
/* For a forgotten password: a new hash and a NEW key pair locked under
 * newpw. Mail encrypted under the old public key can no longer be read. */
bool userdb_user_reset(struct userdb *db, const char *address,
    const char *newpw, size_t newlen, struct buf *err);
/* domain NULL: every user. */
bool userdb_user_list(struct userdb *db, const char *domain,
    userdb_user_fn *fn, void *arg, struct buf *err);
/* 1 found (free with userdb_user_clear), 0 no such user, -1 error. */
int userdb_user_get(struct userdb *db, const char *address,
    struct userdb_user *out, struct buf *err);
void userdb_user_clear(struct userdb_user *u);

enum userdb_auth { USERDB_AUTH_OK, USERDB_AUTH_BAD, USERDB_AUTH_ERROR };
/* Verifies a password; an unknown user costs the same time as a wrong
 * password and gives USERDB_AUTH_BAD. */
enum userdb_auth userdb_user_check_password(struct userdb *db,
    const char *address, const char *pw, size_t pwlen, struct buf *err);

/* Aliases. */
typedef void userdb_alias_fn(const char *source, const char *destination,
    void *arg);
/* Refuses an alias that makes a loop or nests deeper than
 * USERDB_ALIAS_DEPTH. */
bool userdb_alias_add(struct userdb *db, const char *source,
    const char *destination, struct buf *err);
/* destination NULL: every destination of source. */
bool userdb_alias_del(struct userdb *db, const char *source,
    const char *destination, struct buf *err);
bool userdb_alias_list(struct userdb *db, userdb_alias_fn *fn, void *arg,
    struct buf *err);

/* Resolution of a recipient to its final destinations. */
enum userdb_dest_kind { USERDB_DEST_LOCAL, USERDB_DEST_EXTERNAL };
struct userdb_dest {
	enum userdb_dest_kind kind;
	char *address;      /* LOCAL: the user's address; else where to send */
	char *folder;       /* LOCAL with a non-empty +tag: the tag as written
	                     * in the address (any atext, e.g. '/'; the
	                     * delivery agent must vet it), else NULL */
};
struct userdb_dests {
	struct userdb_dest *v;
	size_t n;
};
enum userdb_resolved {
	USERDB_RESOLVED,        /* out holds at least one destination */
	USERDB_UNKNOWN,         /* no such recipient here */
	USERDB_RESOLVE_ERROR,   /* invalid address, alias loop, db error */
};
/* Lookup order for local@domain (local = user+tag): aliases of
 * "user+tag@domain"; "user@domain" (aliases, else the real user, who gets
 * the tag as folder); "user+tag"; "user"; the role addresses (postmaster,
 * abuse, hostmaster, webmaster, dmarcreports -> the domain's postmaster,
 * else its first user); "@domain". Alias destinations are resolved again
 * (an alias of a real user's own address naming that address delivers to
 * the user); a destination outside our domains is external; a local one
 * that resolves to nothing is skipped. A recipient outside our domains is
 * unknown. Destinations are de-duplicated. */
enum userdb_resolved userdb_resolve(struct userdb *db, const char *address,
    struct userdb_dests *out, struct buf *err);
void userdb_dests_free(struct userdb_dests *d);

#endif
