/* ACME signing pieces: JWK, thumbprint (checked against values computed
 * independently with Python's hashlib), key authorization, the JWS
 * itself (its ES256 signature verified), CSR and the TLS-ALPN-01 cert. */
#include "t.h"

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "acme/jws.h"
#include "acme/x509.h"

static const char key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgA5Ua+XiwIIV7WPHF\n"
    "9hJlFicY52AfKCquMtQJOxKW23KhRANCAAQNVPQ67hovkmTCW1PO7cNAPuHqKVGC\n"
    "chLAVicDCXl5YgnxcmaN46HX/KOZZG98STbAO0orMHtu1KRD0UK6VWE4\n"
    "-----END PRIVATE KEY-----\n";

static EVP_PKEY *fixed_key(void)
{
	return acme_key_from_pem(key_pem, sizeof key_pem - 1);
}

TEST(acme_jwk_and_thumbprint)
{
	EVP_PKEY *k = fixed_key();
	struct buf jwk = BUF_INIT, tp = BUF_INIT, ka = BUF_INIT;
	CHECK(k != NULL);
	CHECK(acme_jwk(k, &jwk));
	CHECK_STR(jwk.data, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":"
	    "\"DVT0Ou4aL5JkwltTzu3DQD7h6ilRgnISwFYnAwl5eWI\",\"y\":"
	    "\"CfFyZo3jodf8o5lkb3xJNsA7Siswe27UpEPRQrpVYTg\"}");
	CHECK(acme_thumbprint(k, &tp));
	CHECK_STR(tp.data, "Qa4GFFIcAgO8owUC4nfeWiwV4tAkdEYM5-aNe4jTBng");
	CHECK(acme_key_authorization(k, "tok-EN_1", &ka));
	CHECK_STR(ka.data, "tok-EN_1.Qa4GFFIcAgO8owUC4nfeWiwV4tAkdEYM5-aNe4jTBng");
	buf_free(&jwk);
	buf_free(&tp);
	buf_free(&ka);
	EVP_PKEY_free(k);
}

TEST(acme_key_pem_roundtrip_and_refusals)
{
	EVP_PKEY *k = acme_key_new();
	struct buf pem = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	CHECK(k != NULL && acme_key_to_pem(k, &pem));
	EVP_PKEY *k2 = acme_key_from_pem(pem.data, pem.len);
	CHECK(k2 != NULL && acme_jwk(k, &a) && acme_jwk(k2, &b));
	CHECK_STR(a.data, b.data);
	CHECK(acme_key_from_pem("junk", 4) == NULL);
	CHECK(acme_key_from_pem(pem.data, pem.len / 2) == NULL);
	/* An Ed25519 key is a valid key but not an account key. */
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct buf edpem = BUF_INIT;
	CHECK(ed != NULL && acme_key_to_pem(ed, &edpem));
	CHECK(acme_key_from_pem(edpem.data, edpem.len) == NULL);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	buf_free(&pem);
	buf_free(&edpem);
	buf_free(&a);
	buf_free(&b);
}

