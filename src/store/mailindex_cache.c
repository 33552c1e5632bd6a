/* The per-message cache blob, kept so that the index never holds a
 * header or body in the clear when the user encrypts:
 *   0x00 data                      plain (user without encryption)
 *   0x01 crypto_box_seal(data, pk) writers with the public key only
 *   0x02 nonce || XChaCha20-Poly1305(data, K)
 * K is a random per-user cache key, stored sealed to pk in cache_keys:
 * opening one sealed box costs an X25519 operation, too slow for a FETCH
 * of ten thousand envelopes; once a session has opened K, each blob is
 * symmetric work. Deliver, holding pk only, writes 0x01 and never sees K. */
#include "store/mailindex_priv.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "store/trees.h"

#define CACHE_PLAIN  0x00
#define CACHE_SEALED 0x01
#define CACHE_KEYED  0x02

#define KEY_LEN   crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN   crypto_aead_xchacha20poly1305_ietf_ABYTES

/* Anyone can seal a key to pk, so a key in the index also carries a tag
 * that only a holder of sk can make: a process with pk alone (deliver,
 * or whoever writes the file) cannot plant a key it knows. */
static void key_tag(const unsigned char *key, const unsigned char *sk,
    unsigned char tag[crypto_auth_BYTES])
{
	static const char ctx[] = "archmailbox cache key tag";
	unsigned char a[crypto_auth_KEYBYTES];
	crypto_generichash(a, sizeof a, (const unsigned char *)ctx,
	    sizeof ctx - 1, sk, TREES_SK_LEN);
	crypto_auth(tag, key, KEY_LEN, a);
	sodium_memzero(a, sizeof a);
}

/* The cache key of pk: 1 found and genuine (opened into key), 0 none or
 * not genuine (*present tells which), -1 error. */
static int load_key(struct mailindex *ix, const unsigned char *pk,
    const unsigned char *sk, unsigned char *key, bool *present,
    struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "SELECT sealed, tag FROM cache_keys"
	    " WHERE pk = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, pk, TREES_PK_LEN, SQLITE_STATIC);
	int r = mi_row(ix, st, err);
	*present = r > 0;
	if (r > 0) {
		const unsigned char *b = sqlite3_column_blob(st, 0);
		const unsigned char *t = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		unsigned char want[crypto_auth_BYTES];
		r = n == KEY_LEN + crypto_box_SEALBYTES &&
		    sqlite3_column_bytes(st, 1) == crypto_auth_BYTES &&
		    crypto_box_seal_open(key, b, n, pk, sk) == 0;
		if (r) {
			key_tag(key, sk, want);
			r = sodium_memcmp(want, t, sizeof want) == 0;
		}
	}
	mi_done(st);
	return r;
}

/* A fresh key, sealed to pk, replacing one that was not genuine. Made
 * in a transaction with the check, so concurrent sessions agree. */
static enum mailindex_rc make_key(struct mailindex *ix, const unsigned char *pk,
    const unsigned char *sk, unsigned char *key, struct buf *err)
{
	unsigned char sealed[KEY_LEN + crypto_box_SEALBYTES], tag[crypto_auth_BYTES];
	enum mailindex_rc rc = mi_begin(ix, err);
	if (rc != MAILINDEX_OK)
		return rc;
	bool planted = false;
	int r = load_key(ix, pk, sk, key, &planted, err);
	if (r != 0)
		return mi_end(ix, r > 0 ? MAILINDEX_OK : MAILINDEX_FAIL, err);
	randombytes_buf(key, KEY_LEN);
	key_tag(key, sk, tag);
	if (crypto_box_seal(sealed, key, KEY_LEN, pk) != 0) {
		buf_addstr(err, "cannot seal a cache key");
		return mi_end(ix, MAILINDEX_FAIL, err);
	}
	sqlite3_stmt *st = mi_stmt(ix, "INSERT OR REPLACE INTO cache_keys(pk,"
	    " sealed, tag) VALUES(?, ?, ?)", err);
	if (st != NULL) {
		sqlite3_bind_blob(st, 1, pk, TREES_PK_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, sealed, sizeof sealed, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, tag, sizeof tag, SQLITE_STATIC);
		rc = mi_run(ix, st, err);
	} else {
		rc = MAILINDEX_FAIL;
	}
	/* Blobs under a replaced key are not to be trusted. */
	if (rc == MAILINDEX_OK && planted)
		rc = mi_exec(ix, "DELETE FROM caches WHERE substr(data, 1, 1) ="
		    " x'02'", 0, 0, 0, 0, 0, err);
	return mi_end(ix, rc, err);
}

