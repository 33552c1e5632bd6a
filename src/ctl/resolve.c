/* mailboxctl resolve ADDRESS: where mail for ADDRESS would be delivered,
 * one destination per line ("local ADDR [FOLDER]" or "external ADDR"). */
#include "ctl/ctl.h"

#include <stdio.h>

#include "ctl/ctl_userdb.h"

int ctl_resolve(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		return ctl_usage("usage: resolve ADDRESS");
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return 1;
	struct buf err = BUF_INIT;
	struct userdb_dests d;
	enum userdb_resolved r = userdb_resolve(db, argv[1], &d, &err);
	userdb_close(db);
	if (r == USERDB_UNKNOWN)
		buf_addstr(&err, "no such recipient");
	for (size_t i = 0; r == USERDB_RESOLVED && i < d.n; i++) {
		const struct userdb_dest *x = &d.v[i];
		printf("%s\t%s%s%s\n", x->kind == USERDB_DEST_LOCAL ? "local" :
		    "external", x->address, x->folder ? "\t" : "",
		    x->folder ? x->folder : "");
	}
	userdb_dests_free(&d);
	return ctl_userdb_result(r == USERDB_RESOLVED, "resolve", &err);
}
