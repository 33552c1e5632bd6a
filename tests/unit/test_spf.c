/* SPF: macros (RFC 7208 7.4 examples), record syntax, Appendix A, limits,
 * the step API and hostile records and DNS answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "mailauth/spf.h"
#include "mailauth/spf_macro.h"
#include "mailauth/spf_record.h"
#include "spf_fakedns.h"
#include "t.h"

static void expand_is(const struct spf_macro_env *env, const char *in,
    bool explain, const char *want)
{
	struct buf out = BUF_INIT;
	bool ok = spf_macro_expand(env, in, strlen(in), explain, &out);
	if (!ok || strcmp(buf_cstr(&out), want) != 0)
		fprintf(stderr, "    macro %s -> %s\n", in, buf_cstr(&out));
	CHECK(ok);
	CHECK_STR(buf_cstr(&out), want);
	buf_free(&out);
}

TEST(spf_macro_rfc_examples)
{
	struct spf_ip ip;
	CHECK(spf_ip_parse("192.0.2.3", &ip));
	struct spf_macro_env env = {
		.sender = "strong-bad@email.example.com", .local = "strong-bad",
		.sender_domain = "email.example.com",
		.domain = "email.example.com", .helo = "mx.example.org",
		.ip = &ip, .now = 1700000000,
	};
	expand_is(&env, "%{s}", false, "strong-bad@email.example.com");
	expand_is(&env, "%{o}", false, "email.example.com");
	expand_is(&env, "%{d}", false, "email.example.com");
	expand_is(&env, "%{d4}", false, "email.example.com");
	expand_is(&env, "%{d3}", false, "email.example.com");
	expand_is(&env, "%{d2}", false, "example.com");
	expand_is(&env, "%{d1}", false, "com");
	expand_is(&env, "%{dr}", false, "com.example.email");
	expand_is(&env, "%{d2r}", false, "example.email");
	expand_is(&env, "%{l}", false, "strong-bad");
	expand_is(&env, "%{l-}", false, "strong.bad");
	expand_is(&env, "%{lr}", false, "strong-bad");
	expand_is(&env, "%{lr-}", false, "bad.strong");
	expand_is(&env, "%{l1r-}", false, "strong");
	expand_is(&env, "%{ir}.%{v}._spf.%{d2}", false,
	    "3.2.0.192.in-addr._spf.example.com");
	expand_is(&env, "%{lr-}.lp._spf.%{d2}", false,
	    "bad.strong.lp._spf.example.com");
	expand_is(&env, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", false,
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	expand_is(&env, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", false,
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	expand_is(&env, "%{d2}.trusted-domains.example.net", false,
	    "example.com.trusted-domains.example.net");
	CHECK(spf_ip_parse("2001:db8::cb01", &ip));
	expand_is(&env, "%{ir}.%{v}._spf.%{d2}", false,
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6._spf.example.com");
	expand_is(&env, "%{c} %{r} %{t} %{h}", true,
	    "2001:db8::cb01 unknown 1700000000 mx.example.org");
	expand_is(&env, "%%%_%-%{p}", false, "% %20unknown");
	expand_is(&env, "%{S}", false, "strong-bad%40email.example.com");
	expand_is(&env, "%{d999999999999999999999}", false,
	    "email.example.com");
}

TEST(spf_macro_syntax_errors)
{
	static const char *const bad[] = {
		"%", "%x", "%{", "%{d", "%{d2", "%{x}", "%{d0}", "%{d00}",
		"%{d2r!}", "%{c}", "%{r}", "%{t}", "a b", "%{dr..", "\x80",
		"%{}", "%{ d}", "%(ir)",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!spf_macro_valid(bad[i], strlen(bad[i]), false));
	CHECK(spf_macro_valid("%{c} %{r} %{t}", 14, true));
	CHECK(!spf_macro_valid("a\0b", 3, true));
	CHECK(!spf_macro_valid("%{d}\n", 5, true));
	CHECK(spf_domain_spec_valid("%{d}", 4));
	CHECK(spf_domain_spec_valid("%{ir}.%{v}._spf.%{d2}", 21));
	CHECK(spf_domain_spec_valid("foo.example.xn--zckzah.", 23));
	CHECK(!spf_domain_spec_valid("example.-com", 12));
	CHECK(!spf_domain_spec_valid("example.com-", 12));
	CHECK(!spf_domain_spec_valid("1.2.3.4", 7));
	CHECK(!spf_domain_spec_valid("museum", 6));
	CHECK(!spf_domain_spec_valid("%{d}com", 7));
	CHECK(!spf_domain_spec_valid("", 0));
}

TEST(spf_macro_bomb_is_bounded)
{
	struct spf_ip ip;
	spf_ip_parse("192.0.2.3", &ip);
	char sender[1100];
	memset(sender, 'a', sizeof sender - 1);
	sender[sizeof sender - 1] = '\0';
	struct spf_macro_env env = { .sender = sender, .local = sender,
		.sender_domain = "example.com", .domain = "example.com",
		.helo = "h.example.com", .ip = &ip };
	struct buf rec = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 3000; i++)
		buf_addstr(&rec, "%{S}");
	CHECK(!spf_macro_expand(&env, rec.data, rec.len, false, &out));
	CHECK(out.len < 2 * SPF_MACRO_MAX_OUT + 4000);
	/* delimiters on every octet: many parts, still linear */
	memset(sender, '-', sizeof sender - 1);
	buf_reset(&out);
	CHECK(spf_macro_expand(&env, "%{l1r-=+}", 9, false, &out));
	CHECK_STR(buf_cstr(&out), "");
	buf_free(&rec);
	buf_free(&out);
}

