/* The combined SPF/DKIM/DMARC check of one message against a fake zone:
 * the verdict, the Authentication-Results field, and questions left
 * unanswered (the caller's time limit) turning into temperror. */
#include <string.h>

#include "common/buf.h"
#include "common/dns.h"
#include "mailauth/authcheck.h"
#include "spf_fakedns.h"
#include "t.h"

static const struct zrr zone_rr[] = {
	{ "example.com", "TXT", "v=spf1 ip4:192.0.2.0/24 -all", 0 },
	{ "_dmarc.example.com", "TXT", "v=DMARC1; p=reject", 0 },
	{ "example.org", "TXT", "v=spf1 -all", 0 },
	{ "_dmarc.example.org", "TXT", "v=DMARC1; p=quarantine; pct=100", 0 },
	{ "slow.example", "TIMEOUT", "", 0 },
	{ "mx.example.net", "TXT", "v=spf1 ip4:192.0.2.7 -all", 0 },
};

/* Runs the check, answering every question from the zone unless
 * answer is false (then they stay out). */
static void run(const char *hdr, const char *ip, const char *from, bool answer,
    struct authcheck_verdict *v, struct buf *ar)
{
	struct zone z = ZONE(zone_rr);
	struct authcheck_params p = { ip, "mx.example.net", from, "mx.ours.example",
		hdr, strlen(hdr), 1800000000LL };
	struct authcheck *c = authcheck_new(&p);
	struct authcheck_query q;
	while (authcheck_next_query(c, &q)) {
		CHECK(authcheck_busy(c));
		if (!answer)
			continue;
		struct authdns_rr rr[8];
		unsigned char bin[8][16];
		size_t n;
		enum authdns_rcode rc = zone_lookup(&z, q.type, q.name, rr, bin, 8, &n);
		authcheck_answer(c, q.token, rc, rr, n);
		authcheck_answer(c, q.token, rc, rr, n);   /* repeats are ignored */
	}
	CHECK(authcheck_busy(c) == !answer || !answer);
	authcheck_body(c, "Hi.\r\n", 5);
	struct buf folded = BUF_INIT;
	authcheck_finish(c, 0, v, &folded);
	authcheck_free(c);
	/* unfolded, to match against; the final line end stays */
	for (size_t i = 0; i < folded.len; i++)
		if (!(folded.data[i] == '\r' && i + 2 < folded.len &&
		    folded.data[i + 1] == '\n' && folded.data[i + 2] == ' ') &&
		    !(folded.data[i] == '\n' && i > 0 && folded.data[i - 1] == '\r' &&
		    i + 1 < folded.len))
			buf_addch(ar, folded.data[i]);
	buf_free(&folded);
}

TEST(authcheck_aligned_spf_passes_dmarc)
{
	struct authcheck_verdict v;
	struct buf ar = BUF_INIT;
	run("From: A <a@example.com>\r\nSubject: x\r\n\r\n", "192.0.2.7",
	    "bounce@example.com", true, &v, &ar);
	CHECK(v.spf == SPF_RESULT_PASS);
	CHECK(v.ndkim == 0 && !v.dkim_pass && v.from_ok);
	CHECK(v.dmarc.result == DMARC_RESULT_PASS && v.dmarc.spf_aligned);
	CHECK(strstr(buf_cstr(&ar), "Authentication-Results: mx.ours.example;") != NULL);
	CHECK(strstr(ar.data, "spf=pass smtp.mailfrom=bounce@example.com") != NULL);
	CHECK(strstr(ar.data, "dkim=none") != NULL);
	CHECK(strstr(ar.data, "dmarc=pass") != NULL);
	CHECK(strstr(ar.data, "header.from=example.com") != NULL);
	CHECK(authcheck_score(&v) == 0);
	CHECK(v.helo_checked && v.spf_helo == SPF_RESULT_PASS);
	CHECK(strstr(ar.data, "spf=pass smtp.helo=mx.example.net") != NULL);
	CHECK(ar.len > 2 && memcmp(ar.data + ar.len - 2, "\r\n", 2) == 0);
	buf_free(&ar);
}

TEST(authcheck_forged_from_fails_dmarc)
{
	struct authcheck_verdict v;
	struct buf ar = BUF_INIT;
	/* SPF passes for another domain: not aligned with From. */
	run("From: boss@example.com\r\n\r\n", "192.0.2.7", "x@other.example",
	    true, &v, &ar);
	CHECK(v.dmarc.result == DMARC_RESULT_FAIL);
	CHECK(v.dmarc.disposition == DMARC_POLICY_REJECT);
	CHECK(strstr(buf_cstr(&ar), "dmarc=fail (p=reject dis=reject)") != NULL);
	buf_reset(&ar);
	run("From: boss@example.org\r\n\r\n", "198.51.100.1", "boss@example.org",
	    true, &v, &ar);
	CHECK(v.spf == SPF_RESULT_FAIL);
	CHECK(v.spf_helo == SPF_RESULT_FAIL);
	CHECK(v.dmarc.disposition == DMARC_POLICY_QUARANTINE);
	CHECK(authcheck_score(&v) == 1500 + 2500);
	buf_free(&ar);
}

