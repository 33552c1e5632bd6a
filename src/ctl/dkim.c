/* mailboxctl dkim keygen DOMAIN [--selector S] | list | dns DOMAIN
 * | rotate DOMAIN [--selector S] | sign ... | verify ... */
#include "ctl/dkim.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/dns.h"
#include "ctl/ctl_userdb.h"
#include "ctl/dnsrec.h"
#include "mail/address.h"
#include "mailauth/dkim_key.h"
#include "store/dkimkeys.h"

static bool check_domain(struct ctl *ctl, const char *domain,
    struct dkim_ctx *c)
{
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return false;
	struct buf err = BUF_INIT;
	int r = userdb_domain_exists(db, domain, &err);
	userdb_close(db);
	bool ok = r == 1 && addr_domain_ascii(domain, &c->domain, &err);
	if (!ok)
		ctl_fail("dkim: %s", err.len ? err.data : "unknown domain");
	for (size_t k = 0; k < c->domain.len; k++)
		if (c->domain.data[k] >= 'A' && c->domain.data[k] <= 'Z')
			c->domain.data[k] = (char)(c->domain.data[k] + 32);
	buf_free(&err);
	return ok;
}

bool ctl_dkim_open(struct ctl *ctl, const char *domain, bool keys,
    struct dkim_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->now = (long long)time(NULL);
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return false;
	config_state_path(cfg, "dkim", &c->dir);
	buf_set(&c->resolver, config_str(cfg, "resolver"));
	config_free(cfg);
	struct buf err = BUF_INIT;
	bool ok = !keys || dkimkeys_expire(c->dir.data, c->now, &err);
	if (!ok)
		ctl_fail("dkim: %s", err.data);
	buf_free(&err);
	return ok && (domain == NULL || check_domain(ctl, domain, c));
}

void ctl_dkim_close(struct dkim_ctx *c)
{
	buf_free(&c->dir);
	buf_free(&c->domain);
	buf_free(&c->resolver);
}

/* keygen (rotate false): the domain must have no active key yet. */
static int dkim_generate(struct ctl *ctl, bool rotate, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "selector", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sel = NULL;
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 's')
			return ctl_usage(DKIM_USAGE);
		sel = optarg;
	}
	if (optind != argc - 1)
		return ctl_usage(DKIM_USAGE);
	struct dkim_ctx c;
	struct dkimkeys ks;
	struct buf err = BUF_INIT;
	int rc = 1;
	if (!ctl_dkim_open(ctl, argv[optind], true, &c)) {
		ctl_dkim_close(&c);
		return 1;
	}
	if (dkimkeys_load(c.dir.data, c.domain.data, &ks, &err)) {
		bool active = false;
		for (size_t k = 0; k < ks.n; k++)
			active |= ks.v[k].active;
		if (active != rotate)
			buf_printf(&err, rotate ? "%s has no keys; use dkim keygen" :
			    "%s already has keys; use dkim rotate", c.domain.data);
		else if (dkimkeys_generate(c.dir.data, &ks, sel, c.now, &err))
			rc = 0;
	}
	for (size_t k = 0; rc == 0 && k < ks.n; k++)
		if (ks.v[k].active)
			printf("%s\t%s\t%s\n", c.domain.data, ks.v[k].selector,
			    dkimkey_alg_name(ks.v[k].alg));
	if (rc != 0)
		ctl_fail("dkim %s: %s", rotate ? "rotate" : "keygen", err.data);
	dkimkeys_free(&ks);
	buf_free(&err);
	ctl_dkim_close(&c);
	return rc;
}

static void print_date(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];
	if (gmtime_r(&tt, &tm) != NULL && strftime(s, sizeof s, "%Y-%m-%d", &tm))
		printf("%s", s);
	else
		printf("-");
}