TEST(spf_query_name_truncation)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_addstr(&b, "label.");
	buf_addstr(&b, "example.com.");
	CHECK(spf_query_name(&b));
	CHECK(b.len <= SPF_NAME_MAX);
	CHECK(strncmp(b.data, "label.", 6) == 0);
	CHECK(strcmp(b.data + b.len - 12, ".example.com") == 0);
	buf_set(&b, "a..b.com");
	CHECK(!spf_query_name(&b));
	buf_set(&b, ".");
	CHECK(!spf_query_name(&b));
	buf_reset(&b);
	for (int i = 0; i < 64; i++)
		buf_addch(&b, 'x');
	buf_addstr(&b, ".com");
	CHECK(!spf_query_name(&b));
	buf_reset(&b);
	for (int i = 0; i < 300; i++)
		buf_addch(&b, 'x');
	CHECK(!spf_query_name(&b));
	buf_free(&b);
}

static bool parses(const char *rec)
{
	struct spf_record r;
	struct buf err = BUF_INIT;
	bool ok = spf_record_parse(rec, strlen(rec), &r, &err);
	CHECK(ok || err.len > 0);     /* every refusal names its reason */
	if (ok)
		spf_record_free(&r);
	buf_free(&err);
	return ok;
}

TEST(spf_record_syntax)
{
	CHECK(parses("v=spf1"));
	CHECK(parses("V=SPF1   "));
	CHECK(parses("v=spf1 a/0//0 mx:%{d}/32//128 ip4:0.0.0.0/0 ip6:::/0"));
	CHECK(parses("v=spf1 ?include:_spf.example.com ~exists:%{i}.x.example."
	    "com -ptr:example.com +all exp=explain.%{d} redirect=%{d2}"));
	CHECK(parses("v=spf1 unknown-mod=%{c} x.y_z=anything/at:all"));
	static const char *const bad[] = {
		"v=spf10", "v=spf1 ip4:1.2.3.4/", "v=spf1 ip4:1.2.3.4/-1",
		"v=spf1 ip4:1.2.3.4/1a", "v=spf1 ip4:1.2.3.4/0032",
		"v=spf1 ip4:1.2.3.04", "v=spf1 ip4:256.1.1.1",
		"v=spf1 ip6:::1/1290", "v=spf1 ip6:1:2:3:4:5:6:7:8:9",
		"v=spf1 a//", "v=spf1 a/", "v=spf1 a:/24", "v=spf1 mx/24//",
		"v=spf1 a/99999999999999999999", "v=spf1 +", "v=spf1 -",
		"v=spf1 all:x", "v=spf1 include:%{d}/24", "v=spf1 exists",
		"v=spf1 exp=a.com exp=b.com", "v=spf1 redirect=",
		"v=spf1 redirect=x.com redirect=x.com", "v=spf1 exp=%{r}.com",
		"v=spf1 foo=%", "v=spf1 1a", "v=spf1 =x", "v=spf1 a:b.com\t",
		"v=spf1 a:\xc3\xa9.com", "v=spf1 ptr/24", "v=spf1 +-all",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bool ok = parses(bad[i]);
		if (ok)
			fprintf(stderr, "    accepted: %s\n", bad[i]);
		CHECK(!ok);
	}
	struct spf_record r;
	struct buf err = BUF_INIT;
	CHECK(!spf_record_parse("v=spf1 a\0 -all", 14, &r, &err));
	buf_free(&err);
}

