/* Operations: the ban list file (hostile lines: NULs, overlong, signs,
 * expired, duplicates, too many), the nft argv, SRV rdata, and the
 * zone-file form of `mailboxctl dns` records. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/banlist.h"
#include "common/config.h"
#include "common/dns.h"
#include "ctl/dnsrec.h"

#define RD(s) (const unsigned char *)(s), sizeof(s) - 1

static struct banlist *parse(const char *text, size_t len, long long now)
{
	static struct banlist l;
	banlist_parse(text, len, now, &l);
	return &l;
}

TEST(banlist_parses_and_skips_bad_lines)
{
	static const char text[] =
	    "192.0.2.1 2000\n"
	    "2001:DB8::0:1 3000\n"       /* canonicalised */
	    "198.51.100.1 500\n"         /* expired at now = 1000 */
	    "192.0.2.1 2500\n"           /* extends the first */
	    "not-an-ip 5000\n"
	    "192.0.2.2 -5000\n"
	    "192.0.2.3  5000\n"
	    "192.0.2.4 12345678901234567890123\n"
	    "192.0.2.5\n"
	    "\n"
	    "192.0.2.6 50\0" "00\n"
	    "192.0.2.7 4000";            /* no final newline */
	struct banlist *l = parse(text, sizeof text - 1, 1000);
	CHECK(l->n == 3);
	CHECK_STR(l->v[0].addr, "192.0.2.1");
	CHECK(l->v[0].until == 2500);
	CHECK_STR(l->v[1].addr, "2001:db8::1");
	CHECK_STR(l->v[2].addr, "192.0.2.7");
	CHECK(banlist_find(l, "2001:db8:0::1") == &l->v[1]);
	CHECK(banlist_find(l, "192.0.2.99") == NULL);
	struct buf out = BUF_INIT;
	banlist_format(l, &out);
	CHECK_STR(buf_cstr(&out), "192.0.2.1 2500\n2001:db8::1 3000\n192.0.2.7 4000\n");
	CHECK(banlist_del(l, "192.0.2.1") && !banlist_del(l, "192.0.2.1"));
	CHECK(l->n == 2 && strcmp(l->v[0].addr, "2001:db8::1") == 0);
	buf_free(&out);
}

TEST(banlist_bounds)
{
	struct buf text = BUF_INIT;
	for (int i = 0; i < BANLIST_MAX + 10; i++)
		buf_printf(&text, "10.%d.%d.1 9999\n", i / 256, i % 256);
	buf_addstr(&text, "1.2.3.4 ");
	for (int i = 0; i < 5000; i++)
		buf_addch(&text, '9');
	struct banlist *l = parse(text.data, text.len, 0);
	CHECK(l->n == BANLIST_MAX);
	CHECK(!banlist_put(l, "192.0.2.200", 10));
	CHECK(banlist_put(l, "10.0.0.1", 99999) && l->v[0].until == 99999);
	CHECK(!banlist_put(parse("", 0, 0), "::ffff:zz", 1));
	buf_free(&text);
}

TEST(banlist_file_roundtrip)
{
	char path[512];
	snprintf(path, sizeof path, "%s/bans", t_tmpdir());
	struct banlist *l = malloc(sizeof *l);
	struct buf err = BUF_INIT;
	CHECK(banlist_load(path, 0, l, &err) && l->n == 0);   /* missing file */
	CHECK(banlist_put(l, "192.0.2.9", 100) && banlist_put(l, "::1", 200));
	CHECK(banlist_save(path, l, &err));
	CHECK(banlist_load(path, 150, l, &err) && l->n == 1);
	CHECK_STR(l->v[0].addr, "::1");
	int fd = banlist_lock(t_tmpdir());
	CHECK(fd >= 0);
	banlist_unlock(fd);
	free(l);
	buf_free(&err);
}

static void join(const struct nft_cmd *c, char *out, size_t size)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; c->argv[i] != NULL; i++)
		buf_printf(&b, "%s%s", i ? "|" : "", c->argv[i]);
	snprintf(out, size, "%s", buf_cstr(&b));
	buf_free(&b);
}

TEST(nft_argv_is_fixed_and_per_family)
{
	struct nft_cmd c;
	char s[256];
	CHECK(nft_ban_cmd(true, "192.0.2.1", 900, &c));
	join(&c, s, sizeof s);
	CHECK_STR(s, "nft|add|element|inet|archmailbox|archmailbox_banned|{|"
	    "192.0.2.1|timeout|900s|}");
	CHECK(nft_ban_cmd(false, "2001:DB8::1", 0, &c));
	join(&c, s, sizeof s);
	CHECK_STR(s, "nft|delete|element|inet|archmailbox|archmailbox_banned6|{|"
	    "2001:db8::1|}");
	/* Anything that is not an address never reaches nft. */
	CHECK(!nft_ban_cmd(true, "1.2.3.4 } ; flush ruleset", 1, &c));
	CHECK(!nft_ban_cmd(true, "", 1, &c));
	CHECK(!nft_ban_cmd(true, "::1%eth0", 1, &c));
	CHECK(nft_ban_cmd(true, "::1", -5, &c) && strcmp(c.timeout, "1s") == 0);
}

