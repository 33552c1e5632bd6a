#include "daemon/verdict_policy.h"

#include <stdio.h>
#include <string.h>

static void set(struct verdict_out *o, uint32_t code, const char *enh,
    const char *text)
{
	o->code = code;
	snprintf(o->enh, sizeof o->enh, "%s", enh);
	snprintf(o->text, sizeof o->text, "%s", text);
}

void verdict_policy(const struct verdict_in *in, struct verdict_out *o)
{
	const struct dmarc_verdict *d = &in->auth->dmarc;
	bool dmarc_fail = d->result == DMARC_RESULT_FAIL;
	memset(o, 0, sizeof *o);
	/* rspamd checks SPF, DKIM and DMARC itself: its score replaces ours
	 * rather than counting them twice. */
	o->score = in->filter_scored ? in->filter_score : authcheck_score(in->auth);
	/* The lists are the admin's own choice, asked by us whether rspamd
	 * answers or not (rspamd's RBL module has lists of its own). */
	o->score += in->dnsbl_points;
	if (in->gtube)
		o->score += in->junk_at + 1000;    /* always over the Junk mark */
	o->junk = o->score >= in->junk_at || in->filter_junk ||
	    (dmarc_fail && d->disposition == DMARC_POLICY_QUARANTINE);
	char text[300];
	if (dmarc_fail && d->disposition == DMARC_POLICY_REJECT) {
		snprintf(text, sizeof text, "Message refused: DMARC policy of %s "
		    "says reject", d->policy_domain ? d->policy_domain : "the sender");
		set(o, 550, "5.7.1", text);
	} else if (in->filter_code != 0) {
		set(o, in->filter_code, in->filter_enh, in->filter_text);
	} else if (o->score >= in->reject_at) {
		snprintf(text, sizeof text, "Message refused as spam (score %.1f)",
		    o->score / 1000.0);
		set(o, 550, "5.7.1", text);
	} else {
		set(o, 250, "2.0.0", "Ok");
	}
}