TEST(spf_record_hostile_sizes)
{
	struct buf rec = BUF_INIT, err = BUF_INIT;
	struct spf_record r;
	buf_addstr(&rec, "v=spf1");
	while (rec.len < SPF_RECORD_MAX - 4)
		buf_addstr(&rec, " -a");
	CHECK(spf_record_parse(rec.data, rec.len, &r, &err));
	CHECK(r.nterms > 5000);
	spf_record_free(&r);
	while (rec.len <= SPF_RECORD_MAX)
		buf_addstr(&rec, " -a");
	CHECK(!spf_record_parse(rec.data, rec.len, &r, &err));
	buf_reset(&rec);
	buf_addstr(&rec, "v=spf1 a:");
	for (int i = 0; i < 3000; i++)
		buf_addstr(&rec, "%{d}");
	CHECK(spf_record_parse(rec.data, rec.len, &r, &err));
	spf_record_free(&r);
	size_t which = 99;
	struct spf_txt txt[3] = { { "v=spf1", 6 }, { NULL, 0 }, { "v=spf1 a", 8 } };
	CHECK(spf_record_select(txt, 1, &which) == SPF_SELECT_ONE);
	CHECK(which == 0);
	CHECK(spf_record_select(txt, 3, &which) == SPF_SELECT_MANY);
	CHECK(spf_record_select(txt + 1, 1, &which) == SPF_SELECT_NONE);
	buf_free(&rec);
	buf_free(&err);
}

/* RFC 7208 Appendix A.1: the simple examples, each record checked for
 * the hosts the RFC names. */
static const struct zrr appendix_zone[] = {
	{ "example.com", "MX", "mail-a.example.com", 0 },
	{ "example.com", "MX", "mail-b.example.com", 0 },
	{ "example.com", "A", "192.0.2.10", 0 },
	{ "example.com", "A", "192.0.2.11", 0 },
	{ "mail-a.example.com", "A", "192.0.2.129", 0 },
	{ "mail-b.example.com", "A", "192.0.2.130", 0 },
	{ "amy.example.com", "A", "192.0.2.65", 0 },
	{ "bob.example.com", "A", "192.0.2.66", 0 },
	{ "www.example.com", "A", "192.0.2.10", 0 },
	{ "www.example.com", "A", "192.0.2.11", 0 },
	{ "mail-c.example.org", "A", "192.0.2.140", 0 },
	{ "example.org", "MX", "mail-c.example.org", 0 },
	{ "10.2.0.192.in-addr.arpa", "PTR", "example.com", 0 },
	{ "11.2.0.192.in-addr.arpa", "PTR", "example.com", 0 },
	{ "65.2.0.192.in-addr.arpa", "PTR", "amy.example.com", 0 },
	{ "66.2.0.192.in-addr.arpa", "PTR", "bob.example.com", 0 },
	{ "129.2.0.192.in-addr.arpa", "PTR", "mail-a.example.com", 0 },
	{ "130.2.0.192.in-addr.arpa", "PTR", "mail-b.example.com", 0 },
	{ "140.2.0.192.in-addr.arpa", "PTR", "mail-c.example.org", 0 },
	{ "4.0.0.10.in-addr.arpa", "PTR", "bob.example.com", 0 },
};

