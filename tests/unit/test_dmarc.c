/* DMARC: record parsing (strict v and p, lenient rest, hostile input),
 * organisational domains, discovery against a fake zone, alignment and
 * pct. */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "mailauth/dmarc.h"
#include "spf_fakedns.h"
#include "t.h"

static bool rec(const char *txt, struct dmarc_record *r)
{
	struct buf err = BUF_INIT;
	bool ok = dmarc_record_parse(txt, strlen(txt), r, &err);
	CHECK(ok || err.len > 0);
	buf_free(&err);
	return ok;
}

TEST(dmarc_record_tags)
{
	struct dmarc_record r;
	CHECK(rec("v=DMARC1; p=reject; sp=quarantine; pct=25; adkim=s; "
	    "aspf=s; fo=1:d:s; rf=afrf; ri=3600; rua=mailto:a@example.com!10m,"
	    " mailto:b@example.net; ruf=mailto:f@example.com;", &r));
	CHECK(r.p == DMARC_POLICY_REJECT);
	CHECK(r.sp == DMARC_POLICY_QUARANTINE);
	CHECK(r.pct == 25);
	CHECK(r.adkim_strict && r.aspf_strict);
	CHECK(r.fo == (DMARC_FO_1 | DMARC_FO_D | DMARC_FO_S));
	CHECK(r.rf_afrf);
	CHECK(r.ri == 3600);
	CHECK(r.nrua == 2);
	CHECK_STR(r.rua[0], "mailto:a@example.com");
	CHECK_STR(r.rua[1], "mailto:b@example.net");
	CHECK(r.nruf == 1);
	dmarc_record_free(&r);
	/* defaults; sp follows p; white space around tags and values */
	CHECK(rec("v = DMARC1 ;\tP = Quarantine ", &r));
	CHECK(r.p == DMARC_POLICY_QUARANTINE && r.sp == DMARC_POLICY_QUARANTINE);
	CHECK(r.pct == 100 && !r.adkim_strict && !r.aspf_strict);
	CHECK(r.fo == DMARC_FO_0 && r.ri == 86400 && r.nrua == 0);
	dmarc_record_free(&r);
	/* bad optional values fall back to defaults, unknown tags ignored */
	CHECK(rec("v=DMARC1; p=none; pct=101; adkim=x; fo=2; ri=-1; "
	    "future=yes; 9bad=1; noequals; rua=not a uri,also:bad\x01", &r));
	CHECK(r.pct == 100 && !r.adkim_strict && r.fo == DMARC_FO_0);
	CHECK(r.ri == 86400 && r.nrua == 0);
	dmarc_record_free(&r);
}

TEST(dmarc_record_refusals)
{
	struct dmarc_record r;
	static const char *const bad[] = {
		"", "v=DMARC2; p=reject", "p=reject; v=DMARC1", "v=dmarc1; p=none",
		"v=DMARC1", "v=DMARC1; p=block", "v=DMARC1; p=reject; sp=maybe",
		"v=DMARC1p=reject", "x; v=DMARC1; p=none",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bool ok = rec(bad[i], &r);
		if (ok) {
			fprintf(stderr, "    accepted: %s\n", bad[i]);
			dmarc_record_free(&r);
		}
		CHECK(!ok);
	}
	/* RFC 7489 6.6.3: bad p but a usable rua acts as p=none */
	CHECK(rec("v=DMARC1; p=bogus; rua=mailto:r@example.com", &r));
	CHECK(r.p == DMARC_POLICY_NONE && r.none_for_rua);
	dmarc_record_free(&r);
	CHECK(!rec("v=DMARC1; rua=nonsense", &r));
}

TEST(dmarc_record_hostile)
{
	struct dmarc_record r;
	struct buf b = BUF_INIT, err = BUF_INIT;
	buf_addstr(&b, "v=DMARC1; p=reject; rua=");
	for (int i = 0; i < 5000; i++)
		buf_addstr(&b, "mailto:x@example.com,");
	CHECK(dmarc_record_parse(b.data, b.len, &r, &err));
	CHECK(r.nrua == DMARC_MAX_URIS);
	dmarc_record_free(&r);
	buf_reset(&b);
	buf_addstr(&b, "v=DMARC1; p=reject");
	for (int i = 0; i < 20000; i++)
		buf_addstr(&b, ";;");
	CHECK(dmarc_record_parse(b.data, b.len, &r, &err));
	dmarc_record_free(&r);
	/* a NUL spoils the first p=; a second p= does not replace it */
	CHECK(!dmarc_record_parse("v=DMARC1; p=reject\0; p=none", 27, &r, &err));
	CHECK(!dmarc_record_parse("v=DMARC1\0; p=none", 17, &r, &err));
	CHECK(!dmarc_record_parse("v", 1, &r, &err));
	buf_free(&b);
	buf_free(&err);
}