/* Opens (with create: or makes) the cache key of the user of sk. */
static enum mailindex_rc unlock_key(struct mailindex *ix,
    const unsigned char *pk, const unsigned char *sk, bool create,
    struct buf *err)
{
	unsigned char derived[TREES_PK_LEN];
	crypto_scalarmult_base(derived, sk);
	/* A wrong secret key would otherwise replace the real cache key. */
	if (pk != NULL && sodium_memcmp(pk, derived, TREES_PK_LEN) != 0) {
		buf_addstr(err, "the secret key does not belong to the public key");
		return MAILINDEX_BADNAME;
	}
	pk = derived;
	if (ix->cache_key != NULL && !memcmp(ix->cache_pk, pk, TREES_PK_LEN))
		return MAILINDEX_OK;
	unsigned char *key = sodium_malloc(KEY_LEN);
	if (key == NULL)
		xoom();
	bool present;
	int r = load_key(ix, pk, sk, key, &present, err);
	enum mailindex_rc rc = r > 0 ? MAILINDEX_OK : r < 0 || !create ?
	    MAILINDEX_FAIL : make_key(ix, pk, sk, key, err);
	if (rc != MAILINDEX_OK) {
		sodium_free(key);
		return rc;
	}
	sodium_free(ix->cache_key);
	ix->cache_key = key;
	memcpy(ix->cache_pk, pk, TREES_PK_LEN);
	return MAILINDEX_OK;
}

enum mailindex_rc mailindex_cache_unlock(struct mailindex *ix,
    const unsigned char *pk, const unsigned char *sk, struct buf *err)
{
	return unlock_key(ix, pk, sk, true, err);
}

static bool key_for(struct mailindex *ix, const unsigned char *pk)
{
	return pk != NULL && ix->cache_key != NULL &&
	    !memcmp(ix->cache_pk, pk, TREES_PK_LEN);
}

/* The stored form of data; NULL if it cannot be made. */
static unsigned char *encode(struct mailindex *ix, const void *data,
    size_t len, const unsigned char *pk, size_t *blen)
{
	bool keyed = key_for(ix, pk);
	*blen = 1 + len + (keyed ? NONCE_LEN + TAG_LEN : pk ?
	    crypto_box_SEALBYTES : 0);
	unsigned char *b = xmalloc(*blen);
	b[0] = keyed ? CACHE_KEYED : pk ? CACHE_SEALED : CACHE_PLAIN;
	int bad = 0;
	if (keyed) {
		randombytes_buf(b + 1, NONCE_LEN);
		bad = crypto_aead_xchacha20poly1305_ietf_encrypt(b + 1 + NONCE_LEN,
		    NULL, data, len, NULL, 0, NULL, b + 1, ix->cache_key);
	} else if (pk != NULL) {
		bad = crypto_box_seal(b + 1, data, len, pk);
	} else if (len > 0) {
		memcpy(b + 1, data, len);
	}
	if (bad) {
		free(b);
		return NULL;
	}
	return b;
}

/* Stores one blob; *stored is false if the message does not exist. */
static enum mailindex_rc put_one(struct mailindex *ix, int64_t mbox,
    uint32_t uid, const void *data, size_t len, const unsigned char *pk,
    bool *stored, struct buf *err)
{
	size_t blen;
	if (len > MAILINDEX_CACHE_MAX) {
		buf_addstr(err, "cache entry too large");
		return MAILINDEX_BADNAME;
	}
	unsigned char *blob = encode(ix, data, len, pk, &blen);
	if (blob == NULL) {
		buf_addstr(err, "cannot encrypt the cache entry");
		return MAILINDEX_FAIL;
	}
	sqlite3_stmt *st = mi_stmt(ix, "INSERT OR REPLACE INTO caches(mailbox,"
	    " uid, data) SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM messages"
	    " WHERE mailbox = ?1 AND uid = ?2)", err);
	enum mailindex_rc rc = MAILINDEX_FAIL;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, mbox);
		sqlite3_bind_int64(st, 2, uid);
		sqlite3_bind_blob(st, 3, blob, (int)blen, SQLITE_STATIC);
		rc = mi_run(ix, st, err);
	}
	*stored = rc == MAILINDEX_OK && sqlite3_changes(ix->db) > 0;
	free(blob);
	return rc;
}

