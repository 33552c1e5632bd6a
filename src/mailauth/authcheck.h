/* The authentication of one inbound message, sans I/O: SPF for the MAIL
 * FROM identity (postmaster@HELO for the null sender) and for the HELO
 * name when it is a domain name, every DKIM
 * signature, and DMARC for the From domain, run side by side; then the
 * Authentication-Results field (RFC 8601) that says what was found.
 *
 *	struct authcheck *c = authcheck_new(&params);
 *	while (authcheck_next_query(c, &q))     any time, as often as wanted:
 *		ask q.type of q.name; later authcheck_answer(c, q.token, ...)
 *	authcheck_body(c, chunk, n) for the body after the header block;
 *	authcheck_finish(c, sample, &verdict, &header);
 *
 * Questions may be answered in any order. authcheck_busy says whether any
 * is still unanswered; authcheck_finish counts those as temporary DNS
 * failures, so the caller's time limit gives temperror results. */
#ifndef AMB_MAILAUTH_AUTHCHECK_H
#define AMB_MAILAUTH_AUTHCHECK_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "mailauth/authdns.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"

struct authcheck_params {
	const char *ip;          /* client address as text */
	const char *helo;
	const char *mailfrom;    /* reverse path without <>, "" for null */
	const char *authserv_id; /* our host name */
	const char *hdr;         /* the header block (read during new only) */
	size_t hdr_len;
	long long now;           /* Unix time */
};

struct authcheck_query {
	unsigned token;          /* pass back with the answer */
	enum spf_qtype type;
	const char *name;        /* valid until that answer */
};

struct authcheck_verdict {
	enum spf_result spf;     /* MAIL FROM, or HELO for the null sender */
	bool helo_checked;       /* also the HELO name (a domain name) */
	enum spf_result spf_helo;
	size_t ndkim;            /* signatures evaluated */
	bool dkim_pass, dkim_fail;   /* some passed; some failed or broke */
	struct dmarc_verdict dmarc;  /* strings live as long as the check */
	bool from_ok;            /* exactly one From with one address */
};

struct authcheck;

struct authcheck *authcheck_new(const struct authcheck_params *p);
void authcheck_free(struct authcheck *c);
/* The next question nobody has asked yet; false if there is none now
 * (answers may bring more). */
bool authcheck_next_query(struct authcheck *c, struct authcheck_query *q);
/* The answer to the question with this token (records as authdns.h
 * describes them); unknown or repeated tokens are ignored. */
void authcheck_answer(struct authcheck *c, unsigned token,
    enum authdns_rcode rc, const struct authdns_rr *rr, size_t n);
/* True while a question handed out is unanswered. */
bool authcheck_busy(const struct authcheck *c);
void authcheck_body(struct authcheck *c, const void *p, size_t n);
/* Ends the check (questions unanswered count as temporary failures),
 * fills v and appends the Authentication-Results field to header.
 * sample: a random number in 0..99 for DMARC's pct. Call once. */
void authcheck_finish(struct authcheck *c, unsigned sample,
    struct authcheck_verdict *v, struct buf *header);

/* Hands a DKIM verifier the TXT answer for a key name (shared with
 * tools that verify DKIM alone). */
struct dkim_verifier;
void authcheck_dkim_key(struct dkim_verifier *v, const char *name,
    enum authdns_rcode rc, const struct authdns_rr *rr, size_t n);

/* The DNS_T_* (common/dns.h) type of a question. */
int authcheck_dns_type(enum spf_qtype t);

/* What the verdict adds to a message's spam score, in thousandths of a
 * point: failed SPF, DKIM and DMARC and a missing or multiple From raise
 * it; passes add nothing (spammers authenticate their own domains). */
int authcheck_score(const struct authcheck_verdict *v);

#endif
