/* DKIM keys written by other software (the seed's rspamd), sans I/O. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "store/dkimkeys_int.h"

static int no_passphrase(char *b, int size, int rw, void *u)
{
	(void)b, (void)size, (void)rw, (void)u;
	return -1;
}

EVP_PKEY *dkimkeys_parse_foreign(const char *text, size_t len)
{
	if (len == 0 || len > DKIMKEYS_FOREIGN_MAX)
		return NULL;
	if (memmem(text, len, "-----BEGIN", 10) != NULL) {
		BIO *bio = BIO_new_mem_buf(text, (int)len);
		EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase,
		    NULL) : NULL;
		BIO_free(bio);
		int id = k ? EVP_PKEY_get_base_id(k) : 0;
		if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
			EVP_PKEY_free(k);
			k = NULL;
		}
		/* A failed parse leaves errors for the next OpenSSL call. */
		if (k == NULL)
			ERR_clear_error();
		return k;
	}
	/* base64 of the seed, or of seed || public key; treesutil -s printed
	 * "seed public-key": the first word counts. */
	size_t n = 0;
	while (n < len && text[n] != ' ' && text[n] != '\t' && text[n] != '\r' &&
	    text[n] != '\n')
		n++;
	unsigned char raw[64];
	size_t rawlen = 0;
	const char *end = NULL;
	EVP_PKEY *k = NULL;
	if (sodium_base642bin(raw, sizeof raw, text, n, NULL, &rawlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && end == text + n &&
	    (rawlen == 32 || rawlen == 64))
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, 32);
	sodium_memzero(raw, sizeof raw);
	return k;
}

bool dkimkeys_foreign_selector(const char *file, const char *domain,
    char *sel, size_t selsz)
{
	size_t dl = strlen(domain), fl = strlen(file);
	if (dl == 0 || fl <= dl + 5 || strncmp(file, domain, dl) != 0 ||
	    file[dl] != '.' || strcmp(file + fl - 4, ".key") != 0)
		return false;
	size_t sl = fl - dl - 5;
	if (sl == 0 || sl >= selsz || memchr(file + dl + 1, '.', sl) != NULL)
		return false;
	memcpy(sel, file + dl + 1, sl);
	sel[sl] = '\0';
	/* Only what the key store takes as a selector. */
	return dkimkeys_name_ok(sel, DKIMKEYS_SEL_MAX);
}
