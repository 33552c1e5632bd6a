/* Where a domain's mail goes: its MX hosts in preference order (equal
 * ones shuffled), the domain itself when it has no MX (RFC 5321 5.1),
 * nowhere for a null MX (RFC 7505), or relay_host for everything. Each
 * host's A and AAAA addresses are tried in turn, at most RELAY_MAX_TRIES
 * connections per job. */
#include "daemon/relay_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/log.h"
#include "common/str.h"
#include "daemon/child.h"
#include "smtp/mtasts.h"

static uint32_t rnd(uint32_t k)
{
	return randombytes_uniform(k);
}

static bool is_ip(const char *s)
{
	unsigned char a[16];
	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static void try_host(struct rjob *j);

static void add_addrs(struct rjob *j, int type, const struct dns_answer *a)
{
	for (size_t i = 0; i < a->n && j->naddrs < RELAY_MAX_ADDRS; i++)
		if (dns_parse_addr(type, a->rdata[i], a->len[i],
		    j->addrs[j->naddrs], sizeof j->addrs[0]))
			j->naddrs++;
}

static void host_answered(struct rjob *j);

static void addrs_done(struct rjob *j, const struct dns_answer *a)
{
	j->addr_tempfail = j->addr_tempfail || a->status == DNS_TEMPFAIL;
	host_answered(j);
}

/* All answers for the current host are in: try its addresses. */
static void host_answered(struct rjob *j)
{
	if (--j->dns_pending > 0)
		return;
	if (j->tlsa_tempfail) {
		/* RFC 7672 2.2: a host whose TLSA records cannot be known
		 * securely is not used. */
		buf_reset(&j->last_error);
		buf_printf(&j->last_error, "451 4.7.5 TLSA lookup for %s failed",
		    j->hosts[j->host_i].name);
		j->host_i++;
		try_host(j);
		return;
	}
	if (j->naddrs == 0) {
		buf_reset(&j->last_error);
		buf_printf(&j->last_error, j->addr_tempfail ?
		    "451 4.4.3 address lookup for %s failed" :
		    "451 4.4.4 host %s has no address", j->hosts[j->host_i].name);
		j->host_i++;
		try_host(j);
		return;
	}
	relay_route_next(j);
}

static void on_a(void *arg, const struct dns_answer *a)
{
	add_addrs(arg, DNS_T_A, a);
	addrs_done(arg, a);
}

static void on_aaaa(void *arg, const struct dns_answer *a)
{
	add_addrs(arg, DNS_T_AAAA, a);
	addrs_done(arg, a);
}

/* Keeps the usable records: DANE-TA(2) and DANE-EE(3) with the
 * selectors and matching types OpenSSL knows (RFC 7672 3.1). */
static void keep_tlsa(struct rjob *j, const struct dns_answer *a)
{
	for (size_t i = 0; i < a->n && j->ntlsa < RELAY_MAX_TLSA; i++) {
		struct dns_tlsa t;
		if (!dns_parse_tlsa(a->rdata[i], a->len[i], &t) ||
		    (t.usage != 2 && t.usage != 3) || t.selector > 1 ||
		    t.mtype > 2 || t.len == 0 || t.len > RELAY_TLSA_DATA)
			continue;
		struct relay_tlsa *k = &j->tlsa[j->ntlsa++];
		k->usage = t.usage;
		k->selector = t.selector;
		k->mtype = t.mtype;
		k->len = t.len;
		memcpy(k->data, t.data, t.len);
	}
}

static void on_tlsa(void *arg, const struct dns_answer *a)
{
	struct rjob *j = arg;
	if (a->status == DNS_TEMPFAIL) {
		j->tlsa_tempfail = true;
	} else if (a->status == DNS_OK && a->secure) {
		/* Even with no usable record TLS is then mandatory. */
		j->tls_required = true;
		keep_tlsa(j, a);
	}
	host_answered(j);
}

/* The host's TLSA records when the MX answer was secure. */
static bool ask_tlsa(struct rjob *j, const char *host)
{
	char name[MX_HOST_MAX + 16];
	snprintf(name, sizeof name, "_%u._tcp.%s", j->port, host);
	return dns_query(relay_g.dns, name, DNS_T_TLSA, on_tlsa, j);
}

static void try_host(struct rjob *j)
{
	j->naddrs = j->addr_i = j->ntlsa = 0;
	j->addr_tempfail = j->tlsa_tempfail = j->tls_required = false;
	if (j->host_i >= j->nhosts || j->tries >= RELAY_MAX_TRIES) {
		relay_finish_all(j, DELIVER_TEMPFAIL, j->last_error.len ?
		    buf_cstr(&j->last_error) : "451 4.4.1 no mail host answered",
		    j->last_relay);
		return;
	}
	const char *host = j->hosts[j->host_i].name;
	if (is_ip(host)) {
		str_copy(j->addrs[0], sizeof j->addrs[0], host);
		j->naddrs = 1;
		relay_route_next(j);
		return;
	}
	/* Both answers arrive later; a query that cannot start counts as
	 * answered with nothing. */
	j->dns_pending = 3;
	bool a = dns_query(relay_g.dns, host, DNS_T_A, on_a, j);
	bool aaaa = dns_query(relay_g.dns, host, DNS_T_AAAA, on_aaaa, j);
	bool tlsa = j->mx_secure && ask_tlsa(j, host);
	j->tlsa_tempfail = j->mx_secure && !tlsa;
	j->dns_pending -= !a + !aaaa + !tlsa;
	if (j->dns_pending == 0) {
		buf_set(&j->last_error, "451 4.4.3 DNS unavailable");
		j->host_i++;
		try_host(j);
	}
}

void relay_route_next(struct rjob *j)
{
	if (j->addr_i >= j->naddrs || j->tries >= RELAY_MAX_TRIES) {
		j->host_i++;
		try_host(j);
		return;
	}
	j->tries++;
	relay_conn_start(j, j->hosts[j->host_i].name, j->addrs[j->addr_i++],
	    j->port);
}

static size_t parse_mx(struct rjob *j, const struct dns_answer *a)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n && n < MX_MAX; i++)
		if (dns_parse_mx(a->rdata[i], a->len[i], &j->hosts[n].pref,
		    j->hosts[n].name, sizeof j->hosts[n].name))
			n++;
	return n;
}

