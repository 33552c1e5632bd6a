/* mailboxctl dns [DOMAIN]: every DNS record the instance needs, in zone
 * file form, with the MTA-STS policy and the reverse DNS as comments
 * (they are not records of the domain's zone). */
#include "ctl/zone.h"

#include <stdio.h>
#include <string.h>

#include "common/config.h"

#define DNS_USAGE "usage: dns [DOMAIN]"

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