TEST(dns_srv_rdata)
{
	struct dns_srv s;
	CHECK(dns_parse_srv(RD("\x00\x0a\x00\x01\x01\xd1\x04mail\x04test\x00"), &s));
	CHECK(s.priority == 10 && s.weight == 1 && s.port == 465);
	CHECK_STR(s.target, "mail.test");
	CHECK(dns_parse_srv(RD("\x00\x00\x00\x00\x00\x00\x00"), &s));
	CHECK_STR(s.target, "");
	CHECK(!dns_parse_srv(RD("\x00\x00\x00\x00\x00\x00"), &s));
	CHECK(!dns_parse_srv(RD("\x00\x00\x00\x00\x00\x00\x04mail"), &s));
	CHECK(!dns_parse_srv(RD("\x00\x00\x00\x00\x00\x00\xc0\x0c"), &s));
	CHECK(!dns_parse_srv(RD("\x00\x00\x00\x00\x00\x00\x00junk"), &s));
}

TEST(dnsrec_presentation_forms)
{
	struct buf b = BUF_INIT;
	CHECK(dnsrec_from_rdata(DNS_T_MX, RD("\x00\x0a\x02mx\x04test\x00"), &b));
	CHECK_STR(buf_cstr(&b), "10 mx.test.");
	buf_reset(&b);
	CHECK(dnsrec_from_rdata(DNS_T_SRV, RD("\0\0\0\0\0\0\0"), &b));
	CHECK_STR(buf_cstr(&b), "0 0 0 .");
	buf_reset(&b);
	CHECK(dnsrec_from_rdata(DNS_T_TXT, RD("\x03v=a\x02;b"), &b));
	CHECK_STR(buf_cstr(&b), "v=a;b");
	buf_reset(&b);
	CHECK(dnsrec_from_rdata(DNS_T_PTR, RD("\x04mail\x04test\x00"), &b));
	CHECK_STR(buf_cstr(&b), "mail.test.");
	CHECK(!dnsrec_from_rdata(DNS_T_PTR, RD("\x04mail\x04test\x00x"), &b));
	CHECK(!dnsrec_from_rdata(DNS_T_A, RD("\x01\x02\x03"), &b));
	CHECK(!dnsrec_from_rdata(99, RD("\x01"), &b));
	buf_reset(&b);
	CHECK(dnsrec_reverse_name("192.0.2.10", &b));
	CHECK_STR(buf_cstr(&b), "10.2.0.192.in-addr.arpa");
	buf_reset(&b);
	CHECK(dnsrec_reverse_name("2001:db8::1", &b));
	CHECK_STR(buf_cstr(&b), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.ip6.arpa");
	CHECK(!dnsrec_reverse_name("mail.test", &b));
	buf_free(&b);
}

TEST(dnsrec_prints_zone_lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct buf big = BUF_INIT;
	for (int i = 0; i < 300; i++)
		buf_addch(&big, (char)('a' + i % 26));
	struct dnsrec recs[] = {
		{ (char *)"example.test", DNS_T_TXT, (char *)"v=x; q=\"a\\b\"", true },
		{ (char *)"k._domainkey.example.test", DNS_T_TXT, big.data, true },
		{ (char *)"example.test", DNS_T_MX, (char *)"10 mail.test.", true },
	};
	for (size_t i = 0; i < 3; i++)
		dnsrec_print(f, &recs[i]);
	fclose(f);
	struct buf want = BUF_INIT;
	buf_printf(&want, "example.test. IN TXT ( \"v=x; q=\\\"a\\\\b\\\"\" )\n"
	    "k._domainkey.example.test. IN TXT ( \"%.255s\" \"%s\" )\n"
	    "example.test. IN MX 10 mail.test.\n", big.data, big.data + 255);
	CHECK_STR(text, buf_cstr(&want));
	free(text);
	buf_free(&big);
	buf_free(&want);
}

TEST(mta_sts_policy_and_id)
{
	struct buf p = BUF_INIT;
	char id[17], id2[17];
	dnsrec_mta_sts_policy("mail.example.test", &p);
	CHECK_STR(buf_cstr(&p), "version: STSv1\r\nmode: enforce\r\n"
	    "mx: mail.example.test\r\nmax_age: 604800\r\n");
	dnsrec_mta_sts_id(p.data, id);
	CHECK(strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16);
	buf_reset(&p);
	dnsrec_mta_sts_policy("mx2.example.test", &p);
	dnsrec_mta_sts_id(p.data, id2);
	CHECK(strcmp(id, id2) != 0);
	buf_free(&p);
}

TEST(config_public_addresses)
{
	struct buf err = BUF_INIT;
	CHECK(config_validate("public_ipv4", "203.0.113.25", &err));
	CHECK(config_validate("public_ipv4", "", &err));
	CHECK(!config_validate("public_ipv4", "2001:db8::1", &err));
	CHECK(!config_validate("public_ipv4", "203.0.113.256", &err));
	CHECK(!config_validate("public_ipv4", "mail.example.org", &err));
	CHECK(config_validate("public_ipv6", "2001:db8::1", &err));
	CHECK(config_validate("public_ipv6", "", &err));
	buf_reset(&err);
	CHECK(!config_validate("public_ipv6", "203.0.113.25", &err));
	CHECK_STR(buf_cstr(&err), "public_ipv6: invalid value '203.0.113.25': "
	    "expected an IPv6 address or nothing");
	buf_free(&err);
}