enum mailindex_rc mailindex_cache_put(struct mailindex *ix, int64_t mbox,
    uint32_t uid, const void *data, size_t len, const unsigned char *pk,
    struct buf *err)
{
	bool stored = false;
	enum mailindex_rc rc = put_one(ix, mbox, uid, data, len, pk, &stored, err);
	if (rc == MAILINDEX_OK && !stored) {
		buf_printf(err, "message %u does not exist", (unsigned)uid);
		rc = MAILINDEX_NOTFOUND;
	}
	return rc;
}

enum mailindex_rc mailindex_cache_put_many(struct mailindex *ix, int64_t mbox,
    const struct mailindex_cache_item *items, size_t n,
    const unsigned char *pk, struct buf *err)
{
	enum mailindex_rc rc = mi_begin(ix, err);
	for (size_t i = 0; i < n && rc == MAILINDEX_OK; i++) {
		bool stored;
		rc = put_one(ix, mbox, items[i].uid, items[i].data, items[i].len, pk,
		    &stored, err);
	}
	return mi_end(ix, rc, err);
}

/* Opens a sealed blob into out; false if it is not for this key. */
static bool unseal(const unsigned char *b, size_t n, const unsigned char *pk,
    const unsigned char *sk, struct buf *out)
{
	unsigned char derived[TREES_PK_LEN];
	if (n < crypto_box_SEALBYTES)
		return false;
	if (pk == NULL) {
		crypto_scalarmult_base(derived, sk);
		pk = derived;
	}
	size_t plen = n - crypto_box_SEALBYTES;
	buf_reserve(out, plen + 1);
	unsigned char *dst = (unsigned char *)out->data + out->len;
	if (crypto_box_seal_open(dst, b, n, pk, sk) != 0)
		return false;
	out->len += plen;
	out->data[out->len] = '\0';
	return true;
}

static bool unkey(struct mailindex *ix, const unsigned char *b, size_t n,
    const unsigned char *pk, const unsigned char *sk, struct buf *out)
{
	/* One handle serves one user: a key once unlocked is theirs. */
	struct buf ignore = BUF_INIT;
	bool ok = n >= NONCE_LEN + TAG_LEN && (ix->cache_key != NULL &&
	    (pk == NULL || key_for(ix, pk)) ?
	    true : unlock_key(ix, pk, sk, false, &ignore) == MAILINDEX_OK);
	buf_free(&ignore);
	if (!ok)
		return false;
	size_t plen = n - NONCE_LEN - TAG_LEN;
	buf_reserve(out, plen + 1);
	unsigned char *dst = (unsigned char *)out->data + out->len;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(dst, NULL, NULL,
	    b + NONCE_LEN, n - NONCE_LEN, NULL, 0, b, ix->cache_key) != 0)
		return false;
	out->len += plen;
	out->data[out->len] = '\0';
	return true;
}

int mailindex_cache_get(struct mailindex *ix, int64_t mbox, uint32_t uid,
    const unsigned char *pk, const unsigned char *sk, struct buf *out,
    struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "SELECT data FROM caches WHERE"
	    " mailbox = ? AND uid = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mbox);
	sqlite3_bind_int64(st, 2, uid);
	int res = mi_row(ix, st, err);
	if (res > 0) {
		const unsigned char *b = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		/* A blob of the wrong kind for this user is a miss: the
		 * caller computes it again and stores it the right way. */
		if (n >= 1 && b[0] == CACHE_KEYED && sk != NULL)
			res = unkey(ix, b + 1, n - 1, pk, sk, out);
		else if (n >= 1 && b[0] == CACHE_SEALED && sk != NULL)
			res = unseal(b + 1, n - 1, pk, sk, out) ? 2 : 0;
		else if (n >= 1 && b[0] == CACHE_PLAIN && sk == NULL)
			buf_add(out, b + 1, n - 1);
		else
			res = 0;
	}
	mi_done(st);
	return res;
}
