/* The TLS-ALPN-01 responder context, in memory: a validation client
 * (SNI + ALPN acme-tls/1) gets the challenge certificate; a client
 * without that ALPN, or asking for another name, gets no handshake. */
#include "t.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "acme/challenge.h"
#include "acme/x509.h"

/* Runs the handshake over a BIO pair; the peer certificate on success. */
static X509 *handshake(SSL_CTX *server_ctx, const char *sni, const char *alpn)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *c = SSL_new(cctx), *s = SSL_new(server_ctx);
	BIO *cb, *sb;
	BIO_new_bio_pair(&cb, 0, &sb, 0);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	if (sni)
		SSL_set_tlsext_host_name(c, sni);
	if (alpn) {
		unsigned char wire[64];
		wire[0] = (unsigned char)strlen(alpn);
		memcpy(wire + 1, alpn, strlen(alpn));
		SSL_set_alpn_protos(c, wire, (unsigned)strlen(alpn) + 1);
	}
	int rc = 0, rs = 0;
	for (int i = 0; i < 20 && (rc != 1 || rs != 1); i++) {
		rc = SSL_do_handshake(c);
		rs = SSL_do_handshake(s);
		if ((rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) ||
		    (rs <= 0 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ))
			break;
	}
	X509 *peer = rc == 1 && rs == 1 ? SSL_get1_peer_certificate(c) : NULL;
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	return peer;
}

TEST(acme_alpn_responder)
{
	const char *dir = t_tmpdir();
	struct buf pem = BUF_INIT, err = BUF_INIT;
	CHECK(acme_alpn_cert_pem("mail.example.test", "tok.thumb", &pem));
	CHECK(acme_chal_publish(dir, ACME_CHAL_ALPN, "mail.example.test", pem.data,
	    pem.len, &err));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	SSL_CTX *ctx = acme_alpn_ctx_new(fd);
	CHECK(ctx != NULL);
	X509 *peer = handshake(ctx, "MAIL.example.test", "acme-tls/1");
	CHECK(peer != NULL);
	ASN1_OBJECT *oid = OBJ_txt2obj(ACME_OID_ACME_IDENTIFIER, 1);
	CHECK(peer && X509_get_ext_by_OBJ(peer, oid, -1) >= 0);
	X509_free(peer);
	CHECK(handshake(ctx, "mail.example.test", NULL) == NULL);
	CHECK(handshake(ctx, "mail.example.test", "h2") == NULL);
	CHECK(handshake(ctx, "other.example.test", "acme-tls/1") == NULL);
	CHECK(handshake(ctx, "../x", "acme-tls/1") == NULL);
	CHECK(handshake(ctx, NULL, "acme-tls/1") == NULL);
	ASN1_OBJECT_free(oid);
	SSL_CTX_free(ctx);
	close(fd);
	buf_free(&pem);
	buf_free(&err);
}
