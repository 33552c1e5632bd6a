/* mailboxctl spf IP HELO MAILFROM: the SPF result as spfquery prints it
 * (result, then the explanation or problem, then a Received-SPF field).
 * mailboxctl dmarc FILE IP HELO MAILFROM: the whole inbound verdict on a
 * message (SPF, each DKIM signature, DMARC and its disposition) and the
 * Authentication-Results field mailboxd would add. Both use the
 * configured resolver, one blocking query at a time. */
#include "ctl/ctl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <unbound.h>

#include "common/config.h"
#include "common/dns.h"
#include "ctl/dkim.h"
#include "mailauth/authcheck.h"
#include "mailauth/authdns.h"

struct resolver {
	struct ub_ctx *ctx;
	char hostname[256];
};

static bool resolver_open(struct ctl *ctl, struct resolver *r)
{
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return false;
	struct buf err = BUF_INIT;
	r->ctx = dns_ub_ctx_new(config_str(cfg, "resolver"), NULL, &err);
	snprintf(r->hostname, sizeof r->hostname, "%s", config_str(cfg, "hostname"));
	config_free(cfg);
	if (r->ctx == NULL)
		ctl_fail("%s", buf_cstr(&err));
	buf_free(&err);
	return r->ctx != NULL;
}

struct pending {
	int type;
	struct authdns_answer *out;
};

static void got_answer(void *arg, const struct dns_answer *a)
{
	struct pending *p = arg;
	authdns_answer_from(p->out, p->type, a);
}

/* One blocking question, the answer as the engines take it. */
static void ask(struct resolver *r, enum spf_qtype t, const char *name,
    struct authdns_answer *out)
{
	struct pending p = { authcheck_dns_type(t), out };
	dns_resolve(r->ctx, name, p.type, got_answer, &p);
}

int ctl_spf(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 4)
		return ctl_usage("usage: spf IP HELO MAILFROM (\"\" for the null sender)");
	struct resolver r;
	if (!resolver_open(ctl, &r))
		return 1;
	struct spf *s = spf_new();
	spf_set_receiver(s, r.hostname);
	spf_set_time(s, (long long)time(NULL));
	const char *ip = argv[1], *helo = argv[2], *from = argv[3];
	if (!spf_start(s, ip, from, helo)) {
		spf_free(s);
		ub_ctx_delete(r.ctx);
		return ctl_usage("spf: %s is not an IP address", ip);
	}
	struct spf_query q;
	while (spf_step(s, &q) == SPF_QUERY) {
		struct authdns_answer a;
		ask(&r, q.type, q.name, &a);
		spf_answer(s, a.rc, a.rr, a.n);
		authdns_answer_free(&a);
	}
	enum spf_result res = spf_result(s);
	const char *why = res == SPF_RESULT_FAIL ? spf_explanation(s) : spf_problem(s);
	printf("%s\n", spf_result_name(res));
	printf("%s\n", why ? why : "");
	printf("Received-SPF: %s (%s: domain of %s) client-ip=%s; envelope-from=\"%s\"; "
	    "helo=%s;\n", spf_result_name(res), r.hostname, spf_sender(s), ip,
	    from, helo);
	spf_free(s);
	ub_ctx_delete(r.ctx);
	return 0;
}

static void check_body(const char *p, size_t n, void *arg)
{
	authcheck_body(arg, p, n);
}

static void print_verdict(const struct authcheck_verdict *v)
{
	const struct dmarc_verdict *d = &v->dmarc;
	printf("spf=%s\n", spf_result_name(v->spf));
	if (v->helo_checked)
		printf("spf_helo=%s\n", spf_result_name(v->spf_helo));
	printf("dkim=%s (%zu signature%s)\n", v->dkim_pass ? "pass" :
	    v->ndkim == 0 ? "none" : "fail", v->ndkim, v->ndkim == 1 ? "" : "s");
	printf("dmarc=%s from=%s policy=%s disposition=%s spf_aligned=%s "
	    "dkim_aligned=%s%s\n", dmarc_result_name(d->result),
	    d->from_domain && *d->from_domain ? d->from_domain : "-",
	    dmarc_policy_name(d->policy), dmarc_policy_name(d->disposition),
	    d->spf_aligned ? "yes" : "no", d->dkim_aligned ? "yes" : "no",
	    d->sampled_out ? " (spared by pct)" : "");
	printf("action=%s score=%.1f\n", d->result == DMARC_RESULT_FAIL &&
	    d->disposition == DMARC_POLICY_REJECT ? "reject (550 5.7.1)" :
	    d->result == DMARC_RESULT_FAIL && d->disposition ==
	    DMARC_POLICY_QUARANTINE ? "junk" : "accept",
	    authcheck_score(v) / 1000.0);
}

int ctl_dmarc(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 5)
		return ctl_usage("usage: dmarc FILE IP HELO MAILFROM");
	struct resolver r;
	struct ctl_msg m;
	if (!resolver_open(ctl, &r))
		return 1;
	int rc = 1;
	if (ctl_msg_open(argv[1], &m) && ctl_msg_header(&m)) {
		struct authcheck_params p = { argv[2], argv[3], argv[4], r.hostname,
			buf_cstr(&m.hdr), m.hdr.len, (long long)time(NULL) };
		struct authcheck *c = authcheck_new(&p);
		struct authcheck_query q;
		while (authcheck_next_query(c, &q)) {
			struct authdns_answer a;
			ask(&r, q.type, q.name, &a);
			authcheck_answer(c, q.token, a.rc, a.rr, a.n);
			authdns_answer_free(&a);
		}
		if (ctl_msg_body(&m, check_body, c)) {
			struct authcheck_verdict v;
			struct buf ar = BUF_INIT;
			authcheck_finish(c, randombytes_uniform(100), &v, &ar);
			print_verdict(&v);
			fwrite(ar.data, 1, ar.len, stdout);
			buf_free(&ar);
			rc = 0;
		}
		authcheck_free(c);
	}
	ctl_msg_close(&m);
	ub_ctx_delete(r.ctx);
	return rc;
}
