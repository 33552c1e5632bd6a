/* MTA-STS (RFC 8461) in the relay: before a domain's MX lookup, its
 * `_mta-sts` TXT record says whether it has a policy and which (id);
 * a policy not in the cache is fetched from
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt on the event loop
 * (relay_https.c), at addresses resolved through our own libunbound
 * context, the certificate verified against the CA store loaded before
 * the chroot. Policies stay cached in memory for their max_age; a domain whose record vanishes or whose fetch fails
 * keeps its unexpired cached policy (RFC 8461 5.1). */
#include "daemon/relay_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/log.h"
#include "common/str.h"
#include "common/tls.h"
#include "common/xmalloc.h"
#include "daemon/child.h"
#include "daemon/relay_https.h"
#include "smtp/mtasts.h"

#define STS_CACHE_MAX   1024     /* domains remembered */
#define FETCH_TIMEOUT   30       /* seconds for the whole HTTPS fetch */

struct sts_entry {
	struct sts_entry *next;
	char domain[MX_HOST_MAX];
	bool have;                   /* pol is a valid policy with this id */
	char id[MTASTS_ID_MAX + 1];
	struct mtasts_policy pol;
	uint64_t expires;
	/* A fetch under way: the jobs waiting for it. */
	bool fetching;
	char fetch_id[MTASTS_ID_MAX + 1];
	struct rjob *waiters;
	int dns_pending;
	char addrs[HTTPS_MAX_ADDRS][64];  /* of mta-sts.DOMAIN */
	size_t naddrs;
	struct https_get *get;       /* the fetch itself, once addressed */
};

static struct {
	struct sts_entry *cache;
	size_t ncache;
	SSL_CTX *https;              /* verifies: peer, against relay_g.ca */
} s;

static struct sts_entry *entry_find(const char *domain)
{
	for (struct sts_entry *e = s.cache; e; e = e->next)
		if (strcasecmp(e->domain, domain) == 0)
			return e;
	return NULL;
}

static struct sts_entry *entry_get(const char *domain)
{
	struct sts_entry *e = entry_find(domain);
	if (e != NULL)
		return e;
	if (s.ncache >= STS_CACHE_MAX) {
		/* Forget the oldest idle entry (the list's last). */
		struct sts_entry **pp = &s.cache, **victim = NULL;
		for (; *pp; pp = &(*pp)->next)
			if (!(*pp)->fetching)
				victim = pp;
		if (victim != NULL) {
			struct sts_entry *v = *victim;
			*victim = v->next;
			free(v);
			s.ncache--;
		}
	}
	e = xcalloc(1, sizeof *e);
	str_copy(e->domain, sizeof e->domain, domain);
	e->next = s.cache;
	s.cache = e;
	s.ncache++;
	return e;
}

static uint64_t now(void)
{
	return (uint64_t)time(NULL);
}

/* The job goes on with e's policy if it is valid now, else with none. */
static void job_continue(struct rjob *j, const struct sts_entry *e)
{
	if (e != NULL && e->have && e->expires > now() &&
	    e->pol.mode != MTASTS_NONE) {
		j->sts = xmalloc(sizeof *j->sts);
		*j->sts = e->pol;
	}
	void (*next)(struct rjob *) = j->sts_then;
	j->sts_then = NULL;
	next(j);
}

static void fetch_finish(struct sts_entry *e, const struct mtasts_policy *pol)
{
	if (pol != NULL) {
		e->have = true;
		e->pol = *pol;
		memcpy(e->id, e->fetch_id, sizeof e->id);
		e->expires = now() + pol->max_age;
		log_info("relay: MTA-STS policy of %s (id %s): mode %s, %zu mx, "
		    "max_age %u", e->domain, e->id, mtasts_mode_name(pol->mode),
		    pol->nmx, pol->max_age);
	}
	e->fetching = false;
	struct rjob *w = e->waiters;
	e->waiters = NULL;
	while (w != NULL) {
		struct rjob *next = w->sts_next;
		w->sts_next = NULL;
		job_continue(w, e);
		w = next;
	}
}

/* The policy in a fetch's answer, if it is one (RFC 8461 3.3: 200,
 * text/plain; a redirect is not followed, so its 3xx fails too). */
static bool fetch_policy(const struct sts_entry *e, const struct https_reply *r,
    struct mtasts_policy *pol)
{
	struct buf err = BUF_INIT;
	bool ok = false;
	if (r->error != NULL)
		buf_addstr(&err, r->error);
	else if (r->status != 200)
		buf_printf(&err, "HTTP status %u", r->status);
	else if (r->ctype_len < 10 || strncasecmp(r->ctype, "text/plain", 10) != 0)
		buf_printf(&err, "content type \"%.*s\"",
		    (int)(r->ctype_len < 64 ? r->ctype_len : 64), r->ctype);
	else
		ok = mtasts_policy_parse(r->body, r->body_len, pol, &err);
	if (!ok)
		log_warn("relay: MTA-STS policy of %s not fetched: %s",
		    e->domain, buf_cstr(&err));
	buf_free(&err);
	return ok;
}

static void on_fetched(void *arg, const struct https_reply *r)
{
	struct sts_entry *e = arg;
	struct mtasts_policy pol;
	e->get = NULL;
	fetch_finish(e, fetch_policy(e, r, &pol) ? &pol : NULL);
}

