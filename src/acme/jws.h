/* JSON Web Signatures for ACME (RFC 8555 6.2, RFC 7515/7517/7638): the
 * account key is ECDSA P-256, requests are signed ES256 in the flattened
 * JSON serialization. No I/O besides the key file helpers. */
#ifndef AMB_ACME_JWS_H
#define AMB_ACME_JWS_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "common/buf.h"

/* base64url without padding (RFC 7515 2), appended to out. */
void acme_b64url(const void *data, size_t len, struct buf *out);

/* A fresh ECDSA P-256 key; NULL only if OpenSSL fails. */
EVP_PKEY *acme_key_new(void);
/* PEM (PKCS#8) of a private key, and back; NULL for anything that is not
 * an EC P-256 key. */
bool acme_key_to_pem(EVP_PKEY *key, struct buf *out);
EVP_PKEY *acme_key_from_pem(const char *pem, size_t len);

/* The public JWK with members in RFC 7638 order, no whitespace:
 * {"crv":"P-256","kty":"EC","x":"...","y":"..."}. */
bool acme_jwk(EVP_PKEY *key, struct buf *out);
/* RFC 7638 thumbprint: base64url(SHA-256(JWK)). */
bool acme_thumbprint(EVP_PKEY *key, struct buf *out);
/* RFC 8555 8.1: token "." thumbprint. */
bool acme_key_authorization(EVP_PKEY *key, const char *token, struct buf *out);

/* The JWS body of one request. kid is the account URL, or NULL to embed
 * the JWK (newAccount). payload NULL means POST-as-GET (empty payload). */
bool acme_jws(EVP_PKEY *key, const char *kid, const char *nonce,
    const char *url, const char *payload, struct buf *out);

#endif