/* Checks record (published at example.com) for ip. */
static enum spf_result appendix(const char *record, const char *ip)
{
	struct zrr rr[sizeof appendix_zone / sizeof appendix_zone[0] + 1];
	memcpy(rr, appendix_zone, sizeof appendix_zone);
	rr[sizeof rr / sizeof rr[0] - 1] =
	    (struct zrr){ "example.com", "TXT", record, 0 };
	struct zone z = { rr, sizeof rr / sizeof rr[0], 0 };
	struct spf *s = spf_new();
	enum spf_result r = zone_spf(&z, s, ip, "user@example.com",
	    "helo.example.net", 0);
	spf_free(s);
	return r;
}

#define APPX(rec, ip, want) CHECK(appendix(rec, ip) == SPF_RESULT_##want)

TEST(spf_rfc7208_appendix_a1)
{
	APPX("v=spf1 +all", "198.51.100.7", PASS);
	APPX("v=spf1 a -all", "192.0.2.10", PASS);
	APPX("v=spf1 a -all", "192.0.2.11", PASS);
	APPX("v=spf1 a -all", "192.0.2.129", FAIL);
	APPX("v=spf1 a:example.org -all", "192.0.2.140", FAIL);
	APPX("v=spf1 a:example.org -all", "192.0.2.10", FAIL);
	APPX("v=spf1 mx -all", "192.0.2.129", PASS);
	APPX("v=spf1 mx -all", "192.0.2.130", PASS);
	APPX("v=spf1 mx -all", "192.0.2.10", FAIL);
	APPX("v=spf1 mx:example.org -all", "192.0.2.140", PASS);
	APPX("v=spf1 mx:example.org -all", "192.0.2.129", FAIL);
	APPX("v=spf1 mx mx:example.org -all", "192.0.2.129", PASS);
	APPX("v=spf1 mx mx:example.org -all", "192.0.2.130", PASS);
	APPX("v=spf1 mx mx:example.org -all", "192.0.2.140", PASS);
	APPX("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131", PASS);
	APPX("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143", PASS);
	APPX("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.132", FAIL);
	APPX("v=spf1 ptr -all", "192.0.2.10", PASS);
	APPX("v=spf1 ptr -all", "192.0.2.65", PASS);
	APPX("v=spf1 ptr -all", "192.0.2.140", FAIL);
	APPX("v=spf1 ptr -all", "10.0.0.4", FAIL);
	APPX("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65", FAIL);
	APPX("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129", PASS);
}

/* Appendix A.2 (one domain's policy included by another), A.3 (DNSBL
 * style) and A.4 (multiple requirements with -include and +all). */
