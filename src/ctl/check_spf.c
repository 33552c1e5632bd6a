/* An SPF record other than ours may still be right (an include of
 * another sender, a:, ip4:): evaluate it for our public addresses with
 * the same check_host() the server uses (mailauth/spf.h). */
#include "ctl/check.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/dns.h"
#include "mailauth/authcheck.h"
#include "mailauth/spf.h"

/* Presentation form back to what the engine takes: addresses in network
 * order, MX without its preference. */
static void answer(struct spf *s, enum dnsq_status st, int type,
    const struct dnsrecs *got)
{
	struct authdns_rr *rr = calloc(got->n + 1, sizeof *rr);
	unsigned char (*bin)[16] = calloc(got->n + 1, sizeof *bin);
	size_t n = 0;
	for (size_t i = 0; rr && bin && i < got->n; i++) {
		const char *d = got->v[i].data;
		if (type == DNS_T_A || type == DNS_T_AAAA) {
			if (inet_pton(type == DNS_T_A ? AF_INET : AF_INET6, d, bin[n]) != 1)
				continue;
			rr[n] = (struct authdns_rr){ bin[n], type == DNS_T_A ? 4 : 16 };
			n++;
			continue;
		}
		if (type == DNS_T_MX && strchr(d, ' ') != NULL)
			d = strchr(d, ' ') + 1;
		rr[n++] = (struct authdns_rr){ d, strlen(d) };
	}
	if (rr == NULL || bin == NULL)
		st = DNSQ_FAIL;
	spf_answer(s, st == DNSQ_FAIL ? AUTHDNS_TEMPFAIL : AUTHDNS_OK, rr, n);
	free(rr);
	free(bin);
}

enum spf_result check_spf_for(const struct ctl_zone *z, const char *addr,
    const char *domain)
{
	struct spf *s = spf_new();
	struct buf sender = BUF_INIT;
	buf_printf(&sender, "postmaster@%s", domain);
	enum spf_result res = SPF_RESULT_PERMERROR;
	if (spf_start(s, addr, sender.data, config_str(z->cfg, "hostname"))) {
		struct spf_query q;
		while (spf_step(s, &q) == SPF_QUERY) {
			struct dnsrecs got = { 0 };
			int type = authcheck_dns_type(q.type);
			answer(s, dnsq_lookup(z->ub, q.name, type, &got), type, &got);
			dnsrecs_free(&got);
		}
		res = spf_result(s);
	}
	spf_free(s);
	buf_free(&sender);
	return res;
}
