/* mailboxctl import archmailbox --db smtp.sqlite --mail /var/vmail
 * [--dkim DIR] [--acme DIR]: the seed's domains, users (password hash and
 * trees key as they are), aliases, mail, DKIM keys and certificate. Every
 * step skips what an earlier run already did, so an interrupted import
 * is finished by running it again. */
#include "ctl/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "common/config.h"
#include "common/xmalloc.h"
#include "ctl/ctl_userdb.h"
#include "ctl/import_seed.h"
#include "mail/address.h"
#include "store/maildir.h"

struct seed_opts {
	const char *db, *mail, *dkim, *acme;
};

struct seed_run {
	struct config *cfg;
	struct userdb *db;
	struct seed_db seed;
	unsigned long problems;
};

static bool parse(int argc, char **argv, struct seed_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		const char **slot = !strcmp(argv[i], "--db") ? &o->db :
		    !strcmp(argv[i], "--mail") ? &o->mail :
		    !strcmp(argv[i], "--dkim") ? &o->dkim :
		    !strcmp(argv[i], "--acme") ? &o->acme : NULL;
		if (slot == NULL || i + 1 >= argc)
			return false;
		*slot = argv[++i];
	}
	return o->db != NULL && o->mail != NULL;
}

static void problem(struct seed_run *r, const char *what, struct buf *err)
{
	fprintf(stderr, "mailboxctl: %s: %s\n", what, buf_cstr(err));
	buf_reset(err);
	r->problems++;
}

static void import_domains(struct seed_run *r)
{
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < r->seed.ndomains; i++) {
		const char *d = r->seed.domains[i];
		int e = userdb_domain_exists(r->db, d, &err);
		buf_reset(&err);
		if (e == 1)
			continue;
		if (userdb_domain_add(r->db, d, NULL, &err))
			printf("domain %s added\n", d);
		else
			problem(r, d, &err);
	}
	buf_free(&err);
}

static void import_user(struct seed_run *r, struct seed_user *u)
{
	struct buf err = BUF_INIT;
	struct userdb_user have;
	int e = userdb_user_get(r->db, u->email, &have, &err);
	if (e == 1) {
		u->take_mail = !u->has_key ||
		    memcmp(have.key.pk, u->key.pk, TREES_PK_LEN) == 0;
		if (!u->take_mail)
			buf_addstr(&err, "exists here with another key: kept as it "
			    "is, and its old mail (which that key cannot read) is "
			    "not copied");
		userdb_user_clear(&have);
	} else if (e == 0) {
		struct trees_key key = u->key;
		/* No trees key in the seed: the mail was stored in the clear.
		 * The user gets an unencrypted mailbox and a key pair that
		 * only matters if encryption is turned on later. */
		unsigned char junk[32];
		randombytes_buf(junk, sizeof junk);
		bool have_key = u->has_key || trees_key_create((const char *)junk,
		    sizeof junk, &key);
		sodium_memzero(junk, sizeof junk);
		if (!have_key)
			buf_addstr(&err, "cannot make a key pair");
		else if ((u->take_mail = userdb_user_import(r->db, u->email, u->hash,
		    &key, config_size(r->cfg, "default_quota"), u->has_key, &err)))
			printf("user %s imported%s\n", u->email,
			    u->has_key ? "" : " (without encryption)");
	}
	if (err.len > 0)
		problem(r, u->email, &err);
	buf_free(&err);
}

struct alias_pair {
	char **src, **dst;
	size_t n;
};

static void collect_alias(const char *s, const char *d, void *arg)
{
	struct alias_pair *p = arg;
	p->src = xreallocarray(p->src, p->n + 1, sizeof *p->src);
	p->dst = xreallocarray(p->dst, p->n + 1, sizeof *p->dst);
	p->src[p->n] = xstrdup(s);
	p->dst[p->n++] = xstrdup(d);
}

static bool have_alias(const struct alias_pair *p, const char *s,
    const char *d)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->src[i], s) &&
		    !strcmp(p->dst[i], d))
			return true;
	return false;
}

static void import_alias(struct seed_run *r, const struct seed_alias *a,
    const struct alias_pair *have)
{
	struct buf err = BUF_INIT;
	char **dst = NULL;
	size_t n = 0;
	if (strcmp(a->source, "@") == 0) {
		buf_addstr(&err, "a catch-all for every domain has no equivalent "
		    "here; add one \"@domain\" alias per domain");
		problem(r, a->source, &err);
	} else {
		seed_alias_targets(&r->seed, a->destination, &dst, &n);
		/* "vmail" marks a real user; anything else that leads to no
		 * address (a program, a file) cannot be taken over. */
		if (n == 0 && strcmp(a->destination, "vmail") != 0) {
			buf_printf(&err, "destination \"%s\" leads to no address; "
			    "skipped", a->destination);
			problem(r, a->source, &err);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a->source, dst[i]) == 0 || have_alias(have, a->source,
		    dst[i]))
			continue;
		if (userdb_alias_add(r->db, a->source, dst[i], &err))
			printf("alias %s -> %s added\n", a->source, dst[i]);
		else
			problem(r, a->source, &err);
	}
	for (size_t i = 0; i < n; i++)
		free(dst[i]);
	free(dst);
	buf_free(&err);
}

