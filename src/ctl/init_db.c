/* Database creation for `mailboxctl init`; filled in by the user-database
 * work. Until then init fails loudly instead of leaving a half instance. */
#include "ctl/init.h"

bool init_database(const struct config *cfg, const char *domain, struct buf *err)
{
	(void)cfg; (void)domain;
	buf_addstr(err, "init: the user database is not built yet (src/ctl/init_db.c)");
	return false;
}
