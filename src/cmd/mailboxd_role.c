/* mailboxd-<role>: one process role of mailboxd, started only by the
 * master as `mailboxd -R ROLE [-f]` with its channel on fd 3. The build
 * compiles this file once per role with ROLE_OPS naming the role's
 * operations, so each executable links only what its role uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "daemon/roles.h"

#ifndef ROLE_OPS
#error "build with -DROLE_OPS=<role>_role"
#endif

int main(int argc, char **argv)
{
	const struct role_ops *ops = &ROLE_OPS;
	const char *name = proc_name(ops->role);
	bool foreground = false;
	int c;
	while ((c = getopt(argc, argv, "fR:")) != -1) {
		if (c == 'f')
			foreground = true;
		else if (c != 'R' || strcmp(optarg, name) != 0)
			c = '?';
		if (c == '?') {
			fprintf(stderr, "mailboxd-%s: started by mailboxd only, as "
			    "`mailboxd -R %s [-f]`\n", name, name);
			return 2;
		}
	}
	if (optind != argc || sodium_init() < 0)
		return 2;
	static char ident[64];
	snprintf(ident, sizeof ident, "mailboxd/%s", name);
	log_open(ident, foreground);
	child_run(ops, 3);
}
