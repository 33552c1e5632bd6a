/* SPF macro strings (RFC 7208 7): syntax checks and expansion. Expansion
 * is pure: the %{p} value (which needs DNS) is found by the caller and
 * passed in. */
#ifndef AMB_MAILAUTH_SPF_MACRO_H
#define AMB_MAILAUTH_SPF_MACRO_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "mailauth/spf_ip.h"

/* No expansion may grow beyond this many octets (macro bombs). */
#define SPF_MACRO_MAX_OUT 8192
/* Longest name SPF queries (RFC 7208 7.3: truncate on the left). */
#define SPF_NAME_MAX 253

struct spf_macro_env {
	const char *sender;          /* s */
	const char *local;           /* l */
	const char *sender_domain;   /* o */
	const char *domain;          /* d: the domain being checked */
	const char *helo;            /* h */
	const char *receiver;        /* r; NULL means "unknown" */
	const char *validated;       /* p; NULL means "unknown" */
	const struct spf_ip *ip;     /* i, c, v */
	long long now;               /* t */
};

/* A macro-string as in a domain-spec (explain false: c, r and t are
 * refused) or in explanation text (explain true: spaces and c, r, t
 * allowed). Checks syntax only. */
bool spf_macro_valid(const char *s, size_t n, bool explain);
/* A domain-spec: a valid macro-string ending in a macro-expand or in
 * "." toplabel ["."] (RFC 7208 7.1). */
bool spf_domain_spec_valid(const char *s, size_t n);
/* True if s uses %{p} (so the caller must resolve it first). */
bool spf_macro_uses_p(const char *s, size_t n);
/* Appends the expansion of s to out. False on bad syntax or if the
 * result would exceed SPF_MACRO_MAX_OUT. */
bool spf_macro_expand(const struct spf_macro_env *env, const char *s,
    size_t n, bool explain, struct buf *out);
/* Makes an expanded domain usable as a query name: drops one trailing
 * dot, removes labels on the left until it fits SPF_NAME_MAX, and refuses
 * empty or over-long (> 63) labels. */
bool spf_query_name(struct buf *name);

#endif
