/* DKIM signing (RFC 6376 5, RFC 8463), sans I/O: give the header block,
 * stream the body, get DKIM-Signature fields to prepend. Every signature
 * is relaxed/relaxed with t= and covers the fields of dkim_signed_fields
 * that are present (each instance), From once more than it occurs. */
#ifndef AMB_DKIM_SIGN_H
#define AMB_DKIM_SIGN_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "common/buf.h"

#define DKIM_SIGN_MAX_KEYS 4

struct dkim_sign_key {
	const char *domain;     /* d=, ASCII (A-labels) */
	const char *selector;   /* s= */
	EVP_PKEY *pkey;         /* RSA (rsa-sha256) or Ed25519 (ed25519-sha256) */
};

extern const char *const dkim_signed_fields[];

struct dkim_signer;

/* hdr is the message's header block (the blank line may be included); it
 * is only read during this call. NULL with a reason in err for more than
 * DKIM_SIGN_MAX_KEYS keys, an unusable key or a bad domain or selector. */
struct dkim_signer *dkim_signer_new(const char *hdr, size_t len,
    const struct dkim_sign_key *keys, size_t nkeys, long long now,
    struct buf *err);
/* Feeds the body, in pieces of any size. */
void dkim_signer_body(struct dkim_signer *s, const void *p, size_t n);
/* Appends one "DKIM-Signature: ...\r\n" field per key, in key order,
 * folded into lines under 78 octets where the names allow. */
bool dkim_signer_finish(struct dkim_signer *s, struct buf *out,
    struct buf *err);
void dkim_signer_free(struct dkim_signer *s);

#endif
