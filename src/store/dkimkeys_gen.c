/* Key files of the DKIM key store: generation, writing, reading. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "common/fileutil.h"
#include "store/dkimkeys_int.h"

#define KEY_FILE_MAX (16 * 1024)

void dkimkeys_key_path(const char *dir, const char *domain,
    const char *selector, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s.%s.key", dir, domain, selector);
}

bool dkimkeys_give(const char *dir, const char *path, struct buf *err)
{
	struct stat st;
	if (geteuid() != 0 || stat(dir, &st) != 0 || st.st_uid == 0)
		return true;
	if (chown(path, st.st_uid, st.st_gid) != 0) {
		buf_printf(err, "%s: chown: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static bool write_key(const char *dir, const char *domain, const char *sel,
    EVP_PKEY *key, struct buf *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	struct buf path = BUF_INIT;
	char *pem = NULL;
	long len = 0;
	bool ok = bio != NULL &&
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (len = BIO_get_mem_data(bio, &pem)) > 0;
	if (!ok)
		buf_addstr(err, "dkim: cannot encode the private key");
	dkimkeys_key_path(dir, domain, sel, &path);
	ok = ok && file_write_atomic(path.data, pem, (size_t)len, 0600, err) &&
	    dkimkeys_give(dir, path.data, err);
	if (pem != NULL)
		OPENSSL_cleanse(pem, (size_t)len);
	BIO_free(bio);
	buf_free(&path);
	return ok;
}

static bool taken(const char *dir, const struct dkimkeys *ks, const char *sel)
{
	for (size_t k = 0; k < ks->n; k++)
		if (strcmp(ks->v[k].selector, sel) == 0)
			return true;
	struct buf path = BUF_INIT;
	dkimkeys_key_path(dir, ks->domain, sel, &path);
	bool t = file_exists(path.data);
	buf_free(&path);
	return t;
}

static bool prefix_free(const char *dir, const struct dkimkeys *ks,
    const char *prefix)
{
	struct buf r = BUF_INIT, e = BUF_INIT;
	buf_printf(&r, "%sr", prefix);
	buf_printf(&e, "%se", prefix);
	bool ok = dkimkeys_name_ok(r.data, DKIMKEYS_SEL_MAX) &&
	    !taken(dir, ks, r.data) && !taken(dir, ks, e.data);
	buf_free(&r);
	buf_free(&e);
	return ok;
}

/* The default prefix: the month of now, then "-2", "-3", ... */
static bool choose_prefix(const char *dir, const struct dkimkeys *ks,
    long long now, struct buf *out)
{
	time_t t = (time_t)now;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL)
		return false;
	for (int n = 1; n < 1000; n++) {
		buf_reset(out);
		buf_printf(out, "%04d%02d", tm.tm_year + 1900, tm.tm_mon + 1);
		if (n > 1)
			buf_printf(out, "-%d", n);
		if (prefix_free(dir, ks, out->data))
			return true;
	}
	return false;
}

static bool add_key(const char *dir, struct dkimkeys *ks, const char *prefix,
    enum dkimkey_alg alg, long long now, struct buf *err)
{
	EVP_PKEY *key = alg == DKIMKEY_RSA ?
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
	    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct dkimkey *k = &ks->v[ks->n];
	memset(k, 0, sizeof(*k));
	snprintf(k->selector, sizeof(k->selector), "%s%c", prefix,
	    alg == DKIMKEY_RSA ? 'r' : 'e');
	k->alg = alg;
	k->active = true;
	k->created = now;
	bool ok = key != NULL && write_key(dir, ks->domain, k->selector, key, err);
	if (key == NULL)
		buf_addstr(err, "dkim: key generation failed");
	EVP_PKEY_free(key);
	if (ok)
		ks->n++;
	return ok;
}

bool dkimkeys_generate(const char *dir, struct dkimkeys *ks,
    const char *prefix, long long now, struct buf *err)
{
	struct buf pre = BUF_INIT;
	bool ok;
	if (ks->n + 2 > DKIMKEYS_MAX) {
		buf_printf(err, "dkim: %s has too many keys", ks->domain);
		return false;
	}
	if (prefix != NULL && !prefix_free(dir, ks, prefix)) {
		buf_printf(err, "dkim: selector %s is taken or invalid", prefix);
		return false;
	}
	if (prefix == NULL && !choose_prefix(dir, ks, now, &pre)) {
		buf_addstr(err, "dkim: no free selector");
		return false;
	}
	if (prefix == NULL)
		prefix = pre.data;
	size_t old = ks->n;
	ok = add_key(dir, ks, prefix, DKIMKEY_RSA, now, err) &&
	    add_key(dir, ks, prefix, DKIMKEY_ED25519, now, err);
	for (size_t k = 0; ok && k < old; k++)
		if (ks->v[k].active) {
			ks->v[k].active = false;
			ks->v[k].retired = now;
		}
	ok = ok && dkimkeys_save(dir, ks, err);
	buf_free(&pre);
	return ok;
}

