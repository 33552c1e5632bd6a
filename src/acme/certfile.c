#include "acme/certfile.h"

#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"

static STACK_OF(X509) *read_chain(const char *pem, size_t len)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	BIO *bio = len <= ACME_CHAIN_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	X509 *x;
	while (bio && chain && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(chain, x) <= 0)
			X509_free(x);
	ERR_clear_error();
	BIO_free(bio);
	if (chain && sk_X509_num(chain) == 0) {
		sk_X509_free(chain);
		chain = NULL;
	}
	return chain;
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;
	return ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

/* Issued by itself (X509_check_issued would also want keyCertSign). */
static bool self_signed(X509 *x)
{
	return X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
	    X509_verify(x, X509_get0_pubkey(x)) == 1;
}

static void add_names(X509 *x, struct buf *out)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		int type;
		ASN1_STRING *s = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i), &type);
		if (type == GEN_DNS)
			buf_printf(out, "%s%.*s", out->len ? " " : "",
			    ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
	}
	GENERAL_NAMES_free(gens);
	char cn[256];
	if (out->len == 0 && X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, sizeof cn) > 0)
		buf_addstr(out, cn);
}

bool acme_cert_info(const char *pem, size_t len, struct acme_certinfo *ci,
    struct buf *err)
{
	STACK_OF(X509) *chain = read_chain(pem, len);
	if (chain == NULL) {
		buf_addstr(err, "the certificate file holds no PEM certificate");
		return false;
	}
	X509 *leaf = sk_X509_value(chain, 0);
	char *issuer = X509_NAME_oneline(X509_get_issuer_name(leaf), NULL, 0);
	buf_init(&ci->names);
	buf_init(&ci->issuer);
	add_names(leaf, &ci->names);
	buf_addstr(&ci->issuer, issuer ? issuer : "?");
	OPENSSL_free(issuer);
	ci->not_before = asn1_time(X509_get0_notBefore(leaf));
	ci->not_after = asn1_time(X509_get0_notAfter(leaf));
	ci->self_signed = self_signed(leaf);
	sk_X509_pop_free(chain, X509_free);
	return true;
}

void acme_certinfo_free(struct acme_certinfo *ci)
{
	buf_free(&ci->names);
	buf_free(&ci->issuer);
}

static bool key_matches(X509 *leaf, const char *key, size_t klen, struct buf *err)
{
	BIO *bio = klen <= ACME_KEY_MAX ? BIO_new_mem_buf(key, (int)klen) : NULL;
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	bool ok = k != NULL && X509_check_private_key(leaf, k) == 1;
	if (k == NULL)
		buf_addstr(err, "the key file holds no PEM private key");
	else if (!ok)
		buf_addstr(err, "the private key does not match the certificate");
	EVP_PKEY_free(k);
	return ok;
}

/* Partial-chain verification: the chain's own certificates after the
 * leaf are the anchors, so a complete chain verifies however it ends. */
static bool chain_ok(STACK_OF(X509) *chain, const char *hostname, struct buf *err)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *leaf = sk_X509_value(chain, 0);
	for (int i = 1; store && i < sk_X509_num(chain); i++)
		X509_STORE_add_cert(store, sk_X509_value(chain, i));
	if (sk_X509_num(chain) == 1 && self_signed(leaf))
		X509_STORE_add_cert(store, leaf);   /* a lone self-signed leaf */
	bool ok = store && ctx && X509_STORE_CTX_init(ctx, store, leaf, chain) == 1;
	if (ok) {
		X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
		X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_PARTIAL_CHAIN);
		X509_VERIFY_PARAM_set1_host(p, hostname, 0);
		ok = X509_verify_cert(ctx) == 1;
		if (!ok)
			buf_printf(err, "the certificate is not valid for %s: %s", hostname,
			    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

bool acme_check_pair(const char *chain, size_t clen, const char *key,
    size_t klen, const char *hostname, struct buf *err)
{
	STACK_OF(X509) *certs = read_chain(chain, clen);
	if (certs == NULL) {
		buf_addstr(err, "the chain file holds no PEM certificate");
		return false;
	}
	bool ok = key_matches(sk_X509_value(certs, 0), key, klen, err) &&
	    chain_ok(certs, hostname, err);
	sk_X509_pop_free(certs, X509_free);
	return ok;
}

static bool backup_one(const char *path, const char *dir, struct buf *err)
{
	struct buf data = BUF_INIT, dst = BUF_INIT;
	struct stat st;
	char *copy = xstrdup(path);
	bool ok = true;
	if (stat(path, &st) == 0) {
		buf_printf(&dst, "%s/%s", dir, basename(copy));
		ok = file_read_all(path, 1 << 20, &data, err) &&
		    file_write_atomic(dst.data, data.data, data.len,
		        (int)(st.st_mode & 0777), err);
	}
	free(copy);
	buf_free(&data);
	buf_free(&dst);
	return ok;
}

static bool make_backup_dir(const char *cert_path, struct buf *out, struct buf *err)
{
	char *copy = xstrdup(cert_path), stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", gmtime_r(&now, &tm));
	buf_printf(out, "%s/backup-%s", dirname(copy), stamp);
	free(copy);
	size_t base = out->len;
	for (int i = 2; mkdir(out->data, 0700) != 0; i++) {
		if (errno != EEXIST || i > 99) {
			buf_printf(err, "%s: %s", out->data, strerror(errno));
			return false;
		}
		out->len = base;
		buf_printf(out, "-%d", i);
	}
	return true;
}

/* Both new files are complete and synced under ".new" names before
 * either is renamed into place, so at most the instant between the two
 * renames sees a new key with the old chain. */
static bool replace_pair(const char *cert_path, const char *key_path,
    const char *chain, size_t clen, const char *key, size_t klen,
    struct buf *err)
{
	struct buf cnew = BUF_INIT, knew = BUF_INIT;
	buf_printf(&cnew, "%s.new", cert_path);
	buf_printf(&knew, "%s.new", key_path);
	bool ok = file_write_atomic(knew.data, key, klen, 0600, err) &&
	    file_write_atomic(cnew.data, chain, clen, 0644, err);
	if (ok && (rename(knew.data, key_path) != 0 ||
	    rename(cnew.data, cert_path) != 0)) {
		buf_printf(err, "cannot rename into %s: %s", cert_path, strerror(errno));
		ok = false;
	}
	if (!ok) {
		unlink(knew.data);
		unlink(cnew.data);
	}
	ok = ok && file_sync_parent(cert_path, err) &&
	    (strcmp(cert_path, key_path) == 0 || file_sync_parent(key_path, err));
	buf_free(&cnew);
	buf_free(&knew);
	return ok;
}

bool acme_install(const char *cert_path, const char *key_path,
    const char *chain, size_t clen, const char *key, size_t klen,
    struct buf *backup, struct buf *err)
{
	bool have_old = file_exists(cert_path) || file_exists(key_path);
	if (have_old && (!make_backup_dir(cert_path, backup, err) ||
	    !backup_one(cert_path, backup->data, err) ||
	    !backup_one(key_path, backup->data, err)))
		return false;
	return replace_pair(cert_path, key_path, chain, clen, key, klen, err);
}
