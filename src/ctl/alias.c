/* mailboxctl alias add SRC DST | del SRC [DST] | list */
#include "ctl/ctl.h"

#include <stdio.h>
#include <string.h>

#include "ctl/ctl_userdb.h"

#define ALIAS_USAGE "usage: alias add SRC DST | alias del SRC [DST] | alias list"

static void print_alias(const char *src, const char *dst, void *arg)
{
	(void)arg;
	printf("%s\t%s\n", src, dst);
}

int ctl_alias(struct ctl *ctl, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	bool add = strcmp(sub, "add") == 0 && argc == 4;
	bool del = strcmp(sub, "del") == 0 && (argc == 3 || argc == 4);
	bool list = strcmp(sub, "list") == 0 && argc == 2;
	if (!add && !del && !list)
		return ctl_usage(ALIAS_USAGE);
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return 1;
	struct buf err = BUF_INIT;
	bool ok = add ? userdb_alias_add(db, argv[2], argv[3], &err) :
	    del ? userdb_alias_del(db, argv[2], argc == 4 ? argv[3] : NULL, &err) :
	    userdb_alias_list(db, print_alias, NULL, &err);
	userdb_close(db);
	return ctl_userdb_result(ok, add ? "alias add" : del ? "alias del" :
	    "alias list", &err);
}