bool dkimkeys_add_key(const char *dir, struct dkimkeys *ks,
    const char *selector, EVP_PKEY *key, long long created, long long now,
    struct buf *err)
{
	int id = EVP_PKEY_get_base_id(key);
	enum dkimkey_alg alg = id == EVP_PKEY_ED25519 ? DKIMKEY_ED25519 :
	    DKIMKEY_RSA;
	if (id != EVP_PKEY_ED25519 && id != EVP_PKEY_RSA) {
		buf_addstr(err, "dkim: the key is neither RSA nor Ed25519");
		return false;
	}
	if (!dkimkeys_name_ok(selector, DKIMKEYS_SEL_MAX) ||
	    taken(dir, ks, selector)) {
		buf_printf(err, "dkim: selector %s is taken or invalid", selector);
		return false;
	}
	if (ks->n + 1 > DKIMKEYS_MAX) {
		buf_printf(err, "dkim: %s has too many keys", ks->domain);
		return false;
	}
	if (!write_key(dir, ks->domain, selector, key, err))
		return false;
	for (size_t k = 0; k < ks->n; k++)
		if (ks->v[k].active && ks->v[k].alg == alg) {
			ks->v[k].active = false;
			ks->v[k].retired = now;
		}
	struct dkimkey *k = &ks->v[ks->n++];
	memset(k, 0, sizeof *k);
	snprintf(k->selector, sizeof k->selector, "%s", selector);
	k->alg = alg;
	k->active = true;
	k->created = created;
	return dkimkeys_save(dir, ks, err);
}

/* Never ask on a terminal for a passphrase: our keys have none. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

EVP_PKEY *dkimkeys_read_key(const char *dir, const char *domain,
    const char *selector, struct buf *err)
{
	struct buf path = BUF_INIT, pem = BUF_INIT;
	EVP_PKEY *key = NULL;
	if (!dkimkeys_name_ok(domain, 253) ||
	    !dkimkeys_name_ok(selector, DKIMKEYS_SEL_MAX)) {
		buf_addstr(err, "dkim: bad domain or selector");
		return NULL;
	}
	dkimkeys_key_path(dir, domain, selector, &path);
	if (file_read_all(path.data, KEY_FILE_MAX, &pem, err)) {
		BIO *bio = BIO_new_mem_buf(pem.data, (int)pem.len);
		key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase,
		    NULL) : NULL;
		BIO_free(bio);
		if (key == NULL)
			buf_printf(err, "%s: not a PEM private key", path.data);
	}
	buf_free(&pem);      /* buf_free wipes */
	buf_free(&path);
	return key;
}

bool dkimkeys_load_active(const char *dir, const char *domain,
    struct dkimkeys_active *out, struct buf *err)
{
	struct dkimkeys ks;
	memset(out, 0, sizeof(*out));
	bool ok = dkimkeys_load(dir, domain, &ks, err);
	for (size_t k = 0; ok && k < ks.n && out->n < DKIMKEYS_ACTIVE_MAX; k++) {
		if (!ks.v[k].active)
			continue;
		out->key[out->n] = dkimkeys_read_key(dir, domain, ks.v[k].selector,
		    err);
		ok = out->key[out->n] != NULL;
		memcpy(out->selector[out->n], ks.v[k].selector,
		    sizeof(out->selector[0]));
		out->n += ok;
	}
	dkimkeys_free(&ks);
	if (ok && out->n == 0) {
		buf_printf(err, "%s has no active keys", domain);
		ok = false;
	}
	if (!ok)
		dkimkeys_active_free(out);
	return ok;
}

void dkimkeys_active_free(struct dkimkeys_active *a)
{
	for (size_t k = 0; k < a->n; k++)
		EVP_PKEY_free(a->key[k]);
	a->n = 0;
}
