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

/* An answer to RCPT_CHECK: code, enhanced code, text (static), and for
 * 250 the destinations. */
struct rcpt_reply {
	uint32_t code;
	const char *enh, *text;
	struct buf extra;
};

/* lookup_policy.c: DNSBL and greylisting of an accepted recipient; sends
 * the RCPT_RESULT (now or later) and takes r->extra. */
struct config;
bool lookup_policy_setup(const struct config *cfg, struct buf *err);
void lookup_policy_shutdown(void);
void lookup_policy_rcpt(uint64_t id, const char *client, const char *sender,
    const char *rcpt, struct rcpt_reply *r);
/* lookup_verdict.c: its resolver, shared. */
struct dns *lookup_dns(void);

/* lookup_auth.c */
void lookup_on_auth(const struct ipc_msg *m);
void lookup_on_imap_login(const struct ipc_msg *m);
void lookup_on_sender_check(const struct ipc_msg *m);
/* MSG_BAN / MSG_UNBAN from the master. */
void lookup_on_ban(const struct ipc_msg *m);

#endif
