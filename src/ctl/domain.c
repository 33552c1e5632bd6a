/* mailboxctl domain add DOMAIN [--postmaster ADDR] | del DOMAIN [--force]
 * | list */
#include "ctl/ctl.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl_userdb.h"

#define DOMAIN_USAGE "usage: domain add DOMAIN [--postmaster ADDR] | " \
	"domain del DOMAIN [--force] | domain list"

/* domain add DOMAIN [--postmaster ADDR] | domain del DOMAIN [--force] */
static int domain_change(struct ctl *ctl, bool add, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "postmaster", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pm = NULL;
	bool force = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'p' && add)
			pm = optarg;
		else if (c == 'f' && !add)
			force = true;
		else
			return ctl_usage(DOMAIN_USAGE);
	}
	if (optind != argc - 1)
		return ctl_usage(DOMAIN_USAGE);
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return 1;
	struct buf err = BUF_INIT;
	bool ok = add ? userdb_domain_add(db, argv[optind], pm, &err) :
	    userdb_domain_del(db, argv[optind], force, &err);
	userdb_close(db);
	return ctl_userdb_result(ok, add ? "domain add" : "domain del", &err);
}

static void print_domain(const struct userdb_domain *d, void *arg)
{
	(void)arg;
	printf("%s\t%lld\t%s\n", d->name, d->users, d->postmaster ? d->postmaster : "-");
}

static int domain_list(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage(DOMAIN_USAGE);
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return 1;
	struct buf err = BUF_INIT;
	bool ok = userdb_domain_list(db, print_domain, NULL, &err);
	userdb_close(db);
	return ctl_userdb_result(ok, "domain list", &err);
}

int ctl_domain(struct ctl *ctl, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return domain_change(ctl, true, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "del") == 0)
		return domain_change(ctl, false, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return domain_list(ctl, argc - 1, argv + 1);
	return ctl_usage(DOMAIN_USAGE);
}
