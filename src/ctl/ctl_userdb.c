#include "ctl/ctl_userdb.h"

#include "common/config.h"

struct userdb *ctl_userdb_open(struct ctl *ctl, struct config **cfgp)
{
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return NULL;
	struct buf path = BUF_INIT, err = BUF_INIT;
	config_state_path(cfg, USERDB_FILE, &path);
	struct userdb *db = userdb_open(buf_cstr(&path), false, &err);
	if (db == NULL)
		ctl_fail("%s", buf_cstr(&err));
	buf_free(&path);
	buf_free(&err);
	if (db != NULL && cfgp != NULL)
		*cfgp = cfg;
	else
		config_free(cfg);
	return db;
}

int ctl_userdb_result(bool ok, const char *cmd, struct buf *err)
{
	int rc = ok ? 0 : ctl_fail("%s: %s", cmd, buf_cstr(err));
	buf_free(err);
	return rc;
}
