/* Key records: v=DKIM1 (first if present), h=, k=, n=, p=, s=, t=. */
#include "mailauth/dkim_key.h"

#include <string.h>
#include <strings.h>

#include <openssl/x509.h>

#include "mailauth/dkim_tags.h"

#define FAIL(reason) do { *why = (reason); return false; } while (0)

/* True if the colon-separated list in tag contains word. */
static bool list_has(const struct dkim_tag *t, const char *word)
{
	struct buf v = BUF_INIT;
	dkim_tag_strip_fws(t, &v);
	size_t wn = strlen(word);
	bool found = false;
	const char *p = buf_cstr(&v), *end = p + v.len;
	while (p <= end && !found) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		size_t n = colon ? (size_t)(colon - p) : (size_t)(end - p);
		found = n == wn && strncasecmp(p, word, n) == 0;
		p += n + 1;
	}
	buf_free(&v);
	return found;
}

static EVP_PKEY *decode_rsa(const unsigned char *p, size_t n)
{
	const unsigned char *q = p;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &q, (long)n);
	if (k != NULL && (q != p + n || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)) {
		EVP_PKEY_free(k);
		return NULL;
	}
	if (k == NULL) {     /* some publish a bare RSAPublicKey */
		q = p;
		k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);
		if (k != NULL && q != p + n) {
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	if (k != NULL && EVP_PKEY_get_bits(k) > DKIM_RSA_MAX_BITS) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

static bool decode_p(const struct dkim_tag *p, struct dkim_key *key,
    const char **why)
{
	unsigned char raw[DKIM_KEY_MAX_P];
	size_t n;
	if (p == NULL)
		FAIL("p= missing");
	if (p->value_len == 0)
		FAIL("key revoked");
	if (!dkim_tag_base64(p, raw, sizeof(raw), &n))
		FAIL("bad p=");
	if (key->type == DKIM_KEY_ED25519)
		key->pkey = n == 32 ? EVP_PKEY_new_raw_public_key(
		    EVP_PKEY_ED25519, NULL, raw, n) : NULL;
	else
		key->pkey = decode_rsa(raw, n);
	if (key->pkey == NULL)
		FAIL("p= is not a usable key");
	return true;
}

static bool parse_fields(const struct dkim_tags *tags, struct dkim_key *key,
    const char **why)
{
	const struct dkim_tag *v = dkim_tags_get(tags, "v");
	const struct dkim_tag *h = dkim_tags_get(tags, "h");
	const struct dkim_tag *k = dkim_tags_get(tags, "k");
	const struct dkim_tag *s = dkim_tags_get(tags, "s");
	const struct dkim_tag *t = dkim_tags_get(tags, "t");
	if (v != NULL && (v != &tags->v[0] || !dkim_tag_is(v, "DKIM1")))
		FAIL("bad v=");
	key->sha256_ok = h == NULL || list_has(h, "sha256");
	key->sha1_ok = h == NULL || list_has(h, "sha1");
	if (k == NULL || dkim_tag_is(k, "rsa"))
		key->type = DKIM_KEY_RSA;
	else if (dkim_tag_is(k, "ed25519"))
		key->type = DKIM_KEY_ED25519;
	else
		FAIL("unknown key type");
	if (s != NULL && !list_has(s, "*") && !list_has(s, "email"))
		FAIL("key not for email");
	key->testing = t != NULL && list_has(t, "y");
	key->strict = t != NULL && list_has(t, "s");
	return decode_p(dkim_tags_get(tags, "p"), key, why);
}

bool dkim_key_parse(const char *rec, size_t len, struct dkim_key *key,
    const char **why)
{
	struct dkim_tags tags;
	memset(key, 0, sizeof(*key));
	if (!dkim_tags_parse(rec, len, &tags, why))
		return false;
	if (!parse_fields(&tags, key, why)) {
		dkim_key_clear(key);
		return false;
	}
	return true;
}

void dkim_key_clear(struct dkim_key *key)
{
	EVP_PKEY_free(key->pkey);
	memset(key, 0, sizeof(*key));
}

bool dkim_key_record(EVP_PKEY *pkey, struct buf *out)
{
	unsigned char raw[DKIM_KEY_MAX_P];
	size_t n = sizeof(raw);
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &n) != 1)
			return false;
		buf_addstr(out, "v=DKIM1; k=ed25519; p=");
	} else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
		int len = i2d_PUBKEY(pkey, NULL);
		unsigned char *q = raw;
		if (len <= 0 || (size_t)len > sizeof(raw) ||
		    i2d_PUBKEY(pkey, &q) != len)
			return false;
		n = (size_t)len;
		buf_addstr(out, "v=DKIM1; k=rsa; p=");
	} else {
		return false;
	}
	dkim_base64_add(out, raw, n);
	return true;
}
