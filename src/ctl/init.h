/* Pieces of `mailboxctl init` (init.c drives them). */
#ifndef AMB_CTL_INIT_H
#define AMB_CTL_INIT_H
#include <stdbool.h>

#include "common/buf.h"

struct config;

/* Creates the user database of a new instance with its first domain. */
bool init_database(const struct config *cfg, const char *domain, struct buf *err);
/* Creates the dedicated system users (root only) and hands each its
 * directory. */
bool init_system_users(const char *state_dir, struct buf *err);

#endif