TEST(dmarc_org_domains)
{
	struct buf b = BUF_INIT;
	dmarc_org_domain("Mail.Example.COM.", &b);
	CHECK_STR(buf_cstr(&b), "example.com");
	dmarc_org_domain("a.b.example.co.uk", &b);
	CHECK_STR(buf_cstr(&b), "example.co.uk");
	dmarc_org_domain("example.co.uk", &b);
	CHECK_STR(buf_cstr(&b), "example.co.uk");
	dmarc_org_domain("co.uk", &b);
	CHECK_STR(buf_cstr(&b), "co.uk");
	dmarc_org_domain("com", &b);
	CHECK_STR(buf_cstr(&b), "com");
	dmarc_org_domain("x.y.unknown-tld-zz", &b);
	CHECK_STR(buf_cstr(&b), "y.unknown-tld-zz");
	dmarc_org_domain("", &b);
	CHECK_STR(buf_cstr(&b), "");
	buf_free(&b);
	CHECK(dmarc_aligned("bounce.example.com", "example.com", false));
	CHECK(!dmarc_aligned("bounce.example.com", "example.com", true));
	CHECK(dmarc_aligned("EXAMPLE.com.", "example.COM", true));
	CHECK(!dmarc_aligned("a.example.co.uk", "b.other.co.uk", false));
	CHECK(dmarc_aligned("a.example.co.uk", "b.example.co.uk", false));
	CHECK(!dmarc_aligned("example.com", "", false));
	CHECK(!dmarc_aligned(NULL, "example.com", false));
}

static const struct zrr dzone[] = {
	{ "_dmarc.example.com", "TXT", "v=DMARC1; p=reject; sp=quarantine; "
	  "pct=50", 0 },
	{ "_dmarc.example.com", "TXT", "some other text", 0 },
	{ "_dmarc.strict.example", "TXT",
	  "v=DMARC1; p=reject; adkim=s; aspf=s", 0 },
	{ "_dmarc.none.example", "TXT", "v=DMARC1; p=none", 0 },
	{ "_dmarc.two.example", "TXT", "v=DMARC1; p=reject", 0 },
	{ "_dmarc.two.example", "TXT", "v=DMARC1; p=none", 0 },
	{ "_dmarc.slow.example", "TIMEOUT", "", 0 },
	{ "_dmarc.broken.example", "TXT", "v=DMARC1; p=banana", 0 },
	{ "_dmarc.sub.nopolicy.example", "TXT", "v=DMARC1; p=quarantine", 0 },
};

struct dres {
	struct dmarc_verdict v;
	size_t queries;
};

static struct dres check(struct dmarc *d, const char *from,
    enum spf_result spf, const char *spf_domain, const char *dkim,
    unsigned sample)
{
	struct zone z = ZONE(dzone);
	dmarc_start(d, from);
	const char *name;
	while (dmarc_step(d, &name) == DMARC_QUERY) {
		struct authdns_rr rr[8];
		unsigned char bin[8][16];
		size_t n;
		enum authdns_rcode rc = zone_lookup(&z, SPF_QTYPE_TXT, name, rr,
		    bin, 8, &n);
		dmarc_answer(d, rc, rr, n);
	}
	const char *doms[1] = { dkim };
	struct dmarc_auth a = { spf, spf_domain, doms, dkim ? 1 : 0 };
	struct dres r = { .queries = z.queries };
	dmarc_evaluate(d, &a, sample, &r.v);
	return r;
}

