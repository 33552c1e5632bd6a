/* Parsers of record data as libunbound returns it (RFC 1035 3.3, 3.4;
 * RFC 3596; RFC 6698 2.1). Names inside rdata arrive uncompressed; a
 * compression pointer is refused. */
#include "common/dns.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

bool dns_parse_name(const unsigned char *p, size_t len, char *out,
    size_t outlen, size_t *used)
{
	size_t i = 0, o = 0;
	if (outlen == 0)
		return false;
	for (;;) {
		if (i >= len)
			return false;
		size_t l = p[i++];
		if (l == 0)
			break;
		size_t need = o + (o > 0) + l;
		if (l > 63 || l > len - i || need >= outlen || need > DNS_NAME_MAX)
			return false;
		if (o > 0)
			out[o++] = '.';
		for (size_t k = 0; k < l; k++) {
			unsigned char c = p[i + k];
			/* A host name has no dots or controls inside a label. */
			if (c == '.' || c <= ' ' || c >= 0x7f)
				return false;
			out[o++] = (char)c;
		}
		i += l;
	}
	out[o] = '\0';
	*used = i;
	return true;
}

bool dns_parse_mx(const unsigned char *p, size_t len, uint16_t *pref,
    char *host, size_t hostlen)
{
	size_t used;
	if (len < 3)
		return false;
	*pref = (uint16_t)(p[0] << 8 | p[1]);
	return dns_parse_name(p + 2, len - 2, host, hostlen, &used) &&
	    used == len - 2;
}

bool dns_parse_addr(int type, const unsigned char *p, size_t len, char *out,
    size_t outlen)
{
	if ((type == DNS_T_A && len != 4) || (type == DNS_T_AAAA && len != 16) ||
	    (type != DNS_T_A && type != DNS_T_AAAA))
		return false;
	return inet_ntop(type == DNS_T_A ? AF_INET : AF_INET6, p, out,
	    (socklen_t)outlen) != NULL;
}

bool dns_parse_txt(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i = 0;
	if (len == 0)
		return false;
	while (i < len) {
		size_t l = p[i++];
		if (l > len - i)
			return false;
		buf_add(out, p + i, l);
		i += l;
	}
	return true;
}

bool dns_parse_tlsa(const unsigned char *p, size_t len, struct dns_tlsa *t)
{
	if (len < 4)
		return false;
	t->usage = p[0];
	t->selector = p[1];
	t->mtype = p[2];
	t->data = p + 3;
	t->len = len - 3;
	return true;
}

bool dns_parse_srv(const unsigned char *p, size_t len, struct dns_srv *s)
{
	size_t used;
	if (len < 7)
		return false;
	s->priority = (uint16_t)(p[0] << 8 | p[1]);
	s->weight = (uint16_t)(p[2] << 8 | p[3]);
	s->port = (uint16_t)(p[4] << 8 | p[5]);
	return dns_parse_name(p + 6, len - 6, s->target, sizeof s->target, &used) &&
	    used == len - 6;
}
