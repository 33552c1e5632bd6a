/* What to publish for an instance: the host's addresses, and per mail
 * domain MX, SPF, DKIM, DMARC (RFC 7489), MTA-STS (RFC 8461), TLS-RPT
 * (RFC 8460), the SRV records of RFC 6186 and 8314 and the names mail
 * programs probe for their settings (autoconfig, autodiscover). */
#include "ctl/dnsrec.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/str.h"
#include "ctl/dkim.h"

#define MTA_STS_MAX_AGE 604800    /* one week (RFC 8461 3.2 suggests weeks) */

static void add_canon(struct ctl_addrs *out, int af, const char *text)
{
	unsigned char bin[16];
	if (out->n < sizeof out->v / sizeof out->v[0] &&
	    inet_pton(af, text, bin) == 1 &&
	    inet_ntop(af, bin, out->v[out->n], sizeof out->v[0]) != NULL)
		out->n++;
}

void ctl_public_addrs(const struct config *cfg, struct ub_ctx *ctx,
    struct ctl_addrs *out)
{
	memset(out, 0, sizeof *out);
	add_canon(out, AF_INET, config_str(cfg, "public_ipv4"));
	add_canon(out, AF_INET6, config_str(cfg, "public_ipv6"));
	if (out->n > 0 || ctx == NULL)
		return;
	static const int types[] = { DNS_T_A, DNS_T_AAAA };
	enum dnsq_status st = DNSQ_OK;
	for (size_t t = 0; t < 2 && st != DNSQ_FAIL; t++) {
		struct dnsrecs r = { 0 };
		st = dnsq_lookup(ctx, config_str(cfg, "hostname"), types[t], &r);
		for (size_t i = 0; i < r.n; i++)
			add_canon(out, types[t] == DNS_T_A ? AF_INET : AF_INET6,
			    r.v[i].data);
		dnsrecs_free(&r);
	}
	out->from_dns = out->n > 0;
}

void dnsrecs_for_host(const char *hostname, const struct ctl_addrs *a,
    struct dnsrecs *out)
{
	for (size_t i = 0; i < a->n; i++)
		dnsrecs_add(out, hostname, strchr(a->v[i], ':') ? DNS_T_AAAA :
		    DNS_T_A, true, a->v[i]);
}

void dnsrec_mta_sts_policy(const char *hostname, struct buf *out)
{
	buf_printf(out, "version: STSv1\r\nmode: enforce\r\nmx: %s\r\n"
	    "max_age: %d\r\n", hostname, MTA_STS_MAX_AGE);
}

void dnsrec_mta_sts_id(const char *policy, char id[17])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)policy, strlen(policy));
	sodium_bin2hex(id, 17, h, 8);
}

/* The port of a listener setting's first address; 0 when it is empty. */
static unsigned listen_port(const struct config *cfg, const char *key)
{
	const char *v = config_str(cfg, key);
	size_t n = strcspn(v, " \t,");
	const char *colon = NULL;
	for (size_t i = 0; i < n; i++)
		if (v[i] == ':')
			colon = v + i;
	return colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
}

/* RFC 6186 3 and RFC 8314 5.1: implicit TLS first; a service that is
 * not offered is published with the target "." (RFC 6186 3.4). */
static void add_srv(struct dnsrecs *out, const struct config *cfg,
    const char *domain, const char *service, const char *key, unsigned prio)
{
	struct buf name = BUF_INIT, data = BUF_INIT;
	unsigned port = key ? listen_port(cfg, key) : 0;
	buf_printf(&name, "_%s._tcp.%s", service, domain);
	if (port == 0)
		buf_addstr(&data, "0 0 0 .");
	else
		buf_printf(&data, "%u 1 %u %s.", prio, port,
		    config_str(cfg, "hostname"));
	dnsrecs_add(out, name.data, DNS_T_SRV, false, data.data);
	buf_free(&name);
	buf_free(&data);
}

struct dkim_add {
	struct dnsrecs *out;
	const char *domain;
};

static void add_dkim(const char *selector, const char *record, void *arg)
{
	struct dkim_add *d = arg;
	struct buf name = BUF_INIT;
	buf_printf(&name, "%s._domainkey.%s", selector, d->domain);
	dnsrecs_add(d->out, name.data, DNS_T_TXT, true, record);
	buf_free(&name);
}

static void add_fmt(struct dnsrecs *out, const char *prefix,
    const char *domain, int type, bool required, const char *data)
{
	struct buf name = BUF_INIT;
	buf_printf(&name, "%s%s", prefix, domain);
	dnsrecs_add(out, name.data, type, required, data);
	buf_free(&name);
}

bool dnsrecs_for_domain(const struct config *cfg, const char *domain,
    const char *dkim_dir, long long now, struct dnsrecs *out, bool *has_dkim,
    struct buf *err)
{
	const char *host = config_str(cfg, "hostname");
	struct buf d = BUF_INIT, policy = BUF_INIT;
	char id[17];
	buf_printf(&d, "10 %s.", host);
	add_fmt(out, "", domain, DNS_T_MX, true, d.data);
	add_fmt(out, "", domain, DNS_T_TXT, true, "v=spf1 mx -all");
	struct dkim_add da = { out, domain };
	int dk = ctl_dkim_published(dkim_dir, domain, now, add_dkim, &da, err);
	*has_dkim = dk == 1;
	if (dk == 0)
		buf_reset(err);
	buf_reset(&d);
	buf_printf(&d, "v=DMARC1; p=quarantine; rua=mailto:postmaster@%s", domain);
	add_fmt(out, "_dmarc.", domain, DNS_T_TXT, true, d.data);
	dnsrec_mta_sts_policy(host, &policy);
	dnsrec_mta_sts_id(policy.data, id);
	buf_reset(&d);
	buf_printf(&d, "v=STSv1; id=%s", id);
	add_fmt(out, "_mta-sts.", domain, DNS_T_TXT, false, d.data);
	buf_reset(&d);
	buf_printf(&d, "%s.", host);
	add_fmt(out, "mta-sts.", domain, DNS_T_CNAME, false, d.data);
	buf_reset(&d);
	buf_printf(&d, "v=TLSRPTv1; rua=mailto:postmaster@%s", domain);
	add_fmt(out, "_smtp._tls.", domain, DNS_T_TXT, false, d.data);
	add_srv(out, cfg, domain, "submissions", "submissions_listen", 0);
	add_srv(out, cfg, domain, "submission", "submission_listen", 10);
	add_srv(out, cfg, domain, "imaps", "imaps_listen", 0);
	add_srv(out, cfg, domain, "imap", "imap_listen", 10);
	add_srv(out, cfg, domain, "pop3s", NULL, 0);
	add_srv(out, cfg, domain, "pop3", NULL, 0);
	buf_reset(&d);
	buf_printf(&d, "%s.", host);
	add_fmt(out, "autoconfig.", domain, DNS_T_CNAME, false, d.data);
	add_fmt(out, "autodiscover.", domain, DNS_T_CNAME, false, d.data);
	buf_free(&d);
	buf_free(&policy);
	return dk >= 0;
}