static void import_aliases(struct seed_run *r)
{
	struct alias_pair have = { 0 };
	struct buf err = BUF_INIT;
	if (!userdb_alias_list(r->db, collect_alias, &have, &err))
		problem(r, "aliases", &err);
	for (size_t i = 0; i < r->seed.naliases; i++)
		import_alias(r, &r->seed.aliases[i], &have);
	for (size_t i = 0; i < have.n; i++) {
		free(have.src[i]);
		free(have.dst[i]);
	}
	free(have.src);
	free(have.dst);
	buf_free(&err);
}

/* <mail>/<domain>/<local>/Maildir, as the seed's Dovecot kept it. */
static void seed_maildir(const char *mail, const char *addr, struct buf *out)
{
	const char *at = strrchr(addr, '@');
	buf_reset(out);
	buf_printf(out, "%s/%s/%.*s/Maildir", mail, at + 1, (int)(at - addr),
	    addr);
}

static void import_mail(struct seed_run *r, const char *mail)
{
	struct buf ours = BUF_INIT, src = BUF_INIT, dst = BUF_INIT, err = BUF_INIT,
	    canon = BUF_INIT;
	struct progress pr;
	unsigned long total = 0;
	for (size_t i = 0; i < r->seed.nusers; i++) {
		seed_maildir(mail, r->seed.users[i].email, &src);
		total += seed_mail_count(src.data);
	}
	config_state_path(r->cfg, "mail", &ours);
	progress_init(&pr, "mail", total);
	for (size_t i = 0; i < r->seed.nusers; i++) {
		const char *addr = r->seed.users[i].email;
		struct seed_mail_stats st = { .pr = &pr };
		struct stat sb;
		seed_maildir(mail, addr, &src);
		if (!r->seed.users[i].take_mail || stat(src.data, &sb) != 0)
			continue;           /* not a user here, or never got mail */
		/* Our Maildir is named by the canonical address (U-labels),
		 * as delivery names it. */
		buf_reset(&dst);
		buf_reset(&canon);
		if (!addr_canon(addr, &canon, &err)) {
			problem(r, addr, &err);
			continue;
		}
		maildir_user_path(ours.data, canon.data, &dst);
		if (!seed_mail_copy(src.data, dst.data, &st, &err))
			problem(r, addr, &err);
		if (st.failed > 0)
			r->problems++;
		if (pr.tty)
			fputc('\n', stderr);
		printf("mail %s: %lu copied, %lu already there, %lu failed\n", addr,
		    st.copied, st.skipped, st.failed);
	}
	progress_end(&pr);
	if (!import_give_tree(ours.data, ours.data, &err))
		problem(r, "mail", &err);
	buf_free(&ours);
	buf_free(&src);
	buf_free(&dst);
	buf_free(&err);
	buf_free(&canon);
}

static void import_keys(struct seed_run *r, const struct seed_opts *o)
{
	struct buf dir = BUF_INIT, cert = BUF_INIT, key = BUF_INIT, err = BUF_INIT;
	if (o->dkim != NULL) {
		config_state_path(r->cfg, "dkim", &dir);
		if (!seed_dkim_import(o->dkim, dir.data, r->seed.domains,
		    r->seed.ndomains, &err))
			problem(r, "dkim", &err);
	}
	if (o->acme != NULL) {
		const char *c = config_str(r->cfg, "tls_cert");
		const char *k = config_str(r->cfg, "tls_key");
		if (*c == '/')
			buf_addstr(&cert, c);
		else
			config_state_path(r->cfg, c, &cert);
		if (*k == '/')
			buf_addstr(&key, k);
		else
			config_state_path(r->cfg, k, &key);
		if (!seed_acme_import(o->acme, config_str(r->cfg, "state_dir"),
		    cert.data, key.data, &err))
			problem(r, "acme", &err);
	}
	buf_free(&dir);
	buf_free(&cert);
	buf_free(&key);
	buf_free(&err);
}

int import_archmailbox(struct ctl *ctl, int argc, char **argv)
{
	struct seed_opts o;
	if (!parse(argc, argv, &o))
		return ctl_usage("usage: import archmailbox --db FILE --mail DIR "
		    "[--dkim DIR] [--acme DIR]");
	struct seed_run r = { 0 };
	struct buf err = BUF_INIT;
	if (!seed_db_read(o.db, &r.seed, &err)) {
		int rc = ctl_fail("%s", buf_cstr(&err));
		buf_free(&err);
		return rc;
	}
	r.db = ctl_userdb_open(ctl, &r.cfg);
	if (r.db == NULL) {
		seed_db_free(&r.seed);
		return 1;
	}
	import_domains(&r);
	for (size_t i = 0; i < r.seed.nusers; i++)
		import_user(&r, &r.seed.users[i]);
	import_aliases(&r);
	import_mail(&r, o.mail);
	import_keys(&r, &o);
	printf("import archmailbox: %zu domains, %zu users, %zu aliases read; "
	    "%lu problems\n", r.seed.ndomains, r.seed.nusers, r.seed.naliases,
	    r.problems);
	userdb_close(r.db);
	config_free(r.cfg);
	seed_db_free(&r.seed);
	buf_free(&err);
	return r.problems == 0 ? 0 : 1;
}
