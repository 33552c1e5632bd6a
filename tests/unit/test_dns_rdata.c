/* DNS record data parsers and the MX order: hostile rdata (truncated,
 * overlong labels and names, compression pointers, dots and NULs inside
 * labels), null MX, preference order with shuffled ties, HOST[:PORT]. */
#include "t.h"

#include <string.h>

#include "common/dns.h"
#include "smtp/mxlist.h"

#define RD(s) (const unsigned char *)(s), sizeof(s) - 1

TEST(dns_mx_parses_and_refuses_bad_names)
{
	char host[MX_HOST_MAX];
	uint16_t pref;
	CHECK(dns_parse_mx(RD("\x00\x0a\x02mx\x04peer\x04test\x00"), &pref,
	    host, sizeof host));
	CHECK(pref == 10);
	CHECK_STR(host, "mx.peer.test");
	CHECK(dns_parse_mx(RD("\x00\x00\x00"), &pref, host, sizeof host));
	CHECK_STR(host, "");                                 /* null MX */
	CHECK(!dns_parse_mx(RD("\x00\x0a\x02mx"), &pref, host, sizeof host));
	CHECK(!dns_parse_mx(RD("\x00\x0a\x05mx"), &pref, host, sizeof host));
	CHECK(!dns_parse_mx(RD("\x00\x0a\xc0\x0c"), &pref, host, sizeof host));
	CHECK(!dns_parse_mx(RD("\x00\x0a\x03m.x\x00"), &pref, host, sizeof host));
	CHECK(!dns_parse_mx(RD("\x00\x0a\x02m\x00\x00"), &pref, host, sizeof host));
	CHECK(!dns_parse_mx(RD("\x00\x0a\x01m\x00junk"), &pref, host, sizeof host));
	CHECK(!dns_parse_mx(RD("\x00"), &pref, host, sizeof host));
	/* A name of 253 characters (255 octets on the wire) is fine. */
	unsigned char big[300];
	size_t n = 2;
	big[0] = 0;
	big[1] = 5;
	for (int i = 0; i < 4; i++) {
		big[n++] = 63;
		memset(big + n, 'a', 63);
		n += 63;
	}
	big[n++] = 0;
	CHECK(!dns_parse_mx(big, n, &pref, host, sizeof host));   /* 255 */
	big[2 + 3 * 64] = 61;
	memmove(big + 2 + 3 * 64 + 62, big + 2 + 3 * 64 + 64, 1);
	CHECK(dns_parse_mx(big, n - 2, &pref, host, sizeof host));
	CHECK(strlen(host) == 253);
	CHECK(!dns_parse_mx(big, n - 2, &pref, host, 100));       /* no room */
}

TEST(dns_addr_txt_tlsa)
{
	char ip[64];
	struct buf txt = BUF_INIT;
	struct dns_tlsa t;
	CHECK(dns_parse_addr(DNS_T_A, RD("\x7f\x00\x00\x01"), ip, sizeof ip));
	CHECK_STR(ip, "127.0.0.1");
	CHECK(!dns_parse_addr(DNS_T_A, RD("\x7f\x00\x00"), ip, sizeof ip));
	CHECK(dns_parse_addr(DNS_T_AAAA,
	    RD("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"), ip, sizeof ip));
	CHECK_STR(ip, "2001:db8::1");
	CHECK(!dns_parse_addr(DNS_T_MX, RD("\x7f\x00\x00\x01"), ip, sizeof ip));
	CHECK(dns_parse_txt(RD("\x03v=1\x02;x"), &txt));
	CHECK_STR(buf_cstr(&txt), "v=1;x");
	CHECK(!dns_parse_txt(RD("\x05v=1"), &txt));
	CHECK(!dns_parse_txt(RD(""), &txt));
	buf_free(&txt);
	CHECK(dns_parse_tlsa(RD("\x03\x01\x01\xab\xcd"), &t));
	CHECK(t.usage == 3 && t.selector == 1 && t.mtype == 1 && t.len == 2);
	CHECK(!dns_parse_tlsa(RD("\x03\x01\x01"), &t));
}

static uint32_t last(uint32_t k)
{
	return k - 1;
}

static uint32_t first(uint32_t k)
{
	(void)k;
	return 0;
}

TEST(mxlist_order_null_and_hostport)
{
	struct mx_host v[] = { { 20, "c" }, { 10, "a" }, { 10, "b" }, { 5, "z" } };
	mxlist_order(v, 4, last);
	CHECK_STR(v[0].name, "z");
	CHECK(strcmp(v[1].name, "a") == 0 || strcmp(v[1].name, "b") == 0);
	CHECK(strcmp(v[1].name, v[2].name) != 0);
	CHECK_STR(v[3].name, "c");
	char seen[2] = { 0, 0 };
	for (int round = 0; round < 2; round++) {
		struct mx_host w[] = { { 10, "a" }, { 10, "b" } };
		mxlist_order(w, 2, round ? first : last);
		seen[round] = w[0].name[0];
	}
	CHECK(seen[0] != seen[1]);       /* ties really are reordered */

	struct mx_host null[] = { { 0, "" } };
	CHECK(mxlist_is_null(null, 1));
	struct mx_host mixed[] = { { 0, "" }, { 10, "mx" } };
	CHECK(!mxlist_is_null(mixed, 2));
	CHECK(mxlist_drop_null(mixed, 2) == 1);
	CHECK_STR(mixed[0].name, "mx");

	char host[64];
	unsigned port = 25;
	CHECK(mx_hostport_split("smtp.example", host, sizeof host, &port));
	CHECK_STR(host, "smtp.example");
	CHECK(port == 25);
	CHECK(mx_hostport_split("smtp.example:587", host, sizeof host, &port));
	CHECK(port == 587);
	CHECK(mx_hostport_split("[2001:db8::1]:2525", host, sizeof host, &port));
	CHECK_STR(host, "2001:db8::1");
	CHECK(port == 2525);
	CHECK(!mx_hostport_split("2001:db8::1", host, sizeof host, &port));
	CHECK(!mx_hostport_split("h:0", host, sizeof host, &port));
	CHECK(!mx_hostport_split("h:65536", host, sizeof host, &port));
	CHECK(!mx_hostport_split("h:25x", host, sizeof host, &port));
	CHECK(!mx_hostport_split(":25", host, sizeof host, &port));
	CHECK(!mx_hostport_split("[h]x", host, sizeof host, &port));
	CHECK(!mx_hostport_split("[h", host, sizeof host, &port));
	CHECK(!mx_hostport_split("a-very-long-host-name-that-does-not-fit-in.the"
	    "-buffer-given.example", host, sizeof host, &port));
}
