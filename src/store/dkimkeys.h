/* The DKIM key store: <dir>/<domain>.<selector>.key holds a private key
 * (PKCS#8 PEM, mode 0600), <dir>/<domain>.selectors lists the domain's
 * keys, one per line:
 *     selector algorithm state created retired
 * e.g. "202611r rsa active 1795000000 0"; algorithm is rsa or ed25519,
 * state active or retired, times are Unix seconds (retired 0 while
 * active). Active keys sign; a retired key stays published in DNS for
 * DKIMKEYS_RETIRE_SECS and is then removed. Files take the owner of dir
 * when written by root, so the signer's user owns them. Domains are the
 * ASCII (A-label) form, lower-case. */
#ifndef AMB_DKIMKEYS_H
#define AMB_DKIMKEYS_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "common/buf.h"

#define DKIMKEYS_RETIRE_SECS (7 * 86400LL)
#define DKIMKEYS_MAX         64       /* keys per domain */
#define DKIMKEYS_SEL_MAX     63

enum dkimkey_alg { DKIMKEY_RSA, DKIMKEY_ED25519 };

struct dkimkey {
	char selector[DKIMKEYS_SEL_MAX + 1];
	enum dkimkey_alg alg;
	bool active;
	long long created, retired;
};

struct dkimkeys {
	char *domain;
	struct dkimkey v[DKIMKEYS_MAX];
	size_t n;
};

/* A missing file gives an empty list. */
bool dkimkeys_load(const char *dir, const char *domain, struct dkimkeys *ks,
    struct buf *err);
bool dkimkeys_save(const char *dir, const struct dkimkeys *ks, struct buf *err);
void dkimkeys_free(struct dkimkeys *ks);
/* Active, or retired less than DKIMKEYS_RETIRE_SECS ago. */
bool dkimkey_published(const struct dkimkey *k, long long now);
const char *dkimkey_alg_name(enum dkimkey_alg alg);

/* Makes an RSA-2048 key "<prefix>r" and an Ed25519 key "<prefix>e",
 * writes them and makes them the active keys; keys active before are
 * retired at now. prefix NULL: the month of now ("202611"), with "-2",
 * "-3", ... appended if taken; a given prefix that is taken is refused.
 * The list is saved. */
bool dkimkeys_generate(const char *dir, struct dkimkeys *ks,
    const char *prefix, long long now, struct buf *err);
/* Migration: stores an existing key (RSA or Ed25519) under selector as
 * the active key of its algorithm (keys active before with the same
 * algorithm are retired at now) and saves the list. */
bool dkimkeys_add_key(const char *dir, struct dkimkeys *ks,
    const char *selector, EVP_PKEY *key, long long created, long long now,
    struct buf *err);
/* A private key as the seed's rspamd kept it: PEM (RSA or Ed25519, PKCS#1
 * or PKCS#8, no passphrase) or base64 of an Ed25519 seed (32 bytes, or 64
 * as seed || public key, optionally followed by a space and more). NULL
 * for anything else, or more than DKIMKEYS_FOREIGN_MAX bytes. */
#define DKIMKEYS_FOREIGN_MAX (64 * 1024)
EVP_PKEY *dkimkeys_parse_foreign(const char *text, size_t len);
/* The selector of rspamd's file name "<domain>.<selector>.key" (the
 * selector holds no '.' and is a valid selector of ours), into sel;
 * false if file is not one. */
bool dkimkeys_foreign_selector(const char *file, const char *domain,
    char *sel, size_t selsz);
/* For every domain in dir: drops keys retired DKIMKEYS_RETIRE_SECS or more
 * before now and deletes their files. */
bool dkimkeys_expire(const char *dir, long long now, struct buf *err);
/* Calls fn for every domain with a key list in dir, sorted. */
typedef bool dkimkeys_domain_fn(const char *domain, void *arg);
bool dkimkeys_each_domain(const char *dir, dkimkeys_domain_fn *fn, void *arg,
    struct buf *err);
/* The active keys of a domain, as the signer loads them. */
#define DKIMKEYS_ACTIVE_MAX 4
struct dkimkeys_active {
	size_t n;
	char selector[DKIMKEYS_ACTIVE_MAX][DKIMKEYS_SEL_MAX + 1];
	EVP_PKEY *key[DKIMKEYS_ACTIVE_MAX];
};
/* False if the list or a key cannot be read, or there is no active key
 * ("DOMAIN has no active keys"). */
bool dkimkeys_load_active(const char *dir, const char *domain,
    struct dkimkeys_active *out, struct buf *err);
void dkimkeys_active_free(struct dkimkeys_active *a);
/* Reads a private key of the store. */
EVP_PKEY *dkimkeys_read_key(const char *dir, const char *domain,
    const char *selector, struct buf *err);

#endif
