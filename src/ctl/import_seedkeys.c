/* The seed's DKIM keys (rspamd's <domain>.<selector>.key files) and
 * acme.sh's certificate, key and account, taken over. */
#include "ctl/import_seed.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/fileutil.h"
#include "mail/address.h"
#include "store/dkimkeys.h"

static int no_passphrase(char *b, int size, int rw, void *u)
{
	(void)b, (void)size, (void)rw, (void)u;
	return -1;
}

static bool import_key(const char *path, const char *dkim_dir,
    struct dkimkeys *ks, const char *sel, struct buf *err)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].selector, sel) == 0)
			return true;        /* an earlier run took it */
	struct buf text = BUF_INIT;
	struct stat st;
	bool ok = file_read_all(path, DKIMKEYS_FOREIGN_MAX, &text, err) &&
	    stat(path, &st) == 0;
	EVP_PKEY *key = ok ? dkimkeys_parse_foreign(text.data, text.len) : NULL;
	if (ok && key == NULL) {
		buf_printf(err, "%s: not a private key this can read", path);
		ok = false;
	}
	ok = ok && dkimkeys_add_key(dkim_dir, ks, sel, key, (long long)st.st_mtime,
	    (long long)time(NULL), err);
	if (ok)
		printf("dkim: %s selector %s imported\n", ks->domain, sel);
	EVP_PKEY_free(key);
	buf_free(&text);
	return ok;
}

/* domain is spelled as in the seed (and its file names); our key store
 * names domains in A-label form. */
static bool import_domain(const char *src, const char *dkim_dir,
    const char *domain, struct buf *err)
{
	struct dkimkeys ks;
	struct buf canon = BUF_INIT, ascii = BUF_INIT;
	bool loaded = addr_canon_domain(domain, &canon, err) &&
	    addr_domain_ascii(canon.data, &ascii, err) &&
	    dkimkeys_load(dkim_dir, ascii.data, &ks, err);
	buf_free(&canon);
	buf_free(&ascii);
	if (!loaded)
		return false;
	DIR *d = opendir(src);
	struct dirent *e;
	bool ok = d != NULL;
	if (!ok)
		buf_printf(err, "%s: %s", src, strerror(errno));
	while (ok && (e = readdir(d)) != NULL) {
		char sel[DKIMKEYS_SEL_MAX + 1];
		if (!dkimkeys_foreign_selector(e->d_name, domain, sel, sizeof sel))
			continue;
		struct buf path = BUF_INIT;
		buf_printf(&path, "%s/%s", src, e->d_name);
		ok = import_key(path.data, dkim_dir, &ks, sel, err);
		buf_free(&path);
	}
	if (d != NULL)
		closedir(d);
	dkimkeys_free(&ks);
	return ok;
}

bool seed_dkim_import(const char *src, const char *dkim_dir,
    char *const *domains, size_t ndomains, struct buf *err)
{
	for (size_t i = 0; i < ndomains; i++)
		if (!import_domain(src, dkim_dir, domains[i], err))
			return false;
	return true;
}

static X509 *read_cert(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	X509 *c = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	return c;
}

static EVP_PKEY *read_key(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase,
	    NULL) : NULL;
	BIO_free(bio);
	return k;
}

/* Copies a file, keeping what was there as path.before-import. */
static bool install(const char *from, const char *to, int mode,
    struct buf *err)
{
	struct buf data = BUF_INIT, keep = BUF_INIT;
	buf_printf(&keep, "%s.before-import", to);
	bool ok = file_read_all(from, 1 << 20, &data, err);
	if (ok && file_exists(to) && !file_exists(keep.data) &&
	    rename(to, keep.data) != 0) {
		buf_printf(err, "%s: %s", to, strerror(errno));
		ok = false;
	}
	ok = ok && file_write_atomic(to, data.data, data.len, mode, err);
	buf_free(&data);
	buf_free(&keep);
	return ok;
}

/* acme.sh keeps its account key at ca/<server>/account.key. */
static bool account_key(const char *src, const char *state_dir,
    struct buf *err)
{
	struct buf ca = BUF_INIT, to = BUF_INIT;
	buf_printf(&ca, "%s/ca", src);
	buf_printf(&to, "%s/acme/account.key", state_dir);
	DIR *d = opendir(ca.data);
	struct dirent *e;
	bool ok = true, done = file_exists(to.data);
	while (d != NULL && !done && ok && (e = readdir(d)) != NULL) {
		struct buf k = BUF_INIT;
		buf_printf(&k, "%s/%s/account.key", ca.data, e->d_name);
		if (e->d_name[0] != '.' && file_exists(k.data)) {
			ok = install(k.data, to.data, 0600, err);
			done = true;
		}
		buf_free(&k);
	}
	if (d != NULL)
		closedir(d);
	buf_free(&ca);
	buf_free(&to);
	return ok;
}

bool seed_acme_import(const char *src, const char *state_dir,
    const char *tls_cert, const char *tls_key, struct buf *err)
{
	struct buf cert = BUF_INIT, key = BUF_INIT;
	buf_printf(&cert, "%s/fullchain.cer", src);
	buf_printf(&key, "%s/private.key", src);
	bool ok = true;
	if (file_exists(cert.data) || file_exists(key.data)) {
		X509 *c = read_cert(cert.data);
		EVP_PKEY *k = read_key(key.data);
		ok = c != NULL && k != NULL && X509_check_private_key(c, k) == 1;
		if (!ok)
			buf_printf(err, "%s: fullchain.cer and private.key are not a "
			    "certificate and its key", src);
		X509_free(c);
		EVP_PKEY_free(k);
		ok = ok && install(key.data, tls_key, 0600, err) &&
		    install(cert.data, tls_cert, 0644, err);
		if (ok)
			printf("tls: certificate and key of %s installed\n", src);
	}
	ok = ok && account_key(src, state_dir, err);
	buf_free(&cert);
	buf_free(&key);
	return ok;
}
