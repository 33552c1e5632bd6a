/* DMARC (RFC 7489), sans I/O: record parsing, policy discovery (the From
 * domain, then its organisational domain from the Public Suffix List),
 * identifier alignment and the policy to apply.
 *
 *	struct dmarc *d = dmarc_new();
 *	dmarc_start(d, "example.com");            (the RFC5322.From domain)
 *	const char *name;
 *	while (dmarc_step(d, &name) == DMARC_QUERY)
 *		dmarc_answer(d, rcode, txt_records, n);   (TXT of name)
 *	dmarc_evaluate(d, &auth, random() % 100, &verdict);
 */
#ifndef AMB_MAILAUTH_DMARC_H
#define AMB_MAILAUTH_DMARC_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "mailauth/authdns.h"
#include "mailauth/spf.h"

#define DMARC_MAX_URIS 16       /* rua/ruf entries kept; more are dropped */

enum dmarc_policy { DMARC_POLICY_NONE, DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT };

/* fo= failure reporting options */
#define DMARC_FO_0 1u           /* all mechanisms failed (default) */
#define DMARC_FO_1 2u           /* any mechanism failed */
#define DMARC_FO_D 4u           /* DKIM failed */
#define DMARC_FO_S 8u           /* SPF failed */

struct dmarc_record {
	enum dmarc_policy p, sp;   /* sp is p unless given */
	bool none_for_rua;         /* p missing or bad, kept as none (6.6.3) */
	unsigned pct;              /* 0..100, default 100 */
	bool adkim_strict, aspf_strict;
	unsigned fo;               /* DMARC_FO_* bits */
	bool rf_afrf;              /* report format (only afrf is defined) */
	unsigned long ri;          /* report interval, seconds (86400) */
	char *rua[DMARC_MAX_URIS];
	size_t nrua;
	char *ruf[DMARC_MAX_URIS];
	size_t nruf;
};

/* Parses "v=DMARC1; p=...". Unknown tags are ignored, bad optional
 * values fall back to their defaults, rua/ruf keep every entry that looks
 * like a URI. False (reason in err) if this is no usable DMARC record. */
bool dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *r,
    struct buf *err);
void dmarc_record_free(struct dmarc_record *r);
/* True if txt starts with the v=DMARC1 tag. */
bool dmarc_record_is_dmarc(const char *txt, size_t len);

/* The organisational domain (RFC 7489 3.2) of domain, lower-cased, into
 * out: the registrable domain by the Public Suffix List, or the domain
 * itself if it is a public suffix. */
void dmarc_org_domain(const char *domain, struct buf *out);
/* Loads the Public Suffix List (Debian's publicsuffix package through
 * libpsl, or libpsl's built-in copy). Call once at start-up, before
 * chroot and before any threads; done lazily (not thread-safe) otherwise. */
void dmarc_org_init(void);

enum dmarc_result { DMARC_RESULT_NONE, DMARC_RESULT_PASS, DMARC_RESULT_FAIL,
	DMARC_RESULT_TEMPERROR, DMARC_RESULT_PERMERROR };

enum dmarc_status { DMARC_DONE, DMARC_QUERY };

/* What SPF and DKIM established about the message. */
struct dmarc_auth {
	enum spf_result spf;       /* the MAIL FROM (or HELO) check */
	const char *spf_domain;    /* the domain SPF checked */
	const char *const *dkim_domains;  /* d= of each passing signature */
	size_t ndkim;
};

struct dmarc_verdict {
	enum dmarc_result result;       /* permerror: several or broken
	                                   records, nothing to apply */
	enum dmarc_policy policy;       /* published p (or sp) */
	enum dmarc_policy disposition;  /* what to do after pct sampling */
	bool spf_aligned, dkim_aligned;
	bool sampled_out;               /* pct spared this message */
	const char *from_domain;
	const char *policy_domain;      /* where the record was found */
};

struct dmarc;

struct dmarc *dmarc_new(void);
void dmarc_free(struct dmarc *d);
/* Starts discovery for the From domain. False (result none, no query) if
 * it is not a usable domain name. */
bool dmarc_start(struct dmarc *d, const char *from_domain);
/* DMARC_QUERY: look up TXT records of *name (valid until dmarc_answer). */
enum dmarc_status dmarc_step(struct dmarc *d, const char **name);
void dmarc_answer(struct dmarc *d, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n);
/* The record found, or NULL. */
const struct dmarc_record *dmarc_record(const struct dmarc *d);
/* The verdict; sample is a random number in 0..99 for pct. The verdict's
 * strings live as long as d. */
void dmarc_evaluate(struct dmarc *d, const struct dmarc_auth *a,
    unsigned sample, struct dmarc_verdict *v);
/* True if a and b are aligned, strictly (equal) or relaxed (same
 * organisational domain); case-insensitive, trailing dots ignored. */
bool dmarc_aligned(const char *a, const char *b, bool strict);

const char *dmarc_result_name(enum dmarc_result r);
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