TEST(authcheck_from_must_be_one_address)
{
	struct authcheck_verdict v;
	struct buf ar = BUF_INIT;
	static const char *const hdrs[] = {
		"Subject: no from\r\n\r\n",
		"From: a@example.com\r\nFrom: b@example.com\r\n\r\n",
		"From: a@example.com, b@example.com\r\n\r\n",
		"From: undisclosed:;\r\n\r\n",
		"From: \x01\xff@\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
		buf_reset(&ar);
		run(hdrs[i], "192.0.2.7", "a@example.com", true, &v, &ar);
		CHECK(!v.from_ok);
		CHECK(v.dmarc.result == DMARC_RESULT_NONE);
		CHECK(v.dmarc.disposition != DMARC_POLICY_REJECT);
	}
	buf_free(&ar);
}

TEST(authcheck_unanswered_is_temperror)
{
	struct authcheck_verdict v;
	struct buf ar = BUF_INIT;
	run("From: a@example.com\r\n\r\n", "192.0.2.7", "a@example.com", false,
	    &v, &ar);
	CHECK(v.spf == SPF_RESULT_TEMPERROR);
	CHECK(v.dmarc.result == DMARC_RESULT_TEMPERROR);
	CHECK(strstr(buf_cstr(&ar), "spf=temperror") != NULL);
	buf_reset(&ar);
	run("From: a@slow.example\r\n\r\n", "192.0.2.7", "a@slow.example", true,
	    &v, &ar);
	CHECK(v.spf == SPF_RESULT_TEMPERROR);
	buf_free(&ar);
}

TEST(authcheck_bad_inputs)
{
	struct authcheck_verdict v;
	struct buf ar = BUF_INIT;
	/* not an IP, a signature that does not parse, no header at all */
	run("DKIM-Signature: v=1; a=rsa-sha256; d=\r\nFrom: a@example.com\r\n\r\n",
	    "not-an-ip", "a@example.com", true, &v, &ar);
	CHECK(v.ndkim == 1 && v.dkim_fail && !v.dkim_pass);
	CHECK(strstr(buf_cstr(&ar), "dkim=permerror") != NULL);
	buf_reset(&ar);
	run("", "192.0.2.7", "", true, &v, &ar);
	CHECK(!v.from_ok && !v.helo_checked);
	CHECK(strstr(buf_cstr(&ar), "smtp.helo=mx.example.net") != NULL);
	buf_free(&ar);
}

/* libunbound's wire-format answers as the engines take them. */
static struct authdns_answer conv(int type, enum dns_status st,
    const unsigned char *const *rdata, const size_t *len, size_t n)
{
	struct dns_answer a = { st, false, n, rdata, len };
	struct authdns_answer out;
	authdns_answer_from(&out, type, &a);
	return out;
}

TEST(authdns_from_wire)
{
	static const unsigned char txt[] = "\x05v=spf\x02" "1 \x00";
	static const unsigned char badtxt[] = "\x09short";
	static const unsigned char mx[] = "\x00\x0a\x02mx\x07" "example\x00";
	static const unsigned char ptr[] = "\x04host\x04test\x00";
	static const unsigned char a4[] = { 192, 0, 2, 1 };
	const unsigned char *rd[] = { txt, badtxt };
	size_t len[] = { sizeof txt - 1, sizeof badtxt - 1 };
	struct authdns_answer x = conv(DNS_T_TXT, DNS_OK, rd, len, 2);
	CHECK(x.rc == AUTHDNS_OK && x.n == 1);   /* the bad one is left out */
	CHECK_MEM(x.rr[0].data, x.rr[0].len, "v=spf1 ", 7);
	authdns_answer_free(&x);
	rd[0] = mx;
	len[0] = sizeof mx - 1;
	x = conv(DNS_T_MX, DNS_OK, rd, len, 1);
	CHECK(x.n == 1);
	CHECK_MEM(x.rr[0].data, x.rr[0].len, "mx.example", 10);
	authdns_answer_free(&x);
	rd[0] = ptr;
	len[0] = sizeof ptr - 1;
	x = conv(DNS_T_PTR, DNS_OK, rd, len, 1);
	CHECK(x.n == 1);
	CHECK_MEM(x.rr[0].data, x.rr[0].len, "host.test", 9);
	authdns_answer_free(&x);
	len[0] = sizeof ptr;         /* trailing junk */
	x = conv(DNS_T_PTR, DNS_OK, rd, len, 1);
	CHECK(x.n == 0);
	authdns_answer_free(&x);
	rd[0] = a4;
	len[0] = 4;
	x = conv(DNS_T_A, DNS_OK, rd, len, 1);
	CHECK(x.n == 1 && x.rr[0].len == 4);
	authdns_answer_free(&x);
	x = conv(DNS_T_AAAA, DNS_OK, rd, len, 1);     /* wrong length */
	CHECK(x.n == 0);
	authdns_answer_free(&x);
	x = conv(DNS_T_TXT, DNS_NODATA, NULL, NULL, 0);
	CHECK(x.rc == AUTHDNS_OK && x.n == 0);
	x = conv(DNS_T_TXT, DNS_NXDOMAIN, NULL, NULL, 0);
	CHECK(x.rc == AUTHDNS_NXDOMAIN);
	x = conv(DNS_T_TXT, DNS_TEMPFAIL, NULL, NULL, 0);
	CHECK(x.rc == AUTHDNS_TEMPFAIL);
}