static const struct zrr appendix_more[] = {
	{ "example.com", "TXT", "v=spf1 mx include:mobile-users._spf.%{d} "
	  "include:remote-users._spf.%{d} -all", 0 },
	{ "example.com", "MX", "mail-a.example.com", 0 },
	{ "mail-a.example.com", "A", "192.0.2.129", 0 },
	{ "mobile-users._spf.example.com", "TXT",
	  "v=spf1 exists:%{l1r+}.%{d}", 0 },
	{ "remote-users._spf.example.com", "TXT",
	  "v=spf1 exists:%{ir}.%{l1r+}.%{d}", 0 },
	{ "mary.mobile-users._spf.example.com", "A", "127.0.0.2", 0 },
	{ "fred.mobile-users._spf.example.com", "A", "127.0.0.2", 0 },
	{ "15.15.168.192.joel.remote-users._spf.example.com", "A",
	  "127.0.0.2", 0 },
	{ "16.15.168.192.joel.remote-users._spf.example.com", "A",
	  "127.0.0.2", 0 },
	{ "la.example.org", "TXT",
	  "v=spf1 include:example.com include:example.net -all", 0 },
	{ "example.net", "TXT", "v=spf1 ip4:198.51.100.0/24 -all", 0 },
	{ "strict.example", "TXT",
	  "v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all", 0 },
	{ "ip4._spf.strict.example", "TXT", "v=spf1 -ip4:192.0.2.0/24 +all", 0 },
	{ "ptr._spf.strict.example", "TXT", "v=spf1 -ptr:strict.example +all", 0 },
	{ "65.2.0.192.in-addr.arpa", "PTR", "amy.strict.example", 0 },
	{ "amy.strict.example", "A", "192.0.2.65", 0 },
	{ "66.2.0.192.in-addr.arpa", "PTR", "bob.other.example", 0 },
	{ "bob.other.example", "A", "192.0.2.66", 0 },
	{ "10.51.100.198.in-addr.arpa", "PTR", "x.strict.example", 0 },
	{ "x.strict.example", "A", "198.51.100.10", 0 },
};

static enum spf_result more(const char *ip, const char *sender)
{
	struct zone z = ZONE(appendix_more);
	struct spf *s = spf_new();
	enum spf_result r = zone_spf(&z, s, ip, sender, "h.example.net", 0);
	spf_free(s);
	return r;
}

TEST(spf_rfc7208_appendix_a2_a4)
{
	CHECK(more("192.0.2.129", "anyone@example.com") == SPF_RESULT_PASS);
	CHECK(more("203.0.113.9", "mary@example.com") == SPF_RESULT_PASS);
	CHECK(more("203.0.113.9", "bob@example.com") == SPF_RESULT_FAIL);
	CHECK(more("192.168.15.15", "joel@example.com") == SPF_RESULT_PASS);
	CHECK(more("192.168.15.17", "joel@example.com") == SPF_RESULT_FAIL);
	CHECK(more("198.51.100.4", "x@la.example.org") == SPF_RESULT_PASS);
	CHECK(more("192.0.2.129", "x@la.example.org") == SPF_RESULT_PASS);
	CHECK(more("203.0.113.1", "x@la.example.org") == SPF_RESULT_FAIL);
	/* A.4: pass only from 192.0.2.0/24 and with a validated PTR name */
	CHECK(more("192.0.2.65", "x@strict.example") == SPF_RESULT_PASS);
	CHECK(more("192.0.2.66", "x@strict.example") == SPF_RESULT_FAIL);
	CHECK(more("198.51.100.10", "x@strict.example") == SPF_RESULT_FAIL);
}

/* A chain d0 -> d1 -> ... of n records, each including (or redirecting
 * to) the next; the last one passes everything. */
static enum spf_result chain(size_t n, const char *how, size_t *queries)
{
	struct zrr *rr = calloc(n + 1, sizeof *rr);
	char (*names)[32] = calloc(n + 1, sizeof *names);
	char (*recs)[64] = calloc(n + 1, sizeof *recs);
	for (size_t i = 0; i <= n; i++) {
		snprintf(names[i], sizeof names[i], "d%zu.example.com", i);
		if (i < n)
			snprintf(recs[i], sizeof recs[i], "v=spf1 %sd%zu.example.com"
			    " -all", how, i + 1);
		else
			snprintf(recs[i], sizeof recs[i], "v=spf1 +all");
		rr[i] = (struct zrr){ names[i], "TXT", recs[i], 0 };
	}
	struct zone z = { rr, n + 1, 0 };
	struct spf *s = spf_new();
	enum spf_result r = zone_spf(&z, s, "192.0.2.1", "a@d0.example.com",
	    "h.example.net", 0);
	*queries = z.queries;
	spf_free(s);
	free(rr);
	free(names);
	free(recs);
	return r;
}

