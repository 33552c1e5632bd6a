#include "acme/x509.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme/jws.h"

/* subjectAltName with every name as a dNSName. */
static X509_EXTENSION *san_ext(const char *const *names, size_t n)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	bool ok = gens != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		ok = g && s && ASN1_STRING_set(s, names[i], -1) == 1;
		if (ok) {
			GENERAL_NAME_set0_value(g, GEN_DNS, s);
			ok = sk_GENERAL_NAME_push(gens, g) > 0;
			if (!ok)
				GENERAL_NAME_free(g);
		} else {
			GENERAL_NAME_free(g);
			ASN1_IA5STRING_free(s);
		}
	}
	X509_EXTENSION *ext = ok ? X509V3_EXT_i2d(NID_subject_alt_name, 0, gens) : NULL;
	GENERAL_NAMES_free(gens);
	return ext;
}

static X509_NAME *cn_name(const char *cn)
{
	X509_NAME *nm = X509_NAME_new();
	if (nm && X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1) {
		X509_NAME_free(nm);
		nm = NULL;
	}
	return nm;
}

bool acme_csr_der(EVP_PKEY *key, const char *const *names, size_t n,
    struct buf *out)
{
	if (n == 0 || strlen(names[0]) > 64)  /* a CN is at most 64 bytes */
		return false;
	X509_REQ *req = X509_REQ_new();
	X509_NAME *nm = cn_name(names[0]);
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *san = san_ext(names, n);
	bool ok = req && nm && exts && san && X509_REQ_set_version(req, 0) == 1 &&
	    X509_REQ_set_subject_name(req, nm) == 1 &&
	    X509_REQ_set_pubkey(req, key) == 1 &&
	    sk_X509_EXTENSION_push(exts, san) > 0;
	if (ok)
		san = NULL;   /* now owned by exts */
	ok = ok && X509_REQ_add_extensions(req, exts) == 1 &&
	    X509_REQ_sign(req, key, EVP_sha256()) > 0;
	unsigned char *der = NULL;
	int len = ok ? i2d_X509_REQ(req, &der) : -1;
	if (len > 0)
		buf_add(out, der, (size_t)len);
	OPENSSL_free(der);
	X509_EXTENSION_free(san);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	return len > 0;
}

/* extnValue is the DER of Authorization ::= OCTET STRING (SIZE (32)). */
static X509_EXTENSION *acme_id_ext(const char *key_authorization)
{
	unsigned char der[34] = { 0x04, 0x20 };
	if (EVP_Digest(key_authorization, strlen(key_authorization), der + 2,
	    NULL, EVP_sha256(), NULL) != 1)
		return NULL;
	ASN1_OBJECT *obj = OBJ_txt2obj(ACME_OID_ACME_IDENTIFIER, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	if (obj && os && ASN1_OCTET_STRING_set(os, der, sizeof der) == 1)
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	return ext;
}

static bool fill_cert(X509 *x, EVP_PKEY *key, const char *name, const char *ka)
{
	X509_NAME *nm = cn_name(strlen(name) <= 64 ? name : "acme-tls-alpn");
	X509_EXTENSION *san = san_ext(&name, 1), *id = acme_id_ext(ka);
	bool ok = nm && san && id && X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
	    X509_set_subject_name(x, nm) == 1 && X509_set_issuer_name(x, nm) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 7 * 24 * 3600) &&
	    X509_set_pubkey(x, key) == 1 && X509_add_ext(x, san, -1) == 1 &&
	    X509_add_ext(x, id, -1) == 1 && X509_sign(x, key, EVP_sha256()) > 0;
	X509_NAME_free(nm);
	X509_EXTENSION_free(san);
	X509_EXTENSION_free(id);
	return ok;
}

bool acme_alpn_cert_pem(const char *name, const char *key_authorization,
    struct buf *out)
{
	EVP_PKEY *key = acme_key_new();
	X509 *x = X509_new();
	BIO *bio = BIO_new(BIO_s_mem());
	bool ok = key && x && bio && fill_cert(x, key, name, key_authorization) &&
	    PEM_write_bio_X509(bio, x) == 1;
	char *p;
	long n = ok ? BIO_get_mem_data(bio, &p) : 0;
	if (n > 0)
		buf_add(out, p, (size_t)n);
	ok = n > 0 && acme_key_to_pem(key, out);
	BIO_free(bio);
	X509_free(x);
	EVP_PKEY_free(key);
	return ok;
}
