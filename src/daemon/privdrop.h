#ifndef AMB_PRIVDROP_H
#define AMB_PRIVDROP_H
#include <stdbool.h>

#include "common/buf.h"

/* Becomes user (and its group only), after chroot into dir if dir is not
 * NULL. Without root this is only possible as oneself: then the user must
 * be the current one and the chroot is skipped (a --local instance). */
bool privdrop(const char *user, const char *chroot_dir, struct buf *err);

#endif
