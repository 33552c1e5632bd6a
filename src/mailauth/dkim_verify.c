/* Verifier setup: signatures found and parsed, header data canonicalised
 * at once (so the caller's header need not outlive the call), key queries
 * collected, body hashes shared between signatures that agree. */
#include "mailauth/dkim_verify.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mail/header.h"
#include "mailauth/dkim_crypto.h"
#include "mailauth/dkim_tags.h"
#include "mailauth/dkim_verify_int.h"

static void decide(struct vsig *s, enum dkim_result r, const char *why)
{
	s->decided = true;
	s->info.result = r;
	s->info.reason = why;
}

static size_t add_query(struct dkim_verifier *v, const struct dkim_sig *sig)
{
	struct buf name = BUF_INIT;
	dkim_sig_query_name(sig, &name);
	for (size_t k = 0; k < name.len; k++)
		if (name.data[k] >= 'A' && name.data[k] <= 'Z')
			name.data[k] = (char)(name.data[k] + 32);
	for (size_t k = 0; k < v->nqueries; k++)
		if (strcmp(v->queries[k].name, name.data) == 0) {
			buf_free(&name);
			return k;
		}
	v->queries[v->nqueries].name = buf_detach(&name);
	return v->nqueries++;
}

/* Every signature that gets this far uses SHA-256 (rsa-sha1 is refused
 * before), so bodies differ only in canonicalisation and l=. */
static size_t add_body(struct dkim_verifier *v, const struct dkim_sig *sig)
{
	for (size_t k = 0; k < v->nbodies; k++) {
		struct vbody *b = &v->bodies[k];
		if (b->canon == sig->bcanon && b->limit == sig->l)
			return k;
	}
	struct vbody *b = &v->bodies[v->nbodies];
	b->canon = sig->bcanon;
	b->limit = sig->l;
	b->ok = dkim_body_init(&b->b, sig->bcanon, EVP_sha256(), sig->l);
	return v->nbodies++;
}

/* The signature field as the signer hashed it: b= value removed, no final
 * line end (RFC 6376 3.7). */
static void hash_data(struct vsig *s, const char *hdr, size_t len,
    const struct hdr_field *f)
{
	const struct dkim_sig *sig = &s->sig;
	dkim_canon_headers(sig->hcanon, hdr, len, (const char *const *)sig->h,
	    sig->nh, f->line, &s->hdata);
	/* The value ends where the field text does (header.h). */
	size_t flen = (size_t)(f->value - f->line) + f->value_len;
	size_t boff = (size_t)(f->value - f->line) + sig->b_off;
	struct buf field = BUF_INIT;
	buf_add(&field, f->line, boff);
	buf_add(&field, f->line + boff + sig->b_val_len,
	    flen - boff - sig->b_val_len);
	dkim_canon_field(sig->hcanon, field.data, field.len, false, &s->hdata);
	buf_free(&field);
}

static void set_header_b(struct vsig *s, const struct hdr_field *f)
{
	const char *p = f->value + s->sig.b_off;
	size_t n = 0;
	for (size_t k = 0; k < s->sig.b_val_len && n < 8; k++)
		if (p[k] != ' ' && p[k] != '\t' && p[k] != '\r' && p[k] != '\n')
			s->header_b[n++] = p[k];
	s->header_b[n] = '\0';
}

static void set_info(struct vsig *s)
{
	s->info.domain = s->sig.d;
	s->info.selector = s->sig.s;
	s->info.identity = s->sig.i;
	s->info.algorithm = s->sig.d[0] ? dkim_alg_name(s->sig.alg) : "";
	s->info.header_b = s->header_b;
}

static void early_policy(struct dkim_verifier *v, struct vsig *s)
{
	if (s->sig.alg == DKIM_ALG_RSA_SHA1)
		decide(s, DKIM_POLICY, "rsa-sha1 is not accepted (RFC 8301)");
	else if (s->sig.x >= 0 && v->now > s->sig.x)
		decide(s, DKIM_POLICY, "signature expired");
	else if (s->sig.t >= 0 && s->sig.t > v->now + DKIM_CLOCK_SKEW)
		decide(s, DKIM_POLICY, "signature timestamp in the future");
}

