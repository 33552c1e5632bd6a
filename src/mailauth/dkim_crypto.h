/* The signature step of DKIM over the canonical header data: RSA with
 * PKCS#1 v1.5 over SHA-256 (or SHA-1, verify only), and Ed25519 over the
 * SHA-256 digest of the data (RFC 8463 3). */
#ifndef AMB_DKIM_CRYPTO_H
#define AMB_DKIM_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "mailauth/dkim_sig.h"

#define DKIM_MAX_SIG_LEN 1024

/* The algorithm a key signs with: RSA -> rsa-sha256, Ed25519 ->
 * ed25519-sha256. False for other key types. */
bool dkim_key_alg(EVP_PKEY *key, enum dkim_alg *alg);
const char *dkim_alg_name(enum dkim_alg alg);

/* sig has room for DKIM_MAX_SIG_LEN bytes. */
bool dkim_crypto_sign(EVP_PKEY *key, const void *data, size_t n,
    unsigned char *sig, size_t *siglen);
bool dkim_crypto_verify(EVP_PKEY *key, enum dkim_alg alg, const void *data,
    size_t n, const unsigned char *sig, size_t siglen);

#endif
