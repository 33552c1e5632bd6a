/* The per-message cache blob, sealed to the user's key when the user
 * encrypts: the index then never holds a header or body in the clear. */
#include "store/mailindex_priv.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "store/trees.h"

/* First byte of a stored blob. */
#define CACHE_PLAIN  0x00
#define CACHE_SEALED 0x01

enum mailindex_rc mailindex_cache_put(struct mailindex *ix, int64_t mbox,
    uint32_t uid, const void *data, size_t len, const unsigned char *pk,
    struct buf *err)
{
	if (len > MAILINDEX_CACHE_MAX) {
		buf_addstr(err, "cache entry too large");
		return MAILINDEX_BADNAME;
	}
	size_t blen = 1 + len + (pk ? crypto_box_SEALBYTES : 0);
	unsigned char *blob = xmalloc(blen);
	blob[0] = pk ? CACHE_SEALED : CACHE_PLAIN;
	if (pk != NULL) {
		if (crypto_box_seal(blob + 1, data, len, pk) != 0) {
			free(blob);
			buf_addstr(err, "cannot seal the cache entry");
			return MAILINDEX_FAIL;
		}
	} else if (len > 0) {
		memcpy(blob + 1, data, len);
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
	if (rc == MAILINDEX_OK && sqlite3_changes(ix->db) == 0) {
		buf_printf(err, "message %u does not exist", (unsigned)uid);
		rc = MAILINDEX_NOTFOUND;
	}
	sodium_memzero(blob, blen);
	free(blob);
	return rc;
}

/* Opens a sealed blob into out; false if it is not ours. */
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
		if (n >= 1 && b[0] == CACHE_SEALED && sk != NULL)
			res = unseal(b + 1, n - 1, pk, sk, out);
		else if (n >= 1 && b[0] == CACHE_PLAIN && sk == NULL)
			buf_add(out, b + 1, n - 1);
		else
			res = 0;
	}
	mi_done(st);
	return res;
}
