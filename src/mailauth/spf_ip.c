#include "mailauth/spf_ip.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4mapped[12] =
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool spf_ip_parse(const char *s, struct spf_ip *ip)
{
	memset(ip, 0, sizeof *ip);
	if (inet_pton(AF_INET, s, ip->b) == 1) {
		ip->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip->b) != 1)
		return false;
	ip->family = AF_INET6;
	if (memcmp(ip->b, v4mapped, sizeof v4mapped) == 0) {
		/* RFC 7208 5: an IPv4-mapped address is an IPv4 address. */
		memmove(ip->b, ip->b + 12, 4);
		memset(ip->b + 4, 0, 12);
		ip->family = AF_INET;
	}
	return true;
}

bool spf_ip_in(const struct spf_ip *ip, int family, const unsigned char *net,
    int prefix)
{
	int bits = family == AF_INET ? 32 : 128;
	if (ip->family != family || prefix < 0 || prefix > bits)
		return false;
	int full = prefix / 8, rest = prefix % 8;
	if (memcmp(ip->b, net, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (ip->b[full] & mask) == (net[full] & mask);
}

void spf_ip_dotted(const struct spf_ip *ip, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	if (ip->family == AF_INET) {
		buf_printf(out, "%u.%u.%u.%u", ip->b[0], ip->b[1], ip->b[2],
		    ip->b[3]);
		return;
	}
	for (int i = 0; i < 16; i++) {
		if (i > 0)
			buf_addch(out, '.');
		buf_addch(out, hex[ip->b[i] >> 4]);
		buf_addch(out, '.');
		buf_addch(out, hex[ip->b[i] & 15]);
	}
}

void spf_ip_text(const struct spf_ip *ip, struct buf *out)
{
	char tmp[INET6_ADDRSTRLEN];
	if (inet_ntop(ip->family, ip->b, tmp, sizeof tmp) != NULL)
		buf_addstr(out, tmp);
}

void spf_ip_ptr_name(const struct spf_ip *ip, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	if (ip->family == AF_INET) {
		buf_printf(out, "%u.%u.%u.%u.in-addr.arpa", ip->b[3], ip->b[2],
		    ip->b[1], ip->b[0]);
		return;
	}
	for (int i = 15; i >= 0; i--) {
		buf_addch(out, hex[ip->b[i] & 15]);
		buf_addch(out, '.');
		buf_addch(out, hex[ip->b[i] >> 4]);
		buf_addch(out, '.');
	}
	buf_addstr(out, "ip6.arpa");
}