/* MTA-STS (RFC 8461 4.1): with enforce, only the MX hosts its policy
 * names; with testing, the others are only logged. False (and the job
 * finished) when none is left. */
static bool sts_filter(struct rjob *j)
{
	size_t kept = 0;
	for (size_t i = 0; j->sts != NULL && i < j->nhosts; i++) {
		if (mtasts_mx_match(j->sts, j->hosts[i].name)) {
			j->hosts[kept++] = j->hosts[i];
			continue;
		}
		log_warn("relay %s: MX %s of %s is not in its MTA-STS policy%s",
		    j->id, j->hosts[i].name, j->domain,
		    j->sts->mode == MTASTS_ENFORCE ? "; skipped" : " (testing)");
		if (j->sts->mode != MTASTS_ENFORCE)
			j->hosts[kept++] = j->hosts[i];
	}
	if (j->sts == NULL)
		return true;
	j->nhosts = kept;
	if (kept > 0)
		return true;
	char text[MX_HOST_MAX + 80];
	snprintf(text, sizeof text, "451 4.7.5 no MX host of %s matches its "
	    "MTA-STS policy", j->domain);
	relay_finish_all(j, DELIVER_TEMPFAIL, text, "");
	return false;
}

bool relay_sts_enforced(const struct rjob *j)
{
	return j->sts != NULL && j->sts->mode == MTASTS_ENFORCE &&
	    j->ntlsa == 0 && !j->tls_required;
}

static void on_mx(void *arg, const struct dns_answer *a)
{
	struct rjob *j = arg;
	char text[300];
	j->mx_secure = a->secure;
	switch (a->status) {
	case DNS_OK:
		j->nhosts = parse_mx(j, a);
		if (mxlist_is_null(j->hosts, j->nhosts)) {
			relay_finish_all(j, DELIVER_PERMFAIL,
			    "556 5.1.10 Recipient address has null MX", "");
			return;
		}
		j->nhosts = mxlist_drop_null(j->hosts, j->nhosts);
		mxlist_order(j->hosts, j->nhosts, rnd);
		if (!sts_filter(j))
			return;
		break;
	case DNS_NODATA:     /* the domain is its own mail host */
		str_copy(j->hosts[0].name, sizeof j->hosts[0].name, j->domain);
		j->nhosts = 1;
		if (!sts_filter(j))
			return;
		break;
	case DNS_NXDOMAIN:
		snprintf(text, sizeof text, "550 5.4.4 domain %s not found",
		    j->domain);
		relay_finish_all(j, DELIVER_PERMFAIL, text, "");
		return;
	case DNS_TEMPFAIL:
		snprintf(text, sizeof text, "451 4.4.3 MX lookup for %s failed",
		    j->domain);
		relay_finish_all(j, DELIVER_TEMPFAIL, text, "");
		return;
	}
	try_host(j);
}

void relay_route_start(struct rjob *j)
{
	const struct config *cfg = child_config();
	const char *smarthost = config_str(cfg, "relay_host");
	j->port = (unsigned)config_int(cfg, "outbound_port");
	snprintf(j->route, sizeof j->route, "%s%s", smarthost[0] ? "[]" : "",
	    smarthost[0] ? smarthost : j->domain);
	if (!relay_conn_reuse(j))
		relay_route_resolve(j);
}

static void resolve_mx(struct rjob *j)
{
	if (!dns_query(relay_g.dns, j->domain, DNS_T_MX, on_mx, j))
		relay_finish_all(j, DELIVER_TEMPFAIL, "451 4.4.3 DNS unavailable", "");
}

void relay_route_resolve(struct rjob *j)
{
	const char *smarthost = config_str(child_config(), "relay_host");
	j->routing = true;
	if (smarthost[0] != '\0') {
		if (!mx_hostport_split(smarthost, j->hosts[0].name,
		    sizeof j->hosts[0].name, &j->port)) {
			relay_finish_all(j, DELIVER_TEMPFAIL,
			    "451 4.3.5 relay_host is malformed", "");
			return;
		}
		j->nhosts = 1;
		try_host(j);
	} else {
		relay_sts_find(j, resolve_mx);
	}
}
