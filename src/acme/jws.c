#include "acme/jws.h"

#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <sodium.h>

void acme_b64url(const void *data, size_t len, struct buf *out)
{
	size_t n = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	buf_reserve(out, n);
	sodium_bin2base64(out->data + out->len, n, data, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out->len += n - 1;
}

EVP_PKEY *acme_key_new(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

bool acme_key_to_pem(EVP_PKEY *key, struct buf *out)
{
	/* A secure-memory BIO is wiped when freed; out is wiped by buf_free. */
	BIO *bio = BIO_new(BIO_s_secmem());
	char *p;
	bool ok = bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	long n = ok ? BIO_get_mem_data(bio, &p) : 0;
	if (n > 0)
		buf_add(out, p, (size_t)n);
	BIO_free(bio);
	return n > 0;
}

static bool is_p256(EVP_PKEY *key)
{
	char group[32];
	size_t glen;
	return EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	        group, sizeof group, &glen) && strcmp(group, "prime256v1") == 0;
}

EVP_PKEY *acme_key_from_pem(const char *pem, size_t len)
{
	if (len > 64 * 1024)
		return NULL;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (key != NULL && !is_p256(key)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

/* The affine coordinates, 32 bytes each, from the uncompressed point. */
static bool coords(EVP_PKEY *key, unsigned char x[32], unsigned char y[32])
{
	unsigned char pt[65];
	size_t n = 0;
	if (!is_p256(key) || !EVP_PKEY_get_octet_string_param(key,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n))
		return false;
	if (n != 65 || pt[0] != 0x04) {
		/* Keys loaded from PEM may keep the compressed form. */
		if (EVP_PKEY_set_utf8_string_param(key,
		    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed") != 1 ||
		    !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
		    pt, sizeof pt, &n) || n != 65 || pt[0] != 0x04)
			return false;
	}
	memcpy(x, pt + 1, 32);
	memcpy(y, pt + 33, 32);
	return true;
}

bool acme_jwk(EVP_PKEY *key, struct buf *out)
{
	unsigned char x[32], y[32];
	if (!coords(key, x, y))
		return false;
	buf_addstr(out, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"");
	acme_b64url(x, 32, out);
	buf_addstr(out, "\",\"y\":\"");
	acme_b64url(y, 32, out);
	buf_addstr(out, "\"}");
	return true;
}

bool acme_thumbprint(EVP_PKEY *key, struct buf *out)
{
	struct buf jwk = BUF_INIT;
	unsigned char md[32];
	bool ok = acme_jwk(key, &jwk) &&
	    EVP_Digest(jwk.data, jwk.len, md, NULL, EVP_sha256(), NULL) == 1;
	if (ok)
		acme_b64url(md, sizeof md, out);
	buf_free(&jwk);
	return ok;
}

bool acme_key_authorization(EVP_PKEY *key, const char *token, struct buf *out)
{
	buf_addstr(out, token);
	buf_addch(out, '.');
	return acme_thumbprint(key, out);
}

/* ES256 wants r || s, 32 bytes each, not the DER OpenSSL produces. */
static bool sign_es256(EVP_PKEY *key, const char *input, size_t len,
    unsigned char sig[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	size_t dlen = sizeof der;
	bool ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(md, der, &dlen, (const unsigned char *)input, len) == 1;
	EVP_MD_CTX_free(md);
	const unsigned char *p = der;
	ECDSA_SIG *es = ok ? d2i_ECDSA_SIG(NULL, &p, (long)dlen) : NULL;
	ok = es != NULL &&
	    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) == 32 &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) == 32;
	ECDSA_SIG_free(es);
	return ok;
}

static bool protected_header(EVP_PKEY *key, const char *kid, const char *nonce,
    const char *url, struct buf *out)
{
	json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "nonce", nonce,
	    "url", url);
	bool ok = h != NULL;
	if (ok && kid != NULL) {
		ok = json_object_set_new(h, "kid", json_string(kid)) == 0;
	} else if (ok) {
		struct buf jwk = BUF_INIT;
		json_t *j = acme_jwk(key, &jwk) ? json_loads(jwk.data, 0, NULL) : NULL;
		ok = j != NULL && json_object_set_new(h, "jwk", j) == 0;
		buf_free(&jwk);
	}
	char *s = ok ? json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (s != NULL)
		acme_b64url(s, strlen(s), out);
	free(s);
	json_decref(h);
	return s != NULL;
}

bool acme_jws(EVP_PKEY *key, const char *kid, const char *nonce,
    const char *url, const char *payload, struct buf *out)
{
	struct buf input = BUF_INIT;
	unsigned char sig[64];
	if (nonce == NULL || url == NULL ||
	    !protected_header(key, kid, nonce, url, &input)) {
		buf_free(&input);
		return false;
	}
	size_t plen = input.len;
	buf_addch(&input, '.');
	if (payload != NULL)
		acme_b64url(payload, strlen(payload), &input);
	bool ok = sign_es256(key, input.data, input.len, sig);
	if (ok) {
		buf_printf(out, "{\"protected\":\"%.*s\",\"payload\":\"%s\","
		    "\"signature\":\"", (int)plen, input.data, input.data + plen + 1);
		acme_b64url(sig, sizeof sig, out);
		buf_addstr(out, "\"}");
	}
	buf_free(&input);
	return ok;
}
