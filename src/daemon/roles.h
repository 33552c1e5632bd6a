/* The role of each child process (one file each in src/daemon/). */
#ifndef AMB_ROLES_H
#define AMB_ROLES_H
#include "daemon/child.h"

extern const struct role_ops lookup_role, queue_role, deliver_role, smtp_role,
    imaplogin_role, imap_role, signer_role, relay_role, acme_role;

#endif
