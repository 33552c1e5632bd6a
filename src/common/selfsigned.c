#include "common/selfsigned.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "common/fileutil.h"

static bool add_ext(X509 *crt, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, crt, crt, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	bool ok = ext != NULL && X509_add_ext(crt, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *make_cert(EVP_PKEY *key, const char *hostname, bool local)
{
	X509 *crt = X509_new();
	struct buf san = BUF_INIT;
	buf_printf(&san, "DNS:%s", hostname);
	if (local)
		buf_addstr(&san, ",DNS:localhost,IP:127.0.0.1,IP:::1");
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	bool ok = crt != NULL && RAND_bytes(serial, sizeof serial) == 1 &&
	    (serial[0] &= 0x7f, (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL) &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(crt)) != NULL &&
	    X509_set_version(crt, 2) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(crt), -3600) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(crt), 825L * 86400) != NULL &&
	    X509_set_pubkey(crt, key) == 1 &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(crt), "CN",
		MBSTRING_ASC, (const unsigned char *)hostname, -1, -1, 0) == 1 &&
	    X509_set_issuer_name(crt, X509_get_subject_name(crt)) == 1 &&
	    add_ext(crt, NID_subject_alt_name, san.data) &&
	    add_ext(crt, NID_basic_constraints, "critical,CA:FALSE") &&
	    add_ext(crt, NID_key_usage, "critical,digitalSignature") &&
	    add_ext(crt, NID_ext_key_usage, "serverAuth") &&
	    X509_sign(crt, key, EVP_sha256()) > 0;
	BN_free(bn);
	buf_free(&san);
	if (!ok) {
		X509_free(crt);
		return NULL;
	}
	return crt;
}

static bool pem_to_buf(BIO *bio, struct buf *out)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	if (n <= 0)
		return false;
	buf_add(out, p, (size_t)n);
	return true;
}

bool selfsigned_create(const char *hostname, bool local, const char *cert_path,
    const char *key_path, struct buf *err)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *crt = key ? make_cert(key, hostname, local) : NULL;
	BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
	struct buf kpem = BUF_INIT, cpem = BUF_INIT;
	bool ok = crt != NULL && kb != NULL && cb != NULL &&
	    PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    PEM_write_bio_X509(cb, crt) == 1 &&
	    pem_to_buf(kb, &kpem) && pem_to_buf(cb, &cpem);
	if (!ok) {
		buf_printf(err, "cannot create a self-signed certificate: %s",
		    ERR_reason_error_string(ERR_get_error()));
	} else {
		ok = file_write_atomic(key_path, kpem.data, kpem.len, 0600, err) &&
		    file_write_atomic(cert_path, cpem.data, cpem.len, 0644, err);
	}
	buf_free(&kpem);
	buf_free(&cpem);
	BIO_free(kb);
	BIO_free(cb);
	X509_free(crt);
	EVP_PKEY_free(key);
	return ok;
}