static bool list_domain(const char *domain, void *arg)
{
	struct dkim_ctx *c = arg;
	struct dkimkeys ks;
	struct buf err = BUF_INIT;
	bool ok = dkimkeys_load(c->dir.data, domain, &ks, &err);
	for (size_t k = 0; ok && k < ks.n; k++) {
		const struct dkimkey *key = &ks.v[k];
		printf("%s\t%s\t%s\t%s\t", domain, key->selector,
		    dkimkey_alg_name(key->alg), key->active ? "active" : "retired");
		print_date(key->created);
		if (!key->active) {
			printf("\tunpublished after ");
			print_date(key->retired + DKIMKEYS_RETIRE_SECS);
		}
		printf("\n");
	}
	if (!ok)
		ctl_fail("dkim list: %s", err.data);
	dkimkeys_free(&ks);
	buf_free(&err);
	return ok;
}

static int dkim_list(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage(DKIM_USAGE);
	struct dkim_ctx c;
	struct buf err = BUF_INIT;
	int rc = 1;
	if (ctl_dkim_open(ctl, NULL, true, &c)) {
		rc = dkimkeys_each_domain(c.dir.data, list_domain, &c, &err) ? 0 : 1;
		if (rc != 0 && err.len > 0)
			ctl_fail("dkim list: %s", err.data);
	}
	buf_free(&err);
	ctl_dkim_close(&c);
	return rc;
}

int ctl_dkim_published(const char *dir, const char *domain, long long now,
    ctl_dkim_rec_fn *fn, void *arg, struct buf *err)
{
	struct dkimkeys ks = { 0 };
	struct buf rec = BUF_INIT;
	bool ok = dkimkeys_load(dir, domain, &ks, err);
	for (size_t k = 0; ok && k < ks.n; k++) {
		if (!dkimkey_published(&ks.v[k], now))
			continue;
		EVP_PKEY *key = dkimkeys_read_key(dir, domain, ks.v[k].selector, err);
		buf_reset(&rec);
		ok = key != NULL && dkim_key_record(key, &rec);
		if (ok)
			fn(ks.v[k].selector, rec.data, arg);
		EVP_PKEY_free(key);
	}
	bool none = ok && ks.n == 0;
	if (none)
		buf_printf(err, "%s has no keys", domain);
	dkimkeys_free(&ks);
	buf_free(&rec);
	return none ? 0 : ok ? 1 : -1;
}

static void print_key(const char *selector, const char *record, void *arg)
{
	const char *domain = arg;
	struct buf name = BUF_INIT;
	buf_printf(&name, "%s._domainkey.%s", selector, domain);
	struct dnsrec r = { name.data, DNS_T_TXT, (char *)record, true };
	dnsrec_print(stdout, &r);
	buf_free(&name);
}

static int dkim_dns(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		return ctl_usage(DKIM_USAGE);
	struct dkim_ctx c;
	struct buf err = BUF_INIT;
	int rc = 1;
	if (ctl_dkim_open(ctl, argv[1], true, &c) &&
	    ctl_dkim_published(c.dir.data, c.domain.data, c.now, print_key,
	    c.domain.data, &err) == 1)
		rc = 0;
	if (rc != 0 && err.len > 0)
		ctl_fail("dkim dns: %s", err.data);
	buf_free(&err);
	ctl_dkim_close(&c);
	return rc;
}

int ctl_dkim(struct ctl *ctl, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct ctl *, int, char **);
	} subs[] = {
		{ "list", dkim_list }, { "dns", dkim_dns },
		{ "sign", ctl_dkim_sign }, { "verify", ctl_dkim_verify },
	};
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return dkim_generate(ctl, false, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "rotate") == 0)
		return dkim_generate(ctl, true, argc - 1, argv + 1);
	for (size_t k = 0; argc >= 2 && k < sizeof(subs) / sizeof(*subs); k++)
		if (strcmp(argv[1], subs[k].name) == 0)
			return subs[k].fn(ctl, argc - 1, argv + 1);
	return ctl_usage(DKIM_USAGE);
}