TEST(spf_include_chains_and_loops)
{
	size_t q;
	CHECK(chain(10, "include:", &q) == SPF_RESULT_PASS);
	CHECK(chain(11, "include:", &q) == SPF_RESULT_PERMERROR);
	CHECK(q <= 12);
	CHECK(chain(50, "include:", &q) == SPF_RESULT_PERMERROR);
	CHECK(q <= 12);
	CHECK(chain(10, "redirect=", &q) == SPF_RESULT_FAIL);  /* -all first */
	static const struct zrr loop[] = {
		{ "a.example.com", "TXT", "v=spf1 include:b.example.com -all", 0 },
		{ "b.example.com", "TXT", "v=spf1 include:a.example.com -all", 0 },
		{ "self.example.com", "TXT", "v=spf1 redirect=%{d}", 0 },
	};
	struct zone z = ZONE(loop);
	struct spf *s = spf_new();
	CHECK(zone_spf(&z, s, "192.0.2.1", "x@a.example.com", "h.example.net",
	    0) == SPF_RESULT_PERMERROR);
	CHECK(spf_problem(s) != NULL);
	CHECK(zone_spf(&z, s, "192.0.2.1", "x@self.example.com",
	    "h.example.net", 0) == SPF_RESULT_PERMERROR);
	CHECK(spf_queries(s) <= 12);
	spf_free(s);
}

TEST(spf_lookup_limit_counts_every_dns_term)
{
	static const struct zrr z10[] = {
		{ "ten.example.com", "TXT", "v=spf1 a a a a a mx mx exists:x.%{d} "
		  "ptr include:inc.example.com -all", 0 },
		{ "inc.example.com", "TXT", "v=spf1 ip4:192.0.2.1", 0 },
		{ "ten.example.com", "A", "198.51.100.1", 0 },
		{ "ten.example.com", "MX", "ten.example.com", 0 },
		{ "x.ten.example.com", "AAAA", "::1", 0 },
		{ "eleven.example.com", "TXT", "v=spf1 a a a a a mx mx ptr exists:x."
		  "ten.example.com a a ip4:192.0.2.1 -all", 0 },
		{ "eleven.example.com", "A", "198.51.100.1", 0 },
		{ "eleven.example.com", "MX", "ten.example.com", 0 },
	};
	struct zone z = ZONE(z10);
	struct spf *s = spf_new();
	CHECK(zone_spf(&z, s, "192.0.2.1", "x@ten.example.com", "h.example.net",
	    0) == SPF_RESULT_PASS);
	CHECK(zone_spf(&z, s, "192.0.2.1", "x@eleven.example.com",
	    "h.example.net", 0) == SPF_RESULT_PERMERROR);
	spf_free(s);
}

