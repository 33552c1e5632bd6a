/* mailboxctl dns [DOMAIN]: every DNS record the instance needs, in zone
 * file form, with the MTA-STS policy and the reverse DNS as comments
 * (they are not records of the domain's zone). */
#include "ctl/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/xmalloc.h"
#include "ctl/ctl_userdb.h"
#include "mail/address.h"

#define DNS_USAGE "usage: dns [DOMAIN]"

struct domain_collect {
	struct buf *names;
	size_t *n;
	struct buf *err;
	bool ok;
};

static void add_domain(struct buf *names, size_t *n, const char *ascii)
{
	buf_addstr(names, ascii);
	buf_addch(names, '\0');
	(*n)++;
}

static void collect(const struct userdb_domain *d, void *arg)
{
	struct domain_collect *c = arg;
	struct buf a = BUF_INIT;
	if (addr_domain_ascii(d->name, &a, c->err))
		add_domain(c->names, c->n, a.data);
	else
		c->ok = false;
	buf_free(&a);
}

static bool load_domains(struct ctl *ctl, const char *only, struct ctl_zone *z,
    struct buf *err)
{
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return false;
	struct domain_collect c = { &z->domains, &z->ndomains, err, true };
	struct buf a = BUF_INIT;
	bool ok;
	if (only == NULL) {
		ok = userdb_domain_list(db, collect, &c, err) && c.ok;
	} else {
		ok = userdb_domain_exists(db, only, err) == 1 &&
		    addr_domain_ascii(only, &a, err);
		if (ok)
			add_domain(&z->domains, &z->ndomains, a.data);
	}
	for (size_t i = 0; i < z->domains.len; i++)
		if (z->domains.data[i] >= 'A' && z->domains.data[i] <= 'Z')
			z->domains.data[i] = (char)(z->domains.data[i] + 32);
	buf_free(&a);
	userdb_close(db);
	return ok;
}

bool ctl_zone_load(struct ctl *ctl, const char *domain, struct ctl_zone *z)
{
	memset(z, 0, sizeof *z);
	struct buf err = BUF_INIT, dkim = BUF_INIT;
	z->cfg = ctl_load_config(ctl);
	if (z->cfg == NULL)
		return false;
	z->ub = dns_ub_ctx_new(config_str(z->cfg, "resolver"), NULL, &err);
	if (z->ub != NULL && ub_ctx_async(z->ub, 1) != 0)
		buf_set(&err, "cannot start the DNS resolver's thread");
	bool ok = z->ub != NULL && err.len == 0 &&
	    load_domains(ctl, domain, z, &err);
	if (ok) {
		ctl_public_addrs(z->cfg, z->ub, &z->addrs);
		dnsrecs_for_host(config_str(z->cfg, "hostname"), &z->addrs, &z->recs);
		config_state_path(z->cfg, "dkim", &dkim);
	}
	z->start = xcalloc(z->ndomains + 1, sizeof *z->start);
	z->has_dkim = xcalloc(z->ndomains + 1, sizeof *z->has_dkim);
	const char *d = z->domains.data;
	for (size_t i = 0; ok && i < z->ndomains; i++, d += strlen(d) + 1) {
		z->start[i] = z->recs.n;
		ok = dnsrecs_for_domain(z->cfg, d, dkim.data, (long long)time(NULL),
		    &z->recs, &z->has_dkim[i], &err);
	}
	z->start[z->ndomains] = z->recs.n;
	if (!ok && err.len > 0)
		ctl_fail("%s", err.data);
	buf_free(&err);
	buf_free(&dkim);
	return ok;
}

void ctl_zone_free(struct ctl_zone *z)
{
	if (z->ub != NULL)
		ub_ctx_delete(z->ub);
	config_free(z->cfg);
	dnsrecs_free(&z->recs);
	buf_free(&z->domains);
	free(z->start);
	free(z->has_dkim);
}

static void print_reverse(const struct ctl_zone *z)
{
	const char *host = config_str(z->cfg, "hostname");
	if (z->addrs.n == 0) {
		printf("; set public_ipv4 (and public_ipv6) in %s to get the A\n"
		    "; and AAAA records of %s\n", config_file(z->cfg), host);
		return;
	}
	if (z->addrs.from_dns)
		printf("; addresses from the published records of %s\n", host);
	printf("; reverse DNS, set where the address is hosted:\n");
	for (size_t i = 0; i < z->addrs.n; i++) {
		struct buf rev = BUF_INIT;
		dnsrec_reverse_name(z->addrs.v[i], &rev);
		printf(";   %s. IN PTR %s.\n", rev.data, host);
		buf_free(&rev);
	}
}

static void print_policy(const struct ctl_zone *z, const char *domain)
{
	struct buf policy = BUF_INIT;
	dnsrec_mta_sts_policy(config_str(z->cfg, "hostname"), &policy);
	printf("; MTA-STS policy, to serve at "
	    "https://mta-sts.%s/.well-known/mta-sts.txt\n"
	    "; (text/plain, CRLF line ends; mailboxd does not serve it yet):\n",
	    domain);
	for (char *line = policy.data, *end; *line; line = end + 2) {
		end = strstr(line, "\r\n");
		printf(";   %.*s\n", (int)(end - line), line);
	}
	buf_free(&policy);
}

int ctl_dns(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return ctl_usage(DNS_USAGE);
	struct ctl_zone z;
	if (!ctl_zone_load(ctl, argc == 2 ? argv[1] : NULL, &z)) {
		ctl_zone_free(&z);
		return 1;
	}
	printf("; records to publish for %s (mailboxctl dns)\n$TTL 3600\n",
	    config_str(z.cfg, "hostname"));
	for (size_t i = 0; i < z.start[0]; i++)
		dnsrec_print(stdout, &z.recs.v[i]);
	print_reverse(&z);
	const char *d = z.domains.data;
	for (size_t k = 0; k < z.ndomains; k++, d += strlen(d) + 1) {
		printf("\n; %s\n", d);
		if (!z.has_dkim[k])
			printf("; no DKIM keys: run mailboxctl dkim keygen %s\n", d);
		for (size_t i = z.start[k]; i < z.start[k + 1]; i++)
			dnsrec_print(stdout, &z.recs.v[i]);
		print_policy(&z, d);
	}
	ctl_zone_free(&z);
	return 0;
}
