/* Greylisting: first sight deferred, retry after the delay passes, the
 * network not the address, expiry; DNSBL names and answers. */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "filter/dnsbl.h"
#include "store/greylist.h"
#include "t.h"

TEST(greylist_triplets)
{
	char path[512];
	snprintf(path, sizeof path, "%s/g.db", t_tmpdir());
	struct buf err = BUF_INIT;
	struct greylist *g = greylist_open(path, &err);
	CHECK(g != NULL);
	long long t = 1800000000;
	const char *s = "a@sender.test", *r = "u@example.test";
	CHECK(greylist_check(g, "192.0.2.7", s, r, t, 300, 86400) == GREYLIST_DEFER);
	CHECK(greylist_check(g, "192.0.2.7", s, r, t + 299, 300, 86400) == GREYLIST_DEFER);
	/* another address of the same /24, other case */
	CHECK(greylist_check(g, "192.0.2.99", "A@Sender.TEST", r, t + 300, 300,
	    86400) == GREYLIST_PASS);
	CHECK(greylist_check(g, "198.51.100.1", s, r, t + 300, 300, 86400) ==
	    GREYLIST_DEFER);
	CHECK(greylist_check(g, "192.0.2.7", s, "other@example.test", t + 300,
	    300, 86400) == GREYLIST_DEFER);
	CHECK(greylist_check(g, "not an ip", s, r, t, 300, 86400) == GREYLIST_ERROR);
	greylist_close(g);
	/* reopened: remembered; forgotten after the expiry */
	g = greylist_open(path, &err);
	CHECK(g != NULL);
	CHECK(greylist_check(g, "192.0.2.7", s, r, t + 1000, 300, 86400) == GREYLIST_PASS);
	CHECK(greylist_check(g, "192.0.2.7", s, r, t + 1000 + 86401, 300, 86400) ==
	    GREYLIST_DEFER);
	greylist_close(g);
	FILE *f = fopen(path, "rb");
	char data[65536];
	size_t n = f ? fread(data, 1, sizeof data, f) : 0;
	if (f)
		fclose(f);
	CHECK(memmem(data, n, "sender.test", 11) == NULL);
	buf_free(&err);
}

TEST(greylist_networks)
{
	char net[64];
	CHECK(greylist_net("192.0.2.77", net, sizeof net));
	CHECK_STR(net, "192.0.2.0/24");
	CHECK(greylist_net("2001:db8:1:2:3:4:5:6", net, sizeof net));
	CHECK_STR(net, "2001:db8:1:2::/64");
	CHECK(!greylist_net("", net, sizeof net));
	CHECK(!greylist_net("192.0.2.1/24", net, sizeof net));
	CHECK(!greylist_net("192.0.2.77", net, 5));
}

TEST(dnsbl_names)
{
	char name[300];
	CHECK(dnsbl_query_name("192.0.2.99", "zen.spamhaus.org", name, sizeof name));
	CHECK_STR(name, "99.2.0.192.zen.spamhaus.org");
	CHECK(dnsbl_query_name("2001:db8::1", "bl.test", name, sizeof name));
	CHECK_STR(name, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test");
	CHECK(!dnsbl_query_name("host", "bl.test", name, sizeof name));
	CHECK(!dnsbl_query_name("192.0.2.1", "", name, sizeof name));
	CHECK(!dnsbl_query_name("192.0.2.1", "bad..zone", name, sizeof name));
	CHECK(!dnsbl_query_name("192.0.2.1", "zone with space", name, sizeof name));
	CHECK(!dnsbl_query_name("192.0.2.1", "a.b\xc3\xa9", name, sizeof name));
	CHECK(!dnsbl_query_name("192.0.2.1", "bl.test", name, 10));
	char longzone[300];
	memset(longzone, 'a', sizeof longzone - 1);
	longzone[sizeof longzone - 1] = '\0';
	CHECK(!dnsbl_query_name("192.0.2.1", longzone, name, sizeof name));
	CHECK(dnsbl_listed((const unsigned char *)"\x7f\0\0\x02"));
	CHECK(dnsbl_listed((const unsigned char *)"\x7f\0\0\x0a"));
	CHECK(!dnsbl_listed((const unsigned char *)"\x7f\xff\xff\xfe"));
	CHECK(!dnsbl_listed((const unsigned char *)"\x0a\0\0\x02"));
}

static size_t hits(const char *zones, const char *listed, const char *want)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "X: ");
	size_t n = dnsbl_hits(zones, listed, &b);
	CHECK_STR(buf_cstr(&b), want);
	buf_free(&b);
	return n;
}

/* What smtp reports back counts only for lists we ask, each once. */
TEST(dnsbl_hit_list)
{
	CHECK(hits("zen.spamhaus.org bl.spamcop.net", "bl.spamcop.net",
	    "X: bl.spamcop.net") == 1);
	CHECK(hits("a.test,b.test\tc.test", "c.test, A.TEST", "X: a.test, c.test") == 2);
	CHECK(hits("a.test", "", "X: ") == 0);
	CHECK(hits("", "a.test", "X: ") == 0);
	/* a list reported but not configured, or a prefix of one */
	CHECK(hits("a.test", "evil.test\r\nBcc: x, a.tes, a.test.x", "X: ") == 0);
	/* a zone configured twice counts once */
	CHECK(hits("a.test a.test", "a.test", "X: a.test") == 1);
	/* only the first DNSBL_MAX_ZONES lists are asked */
	CHECK(hits("1.t 2.t 3.t 4.t 5.t 6.t 7.t 8.t 9.t", "9.t, 8.t", "X: 8.t") == 1);
	/* separators only, and a long run without any */
	CHECK(hits(" ,\t, ", " , ", "X: ") == 0);
	char big[5000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK(hits("zz", big, "X: ") == 0);
}
