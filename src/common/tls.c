#include "common/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>

/* https://wiki.mozilla.org/Security/Server_Side_TLS, "intermediate". */
static const char tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"
    "DHE-RSA-CHACHA20-POLY1305";
static const char tls13_suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

const char *tls_last_error(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : "unknown TLS error";
}

static bool load_chain(SSL_CTX *ctx, const char *pem, size_t len, struct buf *err)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *leaf = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	bool ok = leaf != NULL && SSL_CTX_use_certificate(ctx, leaf) == 1;
	X509_free(leaf);
	X509 *extra;
	while (ok && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
			X509_free(extra);
			ok = false;
		}
	ERR_clear_error();  /* the loop ends on a "no start line" error */
	BIO_free(bio);
	if (!ok)
		buf_addstr(err, "the certificate chain does not parse as PEM");
	return ok;
}

static bool load_key(SSL_CTX *ctx, const char *pem, size_t len, struct buf *err)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (key == NULL) {
		buf_addstr(err, "the private key does not parse as PEM");
		return false;
	}
	/* OpenSSL refuses a key that does not fit the certificate here. */
	bool ok = SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1;
	EVP_PKEY_free(key);
	if (!ok)
		buf_addstr(err, "the private key does not match the certificate");
	return ok;
}

SSL_CTX *tls_server_ctx_new(const char *chain_pem, size_t chain_len,
    const char *key_pem, size_t key_len, struct buf *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		buf_printf(err, "TLS: %s", tls_last_error());
		return NULL;
	}
	bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
	    SSL_CTX_set_cipher_list(ctx, tls12_ciphers) == 1 &&
	    SSL_CTX_set_ciphersuites(ctx, tls13_suites) == 1 &&
	    SSL_CTX_set1_groups_list(ctx, "X25519:prime256v1:secp384r1") == 1;
	if (!ok)
		buf_printf(err, "TLS settings refused: %s", tls_last_error());
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_dh_auto(ctx, 1);
	ok = ok && load_chain(ctx, chain_pem, chain_len, err) &&
	    load_key(ctx, key_pem, key_len, err);
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

void tls_describe(const SSL *ssl, struct buf *out)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	int alg = 0;
	int bits = c ? SSL_CIPHER_get_bits(c, &alg) : 0;
	buf_printf(out, "%s with cipher %s (%d/%d bits)", SSL_get_version(ssl),
	    c ? SSL_CIPHER_get_name(c) : "unknown", bits, alg);
}
