/* Key lookups for dkim verify through libunbound, with the configured
 * resolver (IP[:PORT], "[IPv6]:PORT") or the system's. */
#include "ctl/dkim.h"

#include <string.h>

#include <unbound.h>

#include "mailauth/dkim_verify.h"

#define RR_TXT      16
#define RCODE_NXDOMAIN 3
#define MAX_STRINGS 64

/* "IP", "IP:PORT", "[IP6]:PORT" -> unbound's "IP@PORT". */
static void forwarder(const char *r, struct buf *out)
{
	const char *colon = strrchr(r, ':');
	if (r[0] == '[') {
		const char *close = strchr(r, ']');
		size_t n = close ? (size_t)(close - r - 1) : strlen(r + 1);
		buf_add(out, r + 1, n);
		if (close != NULL && close[1] == ':')
			buf_printf(out, "@%s", close + 2);
	} else if (colon != NULL && strchr(r, ':') == colon) {
		buf_add(out, r, (size_t)(colon - r));
		buf_printf(out, "@%s", colon + 1);
	} else {
		buf_addstr(out, r);
	}
}

static struct ub_ctx *make_ctx(const char *resolver)
{
	struct ub_ctx *ctx = ub_ctx_create();
	if (ctx == NULL)
		return NULL;
	struct buf fwd = BUF_INIT;
	int rc;
	/* The resolver may be local (127.0.0.53, a test server); one chosen
	 * in the config answers for test. too (RFC 6761 names unbound would
	 * otherwise answer itself). */
	rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no");
	if (rc == 0 && resolver[0] != '\0') {
		forwarder(resolver, &fwd);
		rc = ub_ctx_set_fwd(ctx, fwd.data);
		if (rc == 0)
			rc = ub_ctx_set_option(ctx, "local-zone:", "test. transparent");
	} else if (rc == 0) {
		rc = ub_ctx_resolvconf(ctx, NULL);
	}
	buf_free(&fwd);
	if (rc != 0) {
		ub_ctx_delete(ctx);
		return NULL;
	}
	return ctx;
}

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
	struct ub_ctx *ctx = make_ctx(resolver);
	struct ub_result *res = NULL;
	if (ctx == NULL || ub_resolve(ctx, name, RR_TXT, 1, &res) != 0 ||
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
