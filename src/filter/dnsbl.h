/* DNS block lists (RFC 5782), sans I/O: the name to ask for and what an
 * answer means. */
#ifndef AMB_FILTER_DNSBL_H
#define AMB_FILTER_DNSBL_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define DNSBL_NAME_MAX  253
#define DNSBL_MAX_ZONES 8      /* lists asked; further ones are ignored */

/* "4.3.2.1.ZONE" for IPv4 1.2.3.4, 32 nibbles then ZONE for IPv6. False
 * if ip is not an address or zone is not a plausible domain name or the
 * name would not fit. */
bool dnsbl_query_name(const char *ip, const char *zone, char *out,
    size_t outlen);

/* An A record listing the client: 127.0.0.0/8 except 127.255.255.0/24,
 * which lists use for errors (Spamhaus: "query via a public resolver"). */
bool dnsbl_listed(const unsigned char a[4]);

/* The zones of the configured list `zones` (separated by spaces, commas
 * or tabs; the first DNSBL_MAX_ZONES) that also appear in `listed`, each
 * once, appended to out as "a, b"; returns how many. So a hit reported
 * back to us counts only for a list we ask, and writes only its name. */
size_t dnsbl_hits(const char *zones, const char *listed, struct buf *out);

#endif
