/* A fake DNS zone for SPF and DMARC tests: the DNS is test input. */
#ifndef AMB_TEST_SPF_FAKEDNS_H
#define AMB_TEST_SPF_FAKEDNS_H
#include <stddef.h>

#include "mailauth/spf.h"

/* type: "TXT", "A", "AAAA" (text addresses), "MX", "PTR" (names),
 * "SPF" (only makes the name exist) or "TIMEOUT" (queries of types the
 * name has no records of fail temporarily). len != 0 gives TXT data with
 * NUL bytes. */
struct zrr {
	const char *name, *type, *data;
	size_t len;
};

struct zone {
	const struct zrr *rr;
	size_t n;
	size_t queries;     /* queries answered so far */
};

/* Answers q from the zone into rr/bufs (at most max records). */
enum authdns_rcode zone_lookup(struct zone *z, enum spf_qtype type,
    const char *name, struct authdns_rr *rr, unsigned char (*bin)[16],
    size_t max, size_t *n);
/* Runs a whole check against the zone. helo_id: check the HELO identity. */
enum spf_result zone_spf(struct zone *z, struct spf *s, const char *ip,
    const char *sender, const char *helo, int helo_id);

#define ZONE(arr) { arr, sizeof arr / sizeof arr[0], 0 }

#endif
