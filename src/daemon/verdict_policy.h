/* What becomes of an inbound message once every check has spoken: the
 * SMTP reply at the end of DATA, its spam score and whether it goes to
 * Junk. Pure, so it is tested on its own. */
#ifndef AMB_VERDICT_POLICY_H
#define AMB_VERDICT_POLICY_H
#include <stdbool.h>
#include <stdint.h>

#include "mailauth/authcheck.h"

struct verdict_in {
	const struct authcheck_verdict *auth;
	bool gtube;                 /* the GTUBE string is in the body */
	bool filter_scored;         /* rspamd answered, with filter_score */
	int filter_score;           /* thousandths */
	bool filter_junk;           /* rspamd: add header, rewrite subject */
	uint32_t filter_code;       /* a filter's refusal, or 0 */
	const char *filter_enh, *filter_text;
	int dnsbl_points;           /* thousandths, for the lists naming the
	                             * client; added to rspamd's score too */
	int junk_at, reject_at;     /* thresholds, thousandths */
};

struct verdict_out {
	uint32_t code;              /* 250, or the refusal */
	char enh[8];
	char text[300];
	int score;                  /* thousandths */
	bool junk;
};

void verdict_policy(const struct verdict_in *in, struct verdict_out *out);

#endif
