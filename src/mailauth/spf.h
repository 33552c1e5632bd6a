/* SPF check_host() (RFC 7208), sans I/O. The caller does the DNS:
 *
 *	struct spf *s = spf_new();
 *	spf_start(s, "192.0.2.1", "user@example.com", "mx.example.com");
 *	struct spf_query q;
 *	while (spf_step(s, &q) == SPF_QUERY)
 *		spf_answer(s, rcode, records, n);   (q.type of q.name)
 *	spf_result(s), spf_explanation(s) ...
 *
 * Limits enforced: 10 DNS-querying mechanisms and redirects per check,
 * 2 void lookups, 10 MX names (more is a permerror) and 10 PTR names (the
 * rest are ignored) per mechanism. A check makes at most a few hundred
 * queries, and include/redirect loops end at the lookup limit. */
#ifndef AMB_MAILAUTH_SPF_H
#define AMB_MAILAUTH_SPF_H
#include <stdbool.h>
#include <stddef.h>

#include "mailauth/authdns.h"

enum spf_result {
	SPF_RESULT_NONE,
	SPF_RESULT_NEUTRAL,
	SPF_RESULT_PASS,
	SPF_RESULT_FAIL,
	SPF_RESULT_SOFTFAIL,
	SPF_RESULT_TEMPERROR,
	SPF_RESULT_PERMERROR,
};

enum spf_qtype { SPF_QTYPE_TXT, SPF_QTYPE_A, SPF_QTYPE_AAAA, SPF_QTYPE_MX,
	SPF_QTYPE_PTR };

struct spf_query {
	enum spf_qtype type;
	const char *name;    /* valid until the next spf_answer */
};

enum spf_status { SPF_DONE, SPF_QUERY };

struct spf;

struct spf *spf_new(void);
void spf_free(struct spf *s);
/* Optional context for the r and t macros (default "unknown" and 0). */
void spf_set_receiver(struct spf *s, const char *domain);
void spf_set_time(struct spf *s, long long now);

/* Starts a MAIL FROM check: sender is the reverse-path without brackets
 * (empty for the null sender, which checks postmaster@helo). Returns
 * false if ip is not an IP address. A malformed or single-label domain
 * gives result none without any query. */
bool spf_start(struct spf *s, const char *ip, const char *sender,
    const char *helo);
/* Starts a HELO identity check (RFC 7208 2.3): postmaster@helo. */
bool spf_start_helo(struct spf *s, const char *ip, const char *helo);

/* Runs until a DNS answer is needed (SPF_QUERY, *q filled) or the result
 * is known (SPF_DONE). Call spf_answer before stepping again. */
enum spf_status spf_step(struct spf *s, struct spf_query *q);
void spf_answer(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n);

enum spf_result spf_result(const struct spf *s);
/* For fail: the domain's exp= text, macro-expanded, at most 400 octets
 * of printable text (control characters become '?'); NULL if none. */
const char *spf_explanation(const struct spf *s);
/* For none, permerror and temperror: a short reason; NULL otherwise. */
const char *spf_problem(const struct spf *s);
/* The domain whose policy was checked (MAIL FROM or HELO domain). */
const char *spf_domain(const struct spf *s);
/* The identity checked: the sender, or postmaster@helo. */
const char *spf_sender(const struct spf *s);
/* Number of DNS queries made so far. */
size_t spf_queries(const struct spf *s);

/* "pass", "fail", ... as used in Received-SPF and Authentication-Results. */
const char *spf_result_name(enum spf_result r);

#endif
