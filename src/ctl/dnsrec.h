/* The DNS records an instance needs published (`mailboxctl dns` prints
 * them, `mailboxctl check` looks them up and compares). Record data is
 * kept in zone-file presentation form, names with their final dot
 * ("10 mail.example.org."), except TXT, which is the text itself
 * (unquoted, strings joined), so an answer turned into the same form
 * compares with strcmp. */
#ifndef AMB_CTL_DNSREC_H
#define AMB_CTL_DNSREC_H
#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"

struct config;
struct ub_ctx;

struct dnsrec {
	char *name;         /* owner, A-label form, no final dot */
	int type;           /* DNS_T_* */
	char *data;         /* presentation form (see above) */
	bool required;      /* missing: check FAILs; otherwise it WARNs */
};

struct dnsrecs {
	struct dnsrec *v;
	size_t n, cap;
};

void dnsrecs_add(struct dnsrecs *r, const char *name, int type,
    bool required, const char *data);
void dnsrecs_free(struct dnsrecs *r);
const char *dnsrec_type_name(int type);
/* "NAME. IN TYPE DATA" (TXT in quoted strings of <= 255 octets; the
 * TTL is left to the zone's $TTL). */
void dnsrec_print(FILE *f, const struct dnsrec *rec);

/* The server's public addresses: public_ipv4/public_ipv6, or when both
 * are unset the A/AAAA records of hostname found through ctx (if ctx is
 * not NULL). Canonical text form. */
struct ctl_addrs {
	char v[4][64];
	size_t n;
	bool from_dns;
};
void ctl_public_addrs(const struct config *cfg, struct ub_ctx *ctx,
    struct ctl_addrs *out);

/* The records for the host: A and AAAA of hostname. */
void dnsrecs_for_host(const char *hostname, const struct ctl_addrs *a,
    struct dnsrecs *out);
/* The records of one mail domain (A-label form): MX, SPF, DKIM (every
 * published key in dkim_dir; *has_dkim false if the domain has none),
 * DMARC, MTA-STS, TLS-RPT, SRV, autoconfig. False if the keys cannot be
 * read. */
bool dnsrecs_for_domain(const struct config *cfg, const char *domain,
    const char *dkim_dir, long long now, struct dnsrecs *out, bool *has_dkim,
    struct buf *err);
/* The MTA-STS policy (RFC 8461 3.2) served at
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt, and its id: the first
 * 16 hex digits of its SHA-256, so the id changes when the policy does. */
void dnsrec_mta_sts_policy(const char *hostname, struct buf *out);
void dnsrec_mta_sts_id(const char *policy, char id[17]);

/* "4.3.2.1.in-addr.arpa" or the ip6.arpa name of an address. */
bool dnsrec_reverse_name(const char *addr, struct buf *out);

/* Blocking lookups for the commands, on a context made asynchronous
 * (ub_ctx_async with threads) so that each gives up after
 * DNSQ_TIMEOUT_S. */
#define DNSQ_TIMEOUT_S 8
enum dnsq_status { DNSQ_OK, DNSQ_NONE, DNSQ_FAIL };
/* Fills out with the answers of name/type in presentation form (A,
 * AAAA, MX, TXT, SRV, CNAME, PTR). DNSQ_NONE: NXDOMAIN or no data;
 * DNSQ_FAIL: no answer in time, SERVFAIL and the like. */
enum dnsq_status dnsq_lookup(struct ub_ctx *ctx, const char *name, int type,
    struct dnsrecs *out);
/* A record's data from wire-format rdata; false if malformed. */
bool dnsrec_from_rdata(int type, const unsigned char *p, size_t len,
    struct buf *out);

#endif