TEST(spf_helo_identity_and_null_sender)
{
	static const struct zrr zone[] = {
		{ "mx.example.com", "TXT", "v=spf1 a -all", 0 },
		{ "mx.example.com", "A", "192.0.2.25", 0 },
		{ "example.com", "TXT", "v=spf1 -all exp=why.example.com", 0 },
		{ "why.example.com", "TXT", "%{s} via %{h} at %{i} (%{v}): no", 0 },
	};
	struct zone z = ZONE(zone);
	struct spf *s = spf_new();
	CHECK(zone_spf(&z, s, "192.0.2.25", NULL, "mx.example.com", 1) ==
	    SPF_RESULT_PASS);
	CHECK_STR(spf_sender(s), "postmaster@mx.example.com");
	CHECK_STR(spf_domain(s), "mx.example.com");
	CHECK(zone_spf(&z, s, "192.0.2.26", NULL, "mx.example.com", 1) ==
	    SPF_RESULT_FAIL);
	CHECK(zone_spf(&z, s, "192.0.2.25", "", "mx.example.com", 0) ==
	    SPF_RESULT_PASS);
	CHECK_STR(spf_sender(s), "postmaster@mx.example.com");
	CHECK(zone_spf(&z, s, "192.0.2.25", NULL, "localhost", 1) ==
	    SPF_RESULT_NONE);
	CHECK(spf_queries(s) == 0);
	CHECK(zone_spf(&z, s, "192.0.2.25", NULL, "[192.0.2.25]", 1) ==
	    SPF_RESULT_NONE);
	CHECK(zone_spf(&z, s, "2001:db8::7", "joe@example.com",
	    "mx.example.com", 0) == SPF_RESULT_FAIL);
	CHECK_STR(spf_explanation(s), "joe@example.com via mx.example.com at "
	    "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7 "
	    "(ip6): no");
	CHECK_STR(spf_result_name(spf_result(s)), "fail");
	spf_free(s);
}

