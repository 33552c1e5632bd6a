/* The end-of-DATA policy: DMARC reject and quarantine, filters' refusals,
 * the thresholds, GTUBE, and rspamd's score in place of ours. */
#include <string.h>

#include "daemon/verdict_policy.h"
#include "t.h"

static struct verdict_out decide(const struct authcheck_verdict *a,
    struct verdict_in in)
{
	struct verdict_out o;
	in.auth = a;
	in.junk_at = in.junk_at ? in.junk_at : 5000;
	in.reject_at = in.reject_at ? in.reject_at : 15000;
	verdict_policy(&in, &o);
	return o;
}

static struct authcheck_verdict auth(enum spf_result spf,
    enum dmarc_result dr, enum dmarc_policy dis)
{
	struct authcheck_verdict a;
	memset(&a, 0, sizeof a);
	a.spf = spf;
	a.from_ok = true;
	a.dmarc.result = dr;
	a.dmarc.policy = a.dmarc.disposition = dis;
	a.dmarc.policy_domain = "example.com";
	return a;
}

TEST(verdict_dmarc)
{
	struct authcheck_verdict a = auth(SPF_RESULT_FAIL, DMARC_RESULT_FAIL,
	    DMARC_POLICY_REJECT);
	struct verdict_out o = decide(&a, (struct verdict_in){ 0 });
	CHECK(o.code == 550);
	CHECK_STR(o.enh, "5.7.1");
	CHECK(strstr(o.text, "example.com") != NULL);
	/* DMARC reject wins over a filter's own refusal */
	o = decide(&a, (struct verdict_in){ .filter_code = 554,
		.filter_enh = "5.7.1", .filter_text = "virus" });
	CHECK(o.code == 550);
	a = auth(SPF_RESULT_FAIL, DMARC_RESULT_FAIL, DMARC_POLICY_QUARANTINE);
	o = decide(&a, (struct verdict_in){ 0 });
	CHECK(o.code == 250 && o.junk && o.score == 4000);
	/* p=reject spared by pct: disposition none */
	a = auth(SPF_RESULT_FAIL, DMARC_RESULT_FAIL, DMARC_POLICY_NONE);
	a.dmarc.policy = DMARC_POLICY_REJECT;
	o = decide(&a, (struct verdict_in){ 0 });
	CHECK(o.code == 250 && !o.junk);
}

TEST(verdict_scores)
{
	struct authcheck_verdict a = auth(SPF_RESULT_PASS, DMARC_RESULT_PASS,
	    DMARC_POLICY_NONE);
	struct verdict_out o = decide(&a, (struct verdict_in){ 0 });
	CHECK(o.code == 250 && !o.junk && o.score == 0);
	CHECK_STR(o.text, "Ok");
	/* GTUBE: Junk, not refused */
	o = decide(&a, (struct verdict_in){ .gtube = true });
	CHECK(o.code == 250 && o.junk && o.score == 6000);
	/* rspamd's score replaces ours; at the reject mark it is refused */
	a = auth(SPF_RESULT_FAIL, DMARC_RESULT_NONE, DMARC_POLICY_NONE);
	o = decide(&a, (struct verdict_in){ .filter_scored = true,
		.filter_score = -2000 });
	CHECK(o.score == -2000 && !o.junk);
	o = decide(&a, (struct verdict_in){ .filter_scored = true,
		.filter_score = 15000 });
	CHECK(o.code == 550 && o.junk);
	CHECK(strstr(o.text, "15.0") != NULL);
	o = decide(&a, (struct verdict_in){ .filter_junk = true });
	CHECK(o.code == 250 && o.junk && o.score == 1500);
	/* lower thresholds */
	o = decide(&a, (struct verdict_in){ .junk_at = 1000, .reject_at = 1500 });
	CHECK(o.code == 550);
}

TEST(verdict_filter_refusals)
{
	struct authcheck_verdict a = auth(SPF_RESULT_PASS, DMARC_RESULT_NONE,
	    DMARC_POLICY_NONE);
	struct verdict_out o = decide(&a, (struct verdict_in){ .filter_code = 451,
		.filter_enh = "4.7.0", .filter_text = "Message filter unavailable" });
	CHECK(o.code == 451);
	CHECK_STR(o.enh, "4.7.0");
	CHECK_STR(o.text, "Message filter unavailable");
}

/* Block-list points join our own score and rspamd's alike. */
TEST(verdict_dnsbl_points)
{
	struct authcheck_verdict a = auth(SPF_RESULT_PASS, DMARC_RESULT_PASS,
	    DMARC_POLICY_NONE);
	struct verdict_out o = decide(&a, (struct verdict_in){
		.dnsbl_points = 3000 });
	CHECK(o.code == 250 && !o.junk && o.score == 3000);
	/* two lists at 3 points: over the Junk mark */
	o = decide(&a, (struct verdict_in){ .dnsbl_points = 6000 });
	CHECK(o.code == 250 && o.junk && o.score == 6000);
	/* with SPF softfail (0.7) and DKIM failed (1) */
	a = auth(SPF_RESULT_SOFTFAIL, DMARC_RESULT_NONE, DMARC_POLICY_NONE);
	a.dkim_fail = true;
	o = decide(&a, (struct verdict_in){ .dnsbl_points = 3000 });
	CHECK(o.score == 4700 && !o.junk);
	/* on top of rspamd's score, which replaces ours */
	o = decide(&a, (struct verdict_in){ .filter_scored = true,
		.filter_score = 1000, .dnsbl_points = 3000 });
	CHECK(o.score == 4000 && !o.junk);
	/* enough lists reach the refusal mark */
	o = decide(&a, (struct verdict_in){ .dnsbl_points = 8 * 3000 });
	CHECK(o.code == 550 && o.junk);
	CHECK_STR(o.enh, "5.7.1");
	CHECK(strstr(o.text, "25.7") != NULL);
}
