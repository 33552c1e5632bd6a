/* DKIM-Signature tag validation (RFC 6376 3.5; a= values of RFC 8463). */
#include "mailauth/dkim_sig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mailauth/dkim_tags.h"

#define FAIL(code, reason) do { *why = (reason); return (code); } while (0)

bool dkim_valid_dname(const char *s, size_t len)
{
	if (len == 0 || len > DKIM_DOMAIN_MAX)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* 1..maxdigits decimal digits; values past 10^18 saturate. */
static bool parse_num(const struct dkim_tag *t, size_t maxdigits,
    uint64_t *out)
{
	if (t->value_len == 0 || t->value_len > maxdigits)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < t->value_len; i++) {
		char c = t->value[i];
		if (c < '0' || c > '9')
			return false;
		if (v < 1000000000000000000ULL)
			v = v * 10 + (uint64_t)(c - '0');
	}
	*out = v;
	return true;
}

static enum dkim_sig_err parse_alg(const struct dkim_tag *a,
    struct dkim_sig *sig, const char **why)
{
	if (a == NULL)
		FAIL(DKIM_SIG_PERMERROR, "a= missing");
	if (dkim_tag_is(a, "rsa-sha256"))
		sig->alg = DKIM_ALG_RSA_SHA256;
	else if (dkim_tag_is(a, "ed25519-sha256"))
		sig->alg = DKIM_ALG_ED25519_SHA256;
	else if (dkim_tag_is(a, "rsa-sha1"))
		sig->alg = DKIM_ALG_RSA_SHA1;
	else
		FAIL(DKIM_SIG_NEUTRAL, "unsupported algorithm");
	return DKIM_SIG_OK;
}

static bool canon_word(const char *p, size_t n, enum dkim_canon *out)
{
	if (n == 6 && strncasecmp(p, "simple", 6) == 0)
		*out = DKIM_CANON_SIMPLE;
	else if (n == 7 && strncasecmp(p, "relaxed", 7) == 0)
		*out = DKIM_CANON_RELAXED;
	else
		return false;
	return true;
}

static bool parse_canon(const struct dkim_tag *c, struct dkim_sig *sig)
{
	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	if (c == NULL)
		return true;
	const char *slash = memchr(c->value, '/', c->value_len);
	size_t hn = slash ? (size_t)(slash - c->value) : c->value_len;
	if (!canon_word(c->value, hn, &sig->hcanon))
		return false;
	return slash == NULL || canon_word(slash + 1,
	    c->value_len - hn - 1, &sig->bcanon);
}

static bool is_ftext(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126)
			return false;
	return n > 0;
}

