/* Which hosts take a domain's mail, as pure functions over what DNS said
 * (RFC 5321 5.1, RFC 7505): MX records in preference order with equal
 * preferences shuffled, the null MX, and the smarthost's HOST[:PORT]. */
#ifndef AMB_MXLIST_H
#define AMB_MXLIST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MX_HOST_MAX 256      /* a name of up to 255 octets and the NUL */
#define MX_MAX      16       /* hosts tried per domain, as Postfix's 5+ */

struct mx_host {
	uint16_t pref;
	char name[MX_HOST_MAX];    /* "" is the null MX's "." */
};

/* Sorts by preference; hosts of equal preference are put in random order
 * with rnd(k), which returns a number below k. */
void mxlist_order(struct mx_host *v, size_t n, uint32_t (*rnd)(uint32_t k));
/* A null MX: the only record, with the root as exchange (RFC 7505 3). */
bool mxlist_is_null(const struct mx_host *v, size_t n);
/* Drops null-MX records mixed with real ones (RFC 7505 3: such records
 * are ignored); returns the new count. */
size_t mxlist_drop_null(struct mx_host *v, size_t n);

/* "host", "host:port", "[v6]:port", "[host]" -> host and port (left as
 * given when absent). False on a malformed value or port. */
bool mx_hostport_split(const char *s, char *host, size_t hostlen,
    unsigned *port);

#endif
