/* Client addresses for SPF (RFC 7208 5.6, 7.3): parsing with IPv4-mapped
 * IPv6 treated as IPv4, CIDR matching, and the text forms macros use. */
#ifndef AMB_MAILAUTH_SPF_IP_H
#define AMB_MAILAUTH_SPF_IP_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

struct spf_ip {
	int family;              /* AF_INET (b[0..4)) or AF_INET6 */
	unsigned char b[16];
};

/* Parses a textual IPv4 or IPv6 address; ::ffff:a.b.c.d becomes IPv4. */
bool spf_ip_parse(const char *s, struct spf_ip *ip);
/* True if ip is in net/prefix of the same family (prefix 0..32 / 0..128). */
bool spf_ip_in(const struct spf_ip *ip, int family, const unsigned char *net,
    int prefix);
/* %{i}: dotted quad, or 32 dot-separated lower-case nibbles for IPv6. */
void spf_ip_dotted(const struct spf_ip *ip, struct buf *out);
/* %{c}: dotted quad, or the RFC 5952 text form for IPv6. */
void spf_ip_text(const struct spf_ip *ip, struct buf *out);
/* The reverse-lookup name: ...in-addr.arpa or ...ip6.arpa. */
void spf_ip_ptr_name(const struct spf_ip *ip, struct buf *out);

#endif
