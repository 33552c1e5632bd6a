/* Key lookups for dkim verify through libunbound, with the configured
 * resolver (IP[:PORT], "[IPv6]:PORT") or the system's. */
#include "ctl/dkim.h"

#include <string.h>

#include <unbound.h>

#include "common/dns.h"
#include "mailauth/dkim_verify.h"

#define RCODE_NXDOMAIN 3
#define MAX_STRINGS 64

/* One TXT rdata: <len><bytes> character strings. */
static void pass_txt(struct dkim_verifier *v, const char *name,
    const unsigned char *p, size_t len)
{
	const char *s[MAX_STRINGS];
	size_t l[MAX_STRINGS], n = 0, i = 0;
	while (i < len && n < MAX_STRINGS) {
		size_t sl = p[i++];
		if (sl > len - i)
			return;
		s[n] = (const char *)p + i;
		l[n++] = sl;
		i += sl;
	}
	if (i == len)
		dkim_verifier_txt(v, name, s, l, n);
}

void ctl_dkim_lookup(struct dkim_verifier *v, const char *name,
    const char *resolver)
{
	struct buf err = BUF_INIT;
	struct ub_ctx *ctx = dns_ub_ctx_new(resolver, NULL, &err);
	struct ub_result *res = NULL;
	buf_free(&err);
	if (ctx == NULL || ub_resolve(ctx, name, DNS_T_TXT, 1, &res) != 0 ||
	    (res->rcode != 0 && res->rcode != RCODE_NXDOMAIN)) {
		dkim_verifier_dns_fail(v, name, DKIM_DNS_TEMPFAIL);
	} else if (!res->havedata) {
		dkim_verifier_dns_fail(v, name, DKIM_DNS_NXDOMAIN);
	} else {
		for (size_t k = 0; res->data[k] != NULL; k++)
			pass_txt(v, name, (const unsigned char *)res->data[k],
			    (size_t)res->len[k]);
	}
	ub_resolve_free(res);
	if (ctx != NULL)
		ub_ctx_delete(ctx);
}
