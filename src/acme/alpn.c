/* The TLS side of TLS-ALPN-01 (RFC 8737 3): only "acme-tls/1" is
 * negotiated, and the certificate is chosen by SNI from the challenge
 * directory, so nothing but a validation server gets a handshake. */
#include "acme/challenge.h"

#include <string.h>

#include <openssl/pem.h>

#include "common/str.h"

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	static const unsigned char want[] = "\x0a" "acme-tls/1";
	unsigned char *sel = NULL;
	if (SSL_select_next_proto(&sel, outlen, want, sizeof want - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* RFC 8737 3: the validation certificate goes only to a client that
 * offers acme-tls/1; one that offers no ALPN at all would otherwise get
 * it, since the selection callback is not called then. */
static int offers_acme_tls(SSL *ssl, int *alert, void *arg)
{
	(void)arg;
	const unsigned char *p;
	size_t len;
	*alert = SSL_AD_NO_APPLICATION_PROTOCOL;
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation,
	    &p, &len) != 1 || len < 2 || (size_t)(p[0] << 8 | p[1]) != len - 2)
		return SSL_CLIENT_HELLO_ERROR;
	for (size_t i = 2; i < len; i += 1 + (size_t)p[i])
		if (p[i] == 10 && i + 11 <= len && memcmp(p + i + 1, "acme-tls/1", 10) == 0)
			return SSL_CLIENT_HELLO_SUCCESS;
	return SSL_CLIENT_HELLO_ERROR;
}

static bool use_pem(SSL *ssl, const struct buf *pem)
{
	BIO *bio = BIO_new_mem_buf(pem->data, (int)pem->len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	EVP_PKEY *key = x ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	bool ok = key && SSL_use_certificate(ssl, x) == 1 &&
	    SSL_use_PrivateKey(ssl, key) == 1;
	X509_free(x);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return ok;
}

static int select_cert(SSL *ssl, int *alert, void *arg)
{
	int dirfd = *(int *)arg;
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	char name[256];
	struct buf pem = BUF_INIT;
	*alert = SSL_AD_UNRECOGNIZED_NAME;
	if (sni == NULL || !str_copy(name, sizeof name, sni))
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	str_lower_ascii(name);
	bool ok = acme_chal_read(dirfd, ACME_CHAL_ALPN, name, &pem) &&
	    use_pem(ssl, &pem);
	buf_free(&pem);
	return ok ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void free_fd_box(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	OPENSSL_free(ptr);
}

SSL_CTX *acme_alpn_ctx_new(int dirfd)
{
	static int idx = -1;
	if (idx < 0)
		idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_fd_box);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int *box = OPENSSL_malloc(sizeof *box);
	if (ctx == NULL || box == NULL || idx < 0 ||
	    SSL_CTX_set_ex_data(ctx, idx, box) != 1) {
		OPENSSL_free(box);
		SSL_CTX_free(ctx);
		return NULL;
	}
	*box = dirfd;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_client_hello_cb(ctx, offers_acme_tls, NULL);
	SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
	SSL_CTX_set_tlsext_servername_callback(ctx, select_cert);
	SSL_CTX_set_tlsext_servername_arg(ctx, box);
	return ctx;
}