static void fetch_start(struct sts_entry *e)
{
	char host[MX_HOST_MAX + 16];
	struct https_get_params p = {
		.base = child_base(), .ctx = s.https, .host = host,
		.port = (unsigned)config_int(child_config(), "mta_sts_port"),
		.path = "/.well-known/mta-sts.txt",
		.max_body = MTASTS_POLICY_MAX, .timeout = FETCH_TIMEOUT,
	};
	snprintf(host, sizeof host, "mta-sts.%s", e->domain);
	for (size_t i = 0; i < e->naddrs; i++)
		p.addrs[p.naddrs++] = e->addrs[i];
	e->get = https_get_start(&p, on_fetched, e);
}

static void on_policy_addr(struct sts_entry *e, int type,
    const struct dns_answer *a)
{
	for (size_t i = 0; i < a->n && e->naddrs < HTTPS_MAX_ADDRS; i++)
		if (dns_parse_addr(type, a->rdata[i], a->len[i],
		    e->addrs[e->naddrs], sizeof e->addrs[0]))
			e->naddrs++;
	if (--e->dns_pending > 0)
		return;
	if (e->naddrs == 0) {
		log_warn("relay: MTA-STS policy of %s not fetched: mta-sts.%s "
		    "has no address", e->domain, e->domain);
		fetch_finish(e, NULL);
	} else {
		fetch_start(e);
	}
}

static void on_policy_a(void *arg, const struct dns_answer *a)
{
	on_policy_addr(arg, DNS_T_A, a);
}

static void on_policy_aaaa(void *arg, const struct dns_answer *a)
{
	on_policy_addr(arg, DNS_T_AAAA, a);
}

/* Looks up mta-sts.DOMAIN, then fetches; j waits with any others. */
static void fetch_policy_for(struct rjob *j, struct sts_entry *e,
    const char *id)
{
	j->sts_next = e->waiters;
	e->waiters = j;
	if (e->fetching)
		return;
	char host[MX_HOST_MAX + 16];
	snprintf(host, sizeof host, "mta-sts.%s", e->domain);
	e->fetching = true;
	str_copy(e->fetch_id, sizeof e->fetch_id, id);
	e->naddrs = 0;
	e->dns_pending = 2;
	bool a = dns_query(relay_g.dns, host, DNS_T_A, on_policy_a, e);
	bool aaaa = dns_query(relay_g.dns, host, DNS_T_AAAA, on_policy_aaaa, e);
	e->dns_pending -= !a + !aaaa;
	if (e->dns_pending == 0)
		fetch_finish(e, NULL);
}

/* The id of the one STSv1 record among the TXT answers, or "". */
static void record_id(const struct dns_answer *a, char id[MTASTS_ID_MAX + 1])
{
	size_t valid = 0, invalid = 0;
	char one[MTASTS_ID_MAX + 1];
	for (size_t i = 0; a->status == DNS_OK && i < a->n; i++) {
		struct buf txt = BUF_INIT;
		if (dns_parse_txt(a->rdata[i], a->len[i], &txt)) {
			enum mtasts_txt t = mtasts_txt_parse(buf_cstr(&txt), txt.len,
			    one);
			valid += t == MTASTS_TXT_VALID;
			invalid += t == MTASTS_TXT_INVALID;
			if (t == MTASTS_TXT_VALID)
				memcpy(id, one, sizeof one);
		}
		buf_free(&txt);
	}
	if (valid != 1 || invalid != 0)
		id[0] = '\0';
}

static void on_txt(void *arg, const struct dns_answer *a)
{
	struct rjob *j = arg;
	char id[MTASTS_ID_MAX + 1] = "";
	record_id(a, id);
	struct sts_entry *e = entry_find(j->domain);
	if (id[0] == '\0') {
		job_continue(j, e);    /* the cached policy while it lasts */
		return;
	}
	if (e != NULL && e->have && e->expires > now() &&
	    strcmp(e->id, id) == 0) {
		job_continue(j, e);
		return;
	}
	fetch_policy_for(j, entry_get(j->domain), id);
}

void relay_sts_find(struct rjob *j, void (*next)(struct rjob *))
{
	char name[MX_HOST_MAX + 16];
	j->sts_then = next;
	snprintf(name, sizeof name, "_mta-sts.%s", j->domain);
	if (!dns_query(relay_g.dns, name, DNS_T_TXT, on_txt, j))
		job_continue(j, entry_find(j->domain));
}

/* The CA certificates, read now: after the chroot nothing can be. */
static X509_STORE *load_cas(const char *file, struct buf *err)
{
	X509_STORE *st = X509_STORE_new();
	if (st == NULL || X509_STORE_load_file(st, file) != 1) {
		buf_printf(err, "CA certificates %s: %s", file, tls_last_error());
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

bool relay_sts_setup(const struct config *cfg, struct buf *err)
{
	const char *file = config_str(cfg, "mta_sts_ca_file");
	if (file[0] == '\0')
		file = X509_get_default_cert_file();
	relay_g.ca = load_cas(file, err);
	if (relay_g.ca == NULL)
		return false;
	SSL_CTX_set1_cert_store(relay_g.tls, relay_g.ca);
	s.https = https_ctx_new(relay_g.ca, err);
	return s.https != NULL;
}

void relay_sts_free(void)
{
	while (s.cache != NULL) {
		struct sts_entry *e = s.cache;
		s.cache = e->next;
		https_get_cancel(e->get);
		free(e);
	}
	SSL_CTX_free(s.https);
	X509_STORE_free(relay_g.ca);
}
