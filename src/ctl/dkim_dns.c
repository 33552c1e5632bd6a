/* Key lookups for dkim verify through libunbound, with the configured
 * resolver (IP[:PORT], "[IPv6]:PORT") or the system's. */
#include "ctl/dkim.h"

#include <unbound.h>

#include "common/dns.h"
#include "mailauth/authcheck.h"
#include "mailauth/authdns.h"
#include "mailauth/dkim_verify.h"

struct key_answer {
	struct dkim_verifier *v;
	const char *name;
};

static void got_key(void *arg, const struct dns_answer *a)
{
	struct key_answer *k = arg;
	struct authdns_answer ans;
	authdns_answer_from(&ans, DNS_T_TXT, a);
	authcheck_dkim_key(k->v, k->name, ans.rc, ans.rr, ans.n);
	authdns_answer_free(&ans);
}

void ctl_dkim_lookup(struct dkim_verifier *v, const char *name,
    const char *resolver)
{
	struct buf err = BUF_INIT;
	struct ub_ctx *ctx = dns_ub_ctx_new(resolver, NULL, &err);
	buf_free(&err);
	struct key_answer k = { v, name };
	if (ctx == NULL) {
		dkim_verifier_dns_fail(v, name, DKIM_DNS_TEMPFAIL);
		return;
	}
	dns_resolve(ctx, name, DNS_T_TXT, got_key, &k);
	ub_ctx_delete(ctx);
}
