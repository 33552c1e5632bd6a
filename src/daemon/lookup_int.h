/* Shared by the lookup process's files. */
#ifndef AMB_LOOKUP_INT_H
#define AMB_LOOKUP_INT_H
#include "common/buf.h"
#include "common/ipc.h"
#include "daemon/proc.h"

extern struct userdb *lookup_db;

/* Sends u32 code, str enhanced, str text (+ extra) to a peer. */
void reply_verdict(enum proc_role to, uint32_t type, uint64_t id,
    uint32_t code, const char *enh, const char *text, const struct buf *extra);

/* lookup_auth.c */
void lookup_on_auth(const struct ipc_msg *m);
void lookup_on_imap_login(const struct ipc_msg *m);
void lookup_on_sender_check(const struct ipc_msg *m);
/* MSG_BAN / MSG_UNBAN from the master. */
void lookup_on_ban(const struct ipc_msg *m);

#endif