TEST(spf_step_api_misuse)
{
	struct spf *s = spf_new();
	struct spf_query q;
	CHECK(spf_step(s, &q) == SPF_DONE);      /* never started */
	CHECK(spf_result(s) == SPF_RESULT_PERMERROR);
	CHECK(!spf_start(s, "not-an-ip", "a@example.com", "h"));
	CHECK(!spf_start(s, "192.0.2.1\n", "a@example.com", "h"));
	CHECK(spf_start(s, "192.0.2.1", "a@example.com", NULL));
	spf_answer(s, AUTHDNS_OK, NULL, 0);      /* nothing asked yet: ignored */
	CHECK(spf_step(s, &q) == SPF_QUERY);
	CHECK(q.type == SPF_QTYPE_TXT);
	CHECK_STR(q.name, "example.com");
	CHECK(spf_step(s, &q) == SPF_QUERY);     /* same question again */
	spf_answer(s, AUTHDNS_OK, NULL, 5);      /* NULL records: none */
	CHECK(spf_step(s, &q) == SPF_DONE);
	CHECK(spf_result(s) == SPF_RESULT_NONE);
	CHECK(spf_step(s, &q) == SPF_DONE);
	char big[2000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK(spf_start(s, "192.0.2.1", big, "h.example.com"));
	CHECK(spf_step(s, &q) == SPF_DONE);
	CHECK(spf_result(s) == SPF_RESULT_NONE);
	spf_free(s);
	spf_free(NULL);
}

/* Feeds a hostile answer to the first question after the record. */
static enum spf_result hostile(const char *record, const struct authdns_rr *rr,
    size_t n, enum authdns_rcode rc)
{
	struct spf *s = spf_new();
	struct spf_query q;
	spf_start(s, "192.0.2.1", "x@example.com", "h.example.net");
	CHECK(spf_step(s, &q) == SPF_QUERY);
	struct authdns_rr rec = { record, strlen(record) };
	spf_answer(s, AUTHDNS_OK, &rec, 1);
	int rounds = 0;
	while (spf_step(s, &q) == SPF_QUERY && rounds++ < 100)
		spf_answer(s, rc, rr, n);
	enum spf_result r = spf_result(s);
	spf_free(s);
	return r;
}

TEST(spf_hostile_dns_answers)
{
	static struct authdns_rr many[1000];
	static const unsigned char addr[4] = { 192, 0, 2, 1 };
	for (size_t i = 0; i < 1000; i++)
		many[i] = (struct authdns_rr){ "v=spf1 -all", 11 };
	struct spf *s = spf_new();
	struct spf_query q;
	spf_start(s, "192.0.2.1", "x@example.com", "h.example.net");
	spf_step(s, &q);
	spf_answer(s, AUTHDNS_OK, many, 1000);    /* 1000 SPF records */
	CHECK(spf_step(s, &q) == SPF_DONE);
	CHECK(spf_result(s) == SPF_RESULT_PERMERROR);
	spf_free(s);
	/* A answers of the wrong size, then one right one */
	struct authdns_rr odd[3] = { { "\xc0\x00", 2 }, { NULL, 4 }, { addr, 4 } };
	CHECK(hostile("v=spf1 a -all", odd, 2, AUTHDNS_OK) == SPF_RESULT_FAIL);
	CHECK(hostile("v=spf1 a -all", odd, 3, AUTHDNS_OK) == SPF_RESULT_PASS);
	CHECK(hostile("v=spf1 a -all", odd, 3, AUTHDNS_TEMPFAIL) ==
	    SPF_RESULT_TEMPERROR);
	/* MX names: NUL, too long, empty; 11 of them is a permerror */
	char longname[300];
	memset(longname, 'm', sizeof longname);
	struct authdns_rr mx[11] = { { "a\0b.example", 11 }, { longname, 300 },
		{ "", 0 }, { ".", 1 } };
	for (size_t i = 4; i < 11; i++)
		mx[i] = (struct authdns_rr){ "mx.example.com", 14 };
	CHECK(hostile("v=spf1 mx -all", mx, 4, AUTHDNS_OK) == SPF_RESULT_FAIL);
	CHECK(hostile("v=spf1 mx -all", mx, 11, AUTHDNS_OK) ==
	    SPF_RESULT_PERMERROR);
	/* 1000 PTR names: only 10 are looked up */
	static struct authdns_rr ptrs[1000];
	for (size_t i = 0; i < 1000; i++)
		ptrs[i] = (struct authdns_rr){ "p.example.com", 13 };
	CHECK(hostile("v=spf1 ptr -all", ptrs, 1000, AUTHDNS_OK) ==
	    SPF_RESULT_FAIL);
	/* exists with void answers: the third is a permerror */
	CHECK(hostile("v=spf1 exists:a.%{d} exists:b.%{d} -all", NULL, 0,
	    AUTHDNS_NXDOMAIN) == SPF_RESULT_FAIL);
	CHECK(hostile("v=spf1 exists:a.%{d} exists:b.%{d} a:c.%{d} -all", NULL,
	    0, AUTHDNS_NXDOMAIN) == SPF_RESULT_PERMERROR);
}

TEST(spf_explanation_is_safe_for_smtp)
{
	static const struct zrr zone[] = {
		{ "example.com", "TXT", "v=spf1 -all exp=why.%{d}", 0 },
		{ "why.example.com", "TXT", "from %{p} %{l}%{l}%{l}%{l}%{l}", 0 },
		{ "1.2.0.192.in-addr.arpa", "PTR", "evil\r\n250 ok.example.com", 0 },
		{ "1.2.0.192.in-addr.arpa", "PTR", "ok.example.com", 0 },
		{ "ok.example.com", "A", "192.0.2.1", 0 },
		{ "evil\r\n250 ok.example.com", "A", "192.0.2.1", 0 },
	};
	struct zone z = ZONE(zone);
	struct spf *s = spf_new();
	char local[201];
	memset(local, 'x', 200);
	local[200] = '\0';
	char sender[260];
	snprintf(sender, sizeof sender, "%s@example.com", local);
	CHECK(zone_spf(&z, s, "192.0.2.1", sender, "h.example.net", 0) ==
	    SPF_RESULT_FAIL);
	const char *e = spf_explanation(s);
	CHECK(e != NULL && strncmp(e, "from ok.example.com xxx", 23) == 0);
	CHECK(e != NULL && strlen(e) == 400);
	CHECK(e != NULL && strpbrk(e, "\r\n") == NULL);
	/* "@example.com": the sender becomes postmaster@example.com */
	CHECK(zone_spf(&z, s, "192.0.2.1", "@example.com", "h.example.net", 0)
	    == SPF_RESULT_FAIL);
	CHECK_STR(spf_sender(s), "postmaster@example.com");
	spf_free(s);
}
