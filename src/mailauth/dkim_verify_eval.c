/* The verdict for one signature once its key and the body are known
 * (RFC 6376 6.1.2-3, RFC 8301 3). */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "mailauth/dkim_crypto.h"
#include "mailauth/dkim_verify_int.h"

static void set(struct vsig *s, enum dkim_result r, const char *why)
{
	s->info.result = r;
	s->info.reason = why;
}

/* The domain of i= (default d=) equals d= exactly: key flag t=s. */
static bool identity_is_d(const struct dkim_sig *sig)
{
	if (sig->i == NULL)
		return true;
	const char *at = strrchr(sig->i, '@');
	return at != NULL && strcasecmp(at + 1, sig->d) == 0;
}

/* Checks of the key against the signature; false with the result set. */
static bool key_fits(struct vsig *s, const struct dkim_key *key)
{
	bool ed = s->sig.alg == DKIM_ALG_ED25519_SHA256;
	if (ed != (key->type == DKIM_KEY_ED25519))
		set(s, DKIM_PERMERROR, "key type does not match a=");
	else if (s->sig.alg == DKIM_ALG_RSA_SHA1 ? !key->sha1_ok : !key->sha256_ok)
		set(s, DKIM_PERMERROR, "key h= excludes the hash");
	else if (key->strict && !identity_is_d(&s->sig))
		set(s, DKIM_PERMERROR, "i= domain is not d= (key t=s)");
	else if (!ed && EVP_PKEY_get_bits(key->pkey) < 1024)
		set(s, DKIM_POLICY, "RSA key under 1024 bits (RFC 8301)");
	else
		return true;
	return false;
}

static bool query_key(struct dkim_verifier *v, struct vsig *s,
    const struct dkim_key **key)
{
	const struct vquery *q = &v->queries[s->query];
	switch (q->state) {
	case Q_WAITING:
		set(s, DKIM_TEMPERROR, "key lookup not answered");
		return false;
	case Q_TEMPFAIL:
		set(s, DKIM_TEMPERROR, "key lookup failed");
		return false;
	case Q_NXDOMAIN:
		set(s, DKIM_PERMERROR, "no key record");
		return false;
	case Q_BADKEY:
		set(s, DKIM_PERMERROR, q->why);
		return false;
	case Q_KEY:
		break;
	}
	*key = &q->key;
	return true;
}

static bool body_matches(struct dkim_verifier *v, struct vsig *s)
{
	const struct vbody *b = &v->bodies[s->body];
	if (!b->ok)
		set(s, DKIM_TEMPERROR, "body hash failed");
	else if (s->sig.l != DKIM_NO_LIMIT && b->total < s->sig.l)
		set(s, DKIM_FAIL, "l= is longer than the body");
	else if (b->dlen != s->sig.bh_len ||
	    CRYPTO_memcmp(b->digest, s->sig.bh, b->dlen) != 0)
		set(s, DKIM_FAIL, "body hash mismatch");
	else
		return true;
	return false;
}

void dkim_verify_eval(struct dkim_verifier *v, struct vsig *s)
{
	const struct dkim_key *key = NULL;
	if (!query_key(v, s, &key))
		return;
	s->info.testing = key->testing;
	if (!key_fits(s, key) || !body_matches(v, s))
		return;
	if (dkim_crypto_verify(key->pkey, s->sig.alg, s->hdata.data,
	    s->hdata.len, s->sig.b, s->sig.b_len))
		set(s, DKIM_PASS, NULL);
	else
		set(s, DKIM_FAIL, "signature did not verify");
}
