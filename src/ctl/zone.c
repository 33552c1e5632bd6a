/* The records of the configured instance (zone.h): its domains from the
 * user database, the public addresses, and what each needs published. */
#include "ctl/zone.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/xmalloc.h"
#include "ctl/ctl_userdb.h"
#include "mail/address.h"

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