static enum dkim_sig_err parse_h(const struct dkim_tag *h,
    struct dkim_sig *sig, const char **why)
{
	if (h == NULL)
		FAIL(DKIM_SIG_PERMERROR, "h= missing");
	struct buf v = BUF_INIT;
	dkim_tag_strip_fws(h, &v);
	bool from = false;
	const char *p = buf_cstr(&v), *end = p + v.len;
	sig->h = xcalloc(DKIM_SIG_MAX_H, sizeof(char *));
	for (;;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		size_t n = colon ? (size_t)(colon - p) : (size_t)(end - p);
		if (!is_ftext(p, n) || sig->nh == DKIM_SIG_MAX_H) {
			buf_free(&v);
			FAIL(DKIM_SIG_PERMERROR, sig->nh == DKIM_SIG_MAX_H ?
			    "too many names in h=" : "bad h=");
		}
		sig->h[sig->nh++] = xstrndup(p, n);
		from |= n == 4 && strncasecmp(p, "from", 4) == 0;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	buf_free(&v);
	if (!from)
		FAIL(DKIM_SIG_PERMERROR, "h= does not include From");
	return DKIM_SIG_OK;
}

static enum dkim_sig_err parse_b64(const struct dkim_tags *tags,
    struct dkim_sig *sig, const char **why)
{
	const struct dkim_tag *b = dkim_tags_get(tags, "b");
	const struct dkim_tag *bh = dkim_tags_get(tags, "bh");
	if (b == NULL || bh == NULL)
		FAIL(DKIM_SIG_PERMERROR, b ? "bh= missing" : "b= missing");
	if (!dkim_tag_base64(b, sig->b, sizeof(sig->b), &sig->b_len) ||
	    sig->b_len == 0)
		FAIL(DKIM_SIG_PERMERROR, "bad b=");
	sig->b_off = b->value_off;
	sig->b_val_len = b->value_len;
	size_t want = sig->alg == DKIM_ALG_RSA_SHA1 ? 20 : 32;
	if (!dkim_tag_base64(bh, sig->bh, sizeof(sig->bh), &sig->bh_len) ||
	    sig->bh_len != want)
		FAIL(DKIM_SIG_PERMERROR, "bad bh=");
	return DKIM_SIG_OK;
}

static bool copy_dname(const struct dkim_tag *t, char *out, bool lower)
{
	if (t == NULL || !dkim_valid_dname(t->value, t->value_len))
		return false;
	memcpy(out, t->value, t->value_len);
	out[t->value_len] = '\0';
	for (char *c = out; lower && *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return true;
}

/* i= is [local-part] "@" domain, the domain d= or below it (3.5). */
static bool parse_i(const struct dkim_tag *t, struct dkim_sig *sig)
{
	if (t == NULL)
		return true;
	const char *at = NULL;
	for (size_t k = 0; k < t->value_len; k++)
		if (t->value[k] == '@')
			at = t->value + k;
	if (at == NULL)
		return false;
	size_t dn = t->value_len - (size_t)(at + 1 - t->value);
	size_t dl = strlen(sig->d);
	if (!dkim_valid_dname(at + 1, dn) || dn < dl ||
	    strncasecmp(at + 1 + dn - dl, sig->d, dl) != 0 ||
	    (dn > dl && at[dn - dl] != '.'))
		return false;
	sig->i = xstrndup(t->value, t->value_len);
	return true;
}

static bool has_dns_txt(const struct dkim_tag *q)
{
	if (q == NULL)
		return true;
	const char *p = q->value, *end = p + q->value_len;
	while (p < end) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		size_t n = colon ? (size_t)(colon - p) : (size_t)(end - p);
		if (n == 7 && strncasecmp(p, "dns/txt", 7) == 0)
			return true;
		p += n + 1;
	}
	return false;
}

static enum dkim_sig_err parse_times(const struct dkim_tags *tags,
    struct dkim_sig *sig, const char **why)
{
	const struct dkim_tag *l = dkim_tags_get(tags, "l");
	const struct dkim_tag *t = dkim_tags_get(tags, "t");
	const struct dkim_tag *x = dkim_tags_get(tags, "x");
	uint64_t v;
	sig->l = DKIM_NO_LIMIT;
	sig->t = sig->x = -1;
	if (l != NULL && !parse_num(l, 76, &sig->l))
		FAIL(DKIM_SIG_PERMERROR, "bad l=");
	if (t != NULL && !parse_num(t, 12, &v))
		FAIL(DKIM_SIG_PERMERROR, "bad t=");
	sig->t = t ? (long long)v : -1;
	if (x != NULL && !parse_num(x, 12, &v))
		FAIL(DKIM_SIG_PERMERROR, "bad x=");
	sig->x = x ? (long long)v : -1;
	if (sig->t >= 0 && sig->x >= 0 && sig->x <= sig->t)
		FAIL(DKIM_SIG_PERMERROR, "x= not after t=");
	return DKIM_SIG_OK;
}

static enum dkim_sig_err parse_tags(const struct dkim_tags *tags,
    struct dkim_sig *sig, const char **why)
{
	const struct dkim_tag *v = dkim_tags_get(tags, "v");
	if (v == NULL || !dkim_tag_is(v, "1"))
		FAIL(DKIM_SIG_PERMERROR, v ? "unsupported version" : "v= missing");
	enum dkim_sig_err e = parse_alg(dkim_tags_get(tags, "a"), sig, why);
	if (e == DKIM_SIG_OK)
		e = parse_b64(tags, sig, why);
	if (e != DKIM_SIG_OK)
		return e;
	if (!copy_dname(dkim_tags_get(tags, "d"), sig->d, true))
		FAIL(DKIM_SIG_PERMERROR, "bad or missing d=");
	if (!copy_dname(dkim_tags_get(tags, "s"), sig->s, false))
		FAIL(DKIM_SIG_PERMERROR, "bad or missing s=");
	if (!parse_i(dkim_tags_get(tags, "i"), sig))
		FAIL(DKIM_SIG_PERMERROR, "i= not in d= domain");
	if ((e = parse_h(dkim_tags_get(tags, "h"), sig, why)) != DKIM_SIG_OK ||
	    (e = parse_times(tags, sig, why)) != DKIM_SIG_OK)
		return e;
	if (!parse_canon(dkim_tags_get(tags, "c"), sig))
		FAIL(DKIM_SIG_NEUTRAL, "unsupported canonicalization");
	if (!has_dns_txt(dkim_tags_get(tags, "q")))
		FAIL(DKIM_SIG_NEUTRAL, "unsupported query method");
	return DKIM_SIG_OK;
}

enum dkim_sig_err dkim_sig_parse(const char *value, size_t len,
    struct dkim_sig *sig, const char **why)
{
	struct dkim_tags tags;
	memset(sig, 0, sizeof(*sig));
	if (!dkim_tags_parse(value, len, &tags, why))
		return DKIM_SIG_PERMERROR;
	enum dkim_sig_err e = parse_tags(&tags, sig, why);
	if (e != DKIM_SIG_OK)
		dkim_sig_clear(sig);
	return e;
}

void dkim_sig_clear(struct dkim_sig *sig)
{
	for (size_t k = 0; k < sig->nh; k++)
		free(sig->h[k]);
	free(sig->h);
	free(sig->i);
	memset(sig, 0, sizeof(*sig));
}

void dkim_sig_query_name(const struct dkim_sig *sig, struct buf *out)
{
	buf_printf(out, "%s._domainkey.%s", sig->s, sig->d);
}