static void add_sig(struct dkim_verifier *v, const char *hdr, size_t len,
    const struct hdr_field *f)
{
	struct vsig *s = &v->sigs[v->nsigs++];
	const char *why = NULL;
	enum dkim_sig_err e = dkim_sig_parse(f->value, f->value_len, &s->sig, &why);
	if (e != DKIM_SIG_OK) {
		decide(s, e == DKIM_SIG_NEUTRAL ? DKIM_NEUTRAL : DKIM_PERMERROR, why);
		set_info(s);
		return;
	}
	set_header_b(s, f);
	set_info(s);
	early_policy(v, s);
	if (s->decided)
		return;
	hash_data(s, hdr, len, f);
	s->query = add_query(v, &s->sig);
	s->body = add_body(v, &s->sig);
}

struct dkim_verifier *dkim_verifier_new(const char *hdr, size_t len,
    long long now)
{
	struct dkim_verifier *v = xcalloc(1, sizeof(*v));
	struct hdr_iter it;
	struct hdr_field f;
	v->now = now;
	hdr_iter_init(&it, hdr, len);
	while (v->nsigs < DKIM_VERIFY_MAX_SIGS && hdr_next(&it, &f))
		if (hdr_name_is(&f, "DKIM-Signature"))
			add_sig(v, hdr, len, &f);
	return v;
}

size_t dkim_verifier_nqueries(const struct dkim_verifier *v)
{
	return v->nqueries;
}

const char *dkim_verifier_query(const struct dkim_verifier *v, size_t i)
{
	return i < v->nqueries ? v->queries[i].name : NULL;
}

static struct vquery *find_query(struct dkim_verifier *v, const char *name)
{
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	for (size_t k = 0; k < v->nqueries; k++)
		if (strlen(v->queries[k].name) == n &&
		    strncasecmp(v->queries[k].name, name, n) == 0)
			return &v->queries[k];
	return NULL;
}

void dkim_verifier_txt(struct dkim_verifier *v, const char *name,
    const char *const *strings, const size_t *lens, size_t nstrings)
{
	struct vquery *q = find_query(v, name);
	if (q == NULL || q->state == Q_KEY)
		return;
	struct buf rec = BUF_INIT;
	for (size_t k = 0; k < nstrings; k++)
		buf_add(&rec, strings[k], lens[k]);
	const char *why = NULL;
	if (dkim_key_parse(buf_cstr(&rec), rec.len, &q->key, &why)) {
		q->state = Q_KEY;
	} else if (q->state != Q_BADKEY) {
		q->state = Q_BADKEY;
		q->why = why;
	}
	buf_free(&rec);
}

void dkim_verifier_dns_fail(struct dkim_verifier *v, const char *name,
    enum dkim_dns_fail why)
{
	struct vquery *q = find_query(v, name);
	if (q != NULL && q->state == Q_WAITING)
		q->state = why == DKIM_DNS_TEMPFAIL ? Q_TEMPFAIL : Q_NXDOMAIN;
}

void dkim_verifier_body(struct dkim_verifier *v, const void *p, size_t n)
{
	for (size_t k = 0; k < v->nbodies; k++)
		if (v->bodies[k].ok)
			dkim_body_feed(&v->bodies[k].b, p, n);
}

size_t dkim_verifier_finish(struct dkim_verifier *v,
    const struct dkim_result_info **res)
{
	if (!v->finished) {
		for (size_t k = 0; k < v->nbodies; k++) {
			struct vbody *b = &v->bodies[k];
			if (b->ok)
				b->ok = dkim_body_final(&b->b, b->digest,
				    &b->dlen, &b->total);
		}
		for (size_t k = 0; k < v->nsigs; k++) {
			if (!v->sigs[k].decided)
				dkim_verify_eval(v, &v->sigs[k]);
			v->results[k] = v->sigs[k].info;
		}
		v->finished = true;
	}
	*res = v->results;
	return v->nsigs;
}

void dkim_verifier_free(struct dkim_verifier *v)
{
	if (v == NULL)
		return;
	for (size_t k = 0; k < v->nsigs; k++) {
		dkim_sig_clear(&v->sigs[k].sig);
		buf_free(&v->sigs[k].hdata);
	}
	for (size_t k = 0; k < v->nqueries; k++) {
		free(v->queries[k].name);
		dkim_key_clear(&v->queries[k].key);
	}
	for (size_t k = 0; k < v->nbodies; k++)
		dkim_body_free(&v->bodies[k].b);
	free(v);
}

const char *dkim_result_name(enum dkim_result r)
{
	static const char *const names[] = {
		"pass", "fail", "neutral", "policy", "permerror", "temperror",
	};
	return (size_t)r < sizeof(names) / sizeof(*names) ? names[r] : "?";
}