static json_t *b64json(const char *s)
{
	unsigned char bin[2048];
	size_t n;
	if (sodium_base642bin(bin, sizeof bin, s, strlen(s), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	return json_loadb((const char *)bin, n, 0, NULL);
}

static bool verify_es256(EVP_PKEY *k, const char *prot, const char *payload,
    const char *sig64)
{
	unsigned char raw[64], der[80], *p = der;
	size_t n;
	if (sodium_base642bin(raw, sizeof raw, sig64, strlen(sig64), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || n != 64)
		return false;
	ECDSA_SIG *es = ECDSA_SIG_new();
	ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL));
	int dlen = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	struct buf in = BUF_INIT;
	buf_printf(&in, "%s.%s", prot, payload);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestVerify(md, der, (size_t)dlen, (unsigned char *)in.data, in.len) == 1;
	EVP_MD_CTX_free(md);
	buf_free(&in);
	return ok;
}

TEST(acme_jws_signs_and_carries_kid_or_jwk)
{
	EVP_PKEY *k = fixed_key();
	struct buf out = BUF_INIT;
	CHECK(acme_jws(k, NULL, "n0nce", "https://a.test/new-acct", "{\"x\":1}", &out));
	json_t *j = json_loads(out.data, 0, NULL);
	const char *prot = json_string_value(json_object_get(j, "protected"));
	const char *pay = json_string_value(json_object_get(j, "payload"));
	const char *sig = json_string_value(json_object_get(j, "signature"));
	CHECK(prot && pay && sig && verify_es256(k, prot, pay, sig));
	json_t *h = prot ? b64json(prot) : NULL;
	CHECK_STR(json_string_value(json_object_get(h, "alg")), "ES256");
	CHECK_STR(json_string_value(json_object_get(h, "nonce")), "n0nce");
	CHECK_STR(json_string_value(json_object_get(h, "url")), "https://a.test/new-acct");
	CHECK(json_is_object(json_object_get(h, "jwk")) && !json_object_get(h, "kid"));
	json_decref(h);
	json_decref(j);
	/* With a kid, and POST-as-GET: empty payload. */
	buf_reset(&out);
	CHECK(acme_jws(k, "https://a.test/acct/1", "n1", "https://a.test/o", NULL, &out));
	j = json_loads(out.data, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(j, "payload")), "");
	h = b64json(json_string_value(json_object_get(j, "protected")));
	CHECK_STR(json_string_value(json_object_get(h, "kid")), "https://a.test/acct/1");
	CHECK(json_object_get(h, "jwk") == NULL);
	CHECK(!acme_jws(k, NULL, NULL, "https://a.test/", NULL, &out));
	json_decref(h);
	json_decref(j);
	buf_free(&out);
	EVP_PKEY_free(k);
}

TEST(acme_csr_names_and_signature)
{
	EVP_PKEY *k = acme_key_new();
	const char *names[] = { "mail.example.test", "mta-sts.example.test" };
	struct buf der = BUF_INIT;
	CHECK(acme_csr_der(k, names, 2, &der));
	const unsigned char *p = (const unsigned char *)der.data;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)der.len);
	CHECK(req != NULL && X509_REQ_verify(req, k) == 1);
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gens = NULL;
	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, i)))
		    == NID_subject_alt_name)
			gens = X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, i));
	CHECK(gens != NULL && sk_GENERAL_NAME_num(gens) == 2);
	for (int i = 0; gens && i < 2; i++) {
		int type;
		ASN1_IA5STRING *s = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i), &type);
		CHECK(type == GEN_DNS);
		CHECK_STR((const char *)ASN1_STRING_get0_data(s), names[i]);
	}
	const char *longcn[] = { "a-name-that-is-far-too-long-to-be-a-common-name-in-x509.example.test" };
	CHECK(!acme_csr_der(k, longcn, 1, &der));
	CHECK(!acme_csr_der(k, names, 0, &der));
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	buf_free(&der);
}

TEST(acme_alpn_cert_has_critical_acme_identifier)
{
	struct buf pem = BUF_INIT;
	const char *ka = "tok.thumb";
	CHECK(acme_alpn_cert_pem("mail.example.test", ka, &pem));
	BIO *bio = BIO_new_mem_buf(pem.data, (int)pem.len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	CHECK(x != NULL && key != NULL && X509_check_private_key(x, key) == 1);
	CHECK(X509_check_host(x, "mail.example.test", 0, 0, NULL) == 1);
	ASN1_OBJECT *oid = OBJ_txt2obj(ACME_OID_ACME_IDENTIFIER, 1);
	int at = X509_get_ext_by_OBJ(x, oid, -1);
	CHECK(at >= 0);
	X509_EXTENSION *ext = at >= 0 ? X509_get_ext(x, at) : NULL;
	CHECK(ext != NULL && X509_EXTENSION_get_critical(ext) == 1);
	unsigned char want[34] = { 0x04, 0x20 };
	EVP_Digest(ka, strlen(ka), want + 2, NULL, EVP_sha256(), NULL);
	ASN1_OCTET_STRING *v = ext ? X509_EXTENSION_get_data(ext) : NULL;
	CHECK(v != NULL);
	if (v)
		CHECK_MEM(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v),
		    want, sizeof want);
	ASN1_OBJECT_free(oid);
	X509_free(x);
	EVP_PKEY_free(key);
	BIO_free(bio);
	buf_free(&pem);
}