TEST(dmarc_discovery_and_policy)
{
	struct dmarc *d = dmarc_new();
	struct dres r = check(d, "example.com", SPF_RESULT_PASS,
	    "bounce.example.com", NULL, 0);
	CHECK(r.v.result == DMARC_RESULT_PASS && r.v.spf_aligned);
	CHECK(!r.v.dkim_aligned);
	CHECK(r.v.policy == DMARC_POLICY_REJECT);
	CHECK_STR(r.v.policy_domain, "example.com");
	/* forged From of a p=reject domain: fail, reject within pct=50 */
	r = check(d, "Example.COM", SPF_RESULT_PASS, "evil.example", NULL, 10);
	CHECK(r.v.result == DMARC_RESULT_FAIL);
	CHECK(r.v.disposition == DMARC_POLICY_REJECT && !r.v.sampled_out);
	r = check(d, "example.com", SPF_RESULT_FAIL, "example.com",
	    "evil.example", 75);
	CHECK(r.v.result == DMARC_RESULT_FAIL);
	CHECK(r.v.disposition == DMARC_POLICY_QUARANTINE && r.v.sampled_out);
	/* a subdomain finds the org record and gets sp= */
	r = check(d, "news.example.com", SPF_RESULT_NONE, "", "evil.example", 0);
	CHECK(r.queries == 2);
	CHECK(r.v.policy == DMARC_POLICY_QUARANTINE);
	CHECK_STR(r.v.policy_domain, "example.com");
	CHECK_STR(r.v.from_domain, "news.example.com");
	r = check(d, "news.example.com", SPF_RESULT_NONE, "", "example.com", 0);
	CHECK(r.v.result == DMARC_RESULT_PASS && r.v.dkim_aligned);
	/* strict alignment */
	r = check(d, "strict.example", SPF_RESULT_PASS, "mail.strict.example",
	    "mail.strict.example", 0);
	CHECK(r.v.result == DMARC_RESULT_FAIL);
	r = check(d, "strict.example", SPF_RESULT_SOFTFAIL, "strict.example",
	    "strict.example", 0);
	CHECK(r.v.result == DMARC_RESULT_PASS && !r.v.spf_aligned);
	/* no record anywhere, two records, temporary failure, bad record */
	r = check(d, "nothing.example", SPF_RESULT_PASS, "nothing.example",
	    NULL, 0);
	CHECK(r.v.result == DMARC_RESULT_NONE);
	CHECK(r.queries == 1);               /* it is its own org domain */
	r = check(d, "two.example", SPF_RESULT_NONE, "", NULL, 0);
	CHECK(r.v.result == DMARC_RESULT_PERMERROR);
	CHECK(r.v.disposition == DMARC_POLICY_NONE);
	r = check(d, "slow.example", SPF_RESULT_NONE, "", NULL, 0);
	CHECK(r.v.result == DMARC_RESULT_TEMPERROR);
	r = check(d, "broken.example", SPF_RESULT_NONE, "", NULL, 0);
	CHECK(r.v.result == DMARC_RESULT_PERMERROR && r.queries == 1);
	/* a record at a subdomain is not inherited by deeper names */
	r = check(d, "deep.sub.nopolicy.example", SPF_RESULT_NONE, "", NULL, 0);
	CHECK(r.v.result == DMARC_RESULT_NONE && r.queries == 2);
	r = check(d, "none.example", SPF_RESULT_FAIL, "none.example", NULL, 0);
	CHECK(r.v.result == DMARC_RESULT_FAIL);
	CHECK(r.v.disposition == DMARC_POLICY_NONE && !r.v.sampled_out);
	CHECK_STR(dmarc_result_name(r.v.result), "fail");
	CHECK_STR(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine");
	dmarc_free(d);
}

TEST(dmarc_bad_from_domains)
{
	struct dmarc *d = dmarc_new();
	const char *name;
	static const char *const bad[] = { "", "localhost", "a..b.com",
		"[192.0.2.1]", "exa mple.com", "\xc3\xa9.com", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(!dmarc_start(d, bad[i]));
		CHECK(dmarc_step(d, &name) == DMARC_DONE);
	}
	char big[400];
	memset(big, 'a', sizeof big);
	for (size_t i = 60; i < sizeof big; i += 61)
		big[i] = '.';
	big[sizeof big - 1] = '\0';
	CHECK(!dmarc_start(d, big));
	dmarc_answer(d, AUTHDNS_OK, NULL, 0);     /* unasked: ignored */
	struct dmarc_verdict v;
	struct dmarc_auth a = { SPF_RESULT_PASS, "x.com", NULL, 0 };
	dmarc_evaluate(d, &a, 0, &v);
	CHECK(v.result == DMARC_RESULT_NONE);
	CHECK(dmarc_record(d) == NULL);
	dmarc_free(d);
	dmarc_free(NULL);
}
