/* Database creation for `mailboxctl init`. */
#include "ctl/init.h"

#include "common/config.h"
#include "store/userdb.h"

bool init_database(const struct config *cfg, const char *domain, struct buf *err)
{
	struct buf path = BUF_INIT;
	config_state_path(cfg, USERDB_FILE, &path);
	struct userdb *db = NULL;
	bool ok = userdb_create(buf_cstr(&path), err) &&
	    (db = userdb_open(buf_cstr(&path), false, err)) != NULL &&
	    userdb_domain_add(db, domain, NULL, err);
	userdb_close(db);
	buf_free(&path);
	return ok;
}
