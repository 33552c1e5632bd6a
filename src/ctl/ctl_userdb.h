/* The user database of the configured instance, for mailboxctl commands. */
#ifndef AMB_CTL_USERDB_H
#define AMB_CTL_USERDB_H
#include <stdbool.h>

#include "ctl/ctl.h"
#include "store/userdb.h"

struct config;

/* Loads the config and opens its database; on failure prints the reason
 * and returns NULL. *cfg (if cfg is not NULL) receives the config, which
 * the caller frees. */
struct userdb *ctl_userdb_open(struct ctl *ctl, struct config **cfg);
/* Prints "mailboxctl: <cmd>: <err>" and returns 1 unless ok; then 0. */
int ctl_userdb_result(bool ok, const char *cmd, struct buf *err);

#endif
