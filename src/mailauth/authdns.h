/* DNS answers as the sans-I/O authentication engines (SPF, DMARC) take
 * them from their caller, who does the lookups. */
#ifndef AMB_MAILAUTH_AUTHDNS_H
#define AMB_MAILAUTH_AUTHDNS_H
#include <stdbool.h>
#include <stddef.h>

enum authdns_rcode {
	AUTHDNS_OK,          /* NOERROR, with zero or more records */
	AUTHDNS_NXDOMAIN,    /* name error */
	AUTHDNS_TEMPFAIL,    /* SERVFAIL, timeout or any other failure */
};

/* One answer record. TXT: the record's character-strings concatenated.
 * A: 4 octets; AAAA: 16 octets (network order). MX: the exchange name;
 * PTR: the target name (text, trailing dot optional). */
struct authdns_rr {
	const void *data;
	size_t len;
};

/* An answer of common/dns.h (wire format) as the engines take it: TXT
 * strings joined, A and AAAA as they are, MX exchanges and PTR targets as
 * text; records that do not parse are left out. NODATA is AUTHDNS_OK
 * without records. */
struct dns_answer;
struct authdns_answer {
	enum authdns_rcode rc;
	struct authdns_rr *rr;
	size_t n;
	char **owned;        /* the texts rr points to */
};
/* type: the DNS_T_* asked for. */
void authdns_answer_from(struct authdns_answer *out, int type,
    const struct dns_answer *a);
void authdns_answer_free(struct authdns_answer *a);

/* A plausible host name to check: letter, digit, hyphen or underscore
 * labels of 1..63 octets, at least two of them, at most max octets (one
 * trailing dot allowed). Literals, single labels and UTF-8 are not. */
bool authdns_host_ok(const char *name, size_t max);

#endif
