#include "mailauth/dkim_crypto.h"

#include <openssl/sha.h>

bool dkim_key_alg(EVP_PKEY *key, enum dkim_alg *alg)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		*alg = DKIM_ALG_RSA_SHA256;
		return true;
	case EVP_PKEY_ED25519:
		*alg = DKIM_ALG_ED25519_SHA256;
		return true;
	default:
		return false;
	}
}

const char *dkim_alg_name(enum dkim_alg alg)
{
	switch (alg) {
	case DKIM_ALG_RSA_SHA256:     return "rsa-sha256";
	case DKIM_ALG_ED25519_SHA256: return "ed25519-sha256";
	case DKIM_ALG_RSA_SHA1:       return "rsa-sha1";
	}
	return "?";
}

/* What the signature covers: the data itself for RSA (the digest is part
 * of the scheme), its SHA-256 for Ed25519 (RFC 8463 3). */
static const void *signed_input(EVP_PKEY *key, const void *data, size_t *n,
    unsigned char digest[SHA256_DIGEST_LENGTH], const EVP_MD **md,
    enum dkim_alg alg)
{
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
		SHA256(data, *n, digest);
		*n = SHA256_DIGEST_LENGTH;
		*md = NULL;
		return digest;
	}
	*md = alg == DKIM_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
	return data;
}

bool dkim_crypto_sign(EVP_PKEY *key, const void *data, size_t n,
    unsigned char *sig, size_t *siglen)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	const EVP_MD *md;
	enum dkim_alg alg;
	if (!dkim_key_alg(key, &alg))
		return false;
	const void *in = signed_input(key, data, &n, digest, &md, alg);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = 0;
	bool ok = ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, NULL, &len, in, n) == 1 &&
	    len <= DKIM_MAX_SIG_LEN &&
	    EVP_DigestSign(ctx, sig, &len, in, n) == 1;
	*siglen = len;
	EVP_MD_CTX_free(ctx);
	return ok;
}

bool dkim_crypto_verify(EVP_PKEY *key, enum dkim_alg alg, const void *data,
    size_t n, const unsigned char *sig, size_t siglen)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	const EVP_MD *md;
	const void *in = signed_input(key, data, &n, digest, &md, alg);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, in, n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}
