/* DNS record data parsers (MX, SRV, A, AAAA, TXT, TLSA): never crash on
 * any bytes, and a parsed name is printable, dot-separated and fits
 * DNS_NAME_MAX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"

static void check_name(const char *name)
{
	size_t len = strlen(name);
	if (len > DNS_NAME_MAX || (len > 0 && (name[0] == '.' ||
	    name[len - 1] == '.')) || strstr(name, ".."))
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	char name[DNS_NAME_MAX + 1], ip[64];
	uint16_t pref;
	struct dns_tlsa t;
	struct dns_srv srv;
	struct buf txt = BUF_INIT;
	if (dns_parse_mx(p, n, &pref, name, sizeof name))
		check_name(name);
	if (dns_parse_srv(p, n, &srv))
		check_name(srv.target);
	dns_parse_addr(DNS_T_A, p, n, ip, sizeof ip);
	dns_parse_addr(DNS_T_AAAA, p, n, ip, sizeof ip);
	if (dns_parse_txt(p, n, &txt) && txt.len >= n)
		abort();
	if (dns_parse_tlsa(p, n, &t) && t.len + 3 != n)
		abort();
	buf_free(&txt);
	return 0;
}
