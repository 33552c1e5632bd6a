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

/* The sealed cache key of pk: 1 found (opened into key), 0 none, -1
 * error or a box that sk does not open. */
static int load_key(struct mailindex *ix, const unsigned char *pk,
    const unsigned char *sk, unsigned char *key, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "SELECT sealed FROM cache_keys WHERE"
	    " pk = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, pk, TREES_PK_LEN, SQLITE_STATIC);
	int r = mi_row(ix, st, err);
	if (r > 0) {
		const unsigned char *b = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		if (n != KEY_LEN + crypto_box_SEALBYTES ||
		    crypto_box_seal_open(key, b, n, pk, sk) != 0) {
			buf_addstr(err, "the cache key does not open with this key");
			r = -1;
		}
	}
	mi_done(st);
	return r;
}

/* A fresh key, sealed to pk; a concurrent session may win the race, so
 * the caller loads whatever is there afterwards. */
static enum mailindex_rc make_key(struct mailindex *ix, const unsigned char *pk,
    struct buf *err)
{
	unsigned char key[KEY_LEN], sealed[KEY_LEN + crypto_box_SEALBYTES];
	randombytes_buf(key, sizeof key);
	int bad = crypto_box_seal(sealed, key, sizeof key, pk);
	sodium_memzero(key, sizeof key);
	if (bad) {
		buf_addstr(err, "cannot seal a cache key");
		return MAILINDEX_FAIL;
	}
	sqlite3_stmt *st = mi_stmt(ix, "INSERT OR IGNORE INTO cache_keys(pk,"
	    " sealed) VALUES(?, ?)", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_blob(st, 1, pk, TREES_PK_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sealed, sizeof sealed, SQLITE_STATIC);
	return mi_run(ix, st, err);
}

enum mailindex_rc mailindex_cache_unlock(struct mailindex *ix,
    const unsigned char *pk, const unsigned char *sk, struct buf *err)
{
	unsigned char derived[TREES_PK_LEN];
	if (pk == NULL) {
		crypto_scalarmult_base(derived, sk);
		pk = derived;
	}
	if (ix->cache_key != NULL && !memcmp(ix->cache_pk, pk, TREES_PK_LEN))
		return MAILINDEX_OK;
	unsigned char *key = sodium_malloc(KEY_LEN);
	if (key == NULL)
		xoom();
	int r = load_key(ix, pk, sk, key, err);
	if (r == 0 && make_key(ix, pk, err) == MAILINDEX_OK)
		r = load_key(ix, pk, sk, key, err);
	if (r <= 0) {
		sodium_free(key);
		if (r == 0)
			buf_addstr(err, "no cache key");
		return MAILINDEX_FAIL;
	}
	sodium_free(ix->cache_key);
	ix->cache_key = key;
	memcpy(ix->cache_pk, pk, TREES_PK_LEN);
	return MAILINDEX_OK;
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
	struct buf ignore = BUF_INIT;
	bool ok = n >= NONCE_LEN + TAG_LEN &&
	    mailindex_cache_unlock(ix, pk, sk, &ignore) == MAILINDEX_OK;
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
