/* DKIM verification (RFC 6376 6, RFC 8463, RFC 8301), sans I/O.
 *
 *   v = dkim_verifier_new(hdr, len, now);
 *   for (i < dkim_verifier_nqueries(v)) look up TXT dkim_verifier_query(v, i)
 *       and pass each record with dkim_verifier_txt (or the failure with
 *       dkim_verifier_dns_fail); answers may come at any time before finish;
 *   dkim_verifier_body(v, chunk, n) for the whole body, in any pieces;
 *   n = dkim_verifier_finish(v, &results);  one result per signature.
 *
 * Results, as RFC 8601 names them:
 *   pass       the signature verified;
 *   fail       body hash or signature mismatch, or l= longer than the body;
 *   neutral    valid but unsupported (a=, c=, q=);
 *   policy     not accepted here: rsa-sha1 or an RSA key under 1024 bits
 *              (RFC 8301), expired (x=), or t= in the future;
 *   permerror  malformed signature (including h= without From and i= outside
 *              d=), no key record, malformed, revoked or mismatched key;
 *   temperror  the key lookup failed temporarily or was never answered.
 * Only the first DKIM_VERIFY_MAX_SIGS signatures are evaluated. */
#ifndef AMB_DKIM_VERIFY_H
#define AMB_DKIM_VERIFY_H
#include <stdbool.h>
#include <stddef.h>

#define DKIM_VERIFY_MAX_SIGS 8
#define DKIM_CLOCK_SKEW      300     /* seconds a t= may lie ahead */

enum dkim_result {
	DKIM_PASS, DKIM_FAIL, DKIM_NEUTRAL, DKIM_POLICY, DKIM_PERMERROR,
	DKIM_TEMPERROR,
};

struct dkim_result_info {
	enum dkim_result result;
	const char *reason;     /* short static text; NULL on pass */
	const char *domain;     /* d= ("" when the field did not parse) */
	const char *selector;   /* s= ("" likewise) */
	const char *identity;   /* i=, or NULL */
	const char *algorithm;  /* "rsa-sha256", ... or "" */
	const char *header_b;   /* first 8 characters of b= (RFC 6008) */
	bool testing;           /* the key has t=y */
};

enum dkim_dns_fail { DKIM_DNS_NXDOMAIN, DKIM_DNS_TEMPFAIL };

struct dkim_verifier;

/* hdr is read during this call only. now is the current Unix time. */
struct dkim_verifier *dkim_verifier_new(const char *hdr, size_t len,
    long long now);
size_t dkim_verifier_nqueries(const struct dkim_verifier *v);
/* "selector._domainkey.domain", lower-case, without a final dot. */
const char *dkim_verifier_query(const struct dkim_verifier *v, size_t i);
/* One TXT record for name (matched ignoring case) as its character
 * strings, which are concatenated. Several records may be passed; the
 * first that is a valid key is used. Unknown names are ignored. */
void dkim_verifier_txt(struct dkim_verifier *v, const char *name,
    const char *const *strings, const size_t *lens, size_t nstrings);
/* No record (NXDOMAIN or no TXT) or a temporary failure for name. */
void dkim_verifier_dns_fail(struct dkim_verifier *v, const char *name,
    enum dkim_dns_fail why);
void dkim_verifier_body(struct dkim_verifier *v, const void *p, size_t n);
/* Ends the body and evaluates every signature; *res stays valid until
 * dkim_verifier_free. Returns the number of signatures (0: none). */
size_t dkim_verifier_finish(struct dkim_verifier *v,
    const struct dkim_result_info **res);
void dkim_verifier_free(struct dkim_verifier *v);

const char *dkim_result_name(enum dkim_result r);

#endif
