/* DNS answers as the sans-I/O authentication engines (SPF, DMARC) take
 * them from their caller, who does the lookups. */
#ifndef AMB_MAILAUTH_AUTHDNS_H
#define AMB_MAILAUTH_AUTHDNS_H
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

#endif
