/* The processes of mailboxd and how they are linked. The master forks one
 * process per role and gives each pair of roles that talk a fresh
 * socketpair (PEER message), again whenever one of them restarts. */
#ifndef AMB_PROC_H
#define AMB_PROC_H
#include <stdbool.h>
#include <stdint.h>

#include "common/runas.h"

enum proc_role {
	PROC_MASTER,
	PROC_LOOKUP,
	PROC_QUEUE,
	PROC_DELIVER,
	PROC_SMTP,
	PROC_IMAPLOGIN,       /* IMAP before login: TLS, LOGIN, then a proxy */
	PROC_IMAP,            /* one per logged-in IMAP session, not a fixed role */
	PROC_SIGNER,          /* DKIM signatures: the only reader of the keys */
	PROC_RELAY,           /* outbound SMTP client */
	PROC_ACME,            /* answers ACME challenges */
	PROC_NROLES
};

const char *proc_name(enum proc_role role);
enum runas_role proc_runas(enum proc_role role);
/* Whether roles a and b get a channel to each other. */
bool proc_linked(enum proc_role a, enum proc_role b);

/* Message types. Replies reuse the request's id. */
enum msg_type {
	/* master -> child */
	MSG_CONFIG = 1,       /* config file text; child (re)loads it */
	MSG_PEER,             /* u32 role, fd: a channel to that role */
	MSG_LISTENER,         /* u32 service, str addr, fd: a listening socket */
	MSG_TLS,              /* str cert chain PEM, str key PEM */
	MSG_READY,            /* child -> master: set up, privileges dropped */
	MSG_SHUTDOWN,         /* master -> child: finish and exit */
	MSG_FLUSH = 10,       /* master -> queue: take the requests in
	                       * queue/delete/, retry every deferred recipient now */

	/* smtp <-> lookup */
	MSG_RCPT_CHECK = 100, /* str rcpt, str sender, str client, u64 size, u8 authed */
	MSG_RCPT_RESULT,      /* u32 code, str enhanced, str text,
	                       * u32 n, n * (str dest, str folder, u8 kind, u64 quota);
	                       * to smtp then str block lists naming the
	                       * client ("a, b"; "" none) */
	MSG_AUTH,             /* str user, str password, str client */
	MSG_AUTH_RESULT,      /* u8 auth_result, str canonical user */
	MSG_SENDER_CHECK,     /* str authenticated user, str sender */
	MSG_SENDER_RESULT,    /* u32 code, str enhanced, str text */
	MSG_VERDICT = 110,    /* fd message (read with pread only); str queue
	                       * id, str client, str helo, str sender, str
	                       * block lists naming the client (from the
	                       * RCPT_RESULT), u32 n, n * str rcpt */
	MSG_VERDICT_RESULT,   /* u32 code, str enhanced, str text, str header
	                       * lines to add, u32 spam score (int32, in
	                       * thousandths), u8 junk */

	/* smtp <-> queue */
	MSG_QUEUE_CREATE = 200,  /* -> QUEUE_CREATED: str id + write fd */
	MSG_QUEUE_CREATED,
	MSG_QUEUE_COMMIT,        /* bytes envelope -> QUEUE_RESULT */
	MSG_QUEUE_ABORT,         /* str id */
	MSG_QUEUE_RESULT,        /* u32 code, str enhanced, str text */
	/* deliver -> queue: a message made here (vacation, redirect);
	 * fd: the message, read with pread from offset 0; str sender,
	 * u32 ENV_F_* flags, u32 n, n * (str orig, str dest, str folder,
	 * u8 rcpt_kind): recipients already resolved by the caller */
	MSG_QUEUE_INJECT = 210,
	MSG_QUEUE_INJECT_RESULT, /* as QUEUE_RESULT; 250's text is the id */

	/* queue <-> deliver */
	MSG_DELIVER = 300,       /* fd message; bytes envelope, u32 rcpt index,
	                          * u8 retry (an earlier attempt may have
	                          * stored it: msgstore_delivery.retry) */
	MSG_DELIVER_RESULT,      /* u8 outcome, str reason */

	/* deliver <-> lookup */
	MSG_USER_INFO = 400,     /* str address */
	MSG_USER_INFO_RESULT,    /* u8 found, bytes pk, u8 encrypt, u64 quota */

	/* imap-login <-> lookup; lookup -> master -> a new imap process */
	MSG_IMAP_LOGIN = 130,    /* str user, str password, str client,
	                          * u8 protocol (0 IMAP, 1 ManageSieve);
	                          * fd: the session's end of the proxy socket */
	MSG_IMAP_LOGIN_RESULT,   /* u8 auth_result, str canonical user */
	MSG_SESSION_SPAWN = 600, /* lookup -> master, master -> imap: str user,
	                          * bytes pk, bytes sk (empty: no encryption),
	                          * u64 quota, str client, u8 protocol;
	                          * fd: proxy socket */

	/* bans after authentication failures (master_ban.c) */
	MSG_BAN = 610,           /* lookup -> master: str address, u32 seconds;
	                          * master -> a starting lookup: the same, for
	                          * each ban still running */
	MSG_UNBAN,               /* master -> lookup: str address (ban del) */

	/* queue <-> relay: the recipients of one message in one domain */
	MSG_RELAY = 700,         /* fd message; str queue id, str sender,
	                          * u32 ENV_F_* flags, u32 n (1..RELAY_MAX_RCPTS),
	                          * n * (u32 rcpt index, str address) */
	MSG_RELAY_RESULT,        /* str relay "host[ip]:port" ("" if none
	                          * answered), u32 n, n * (u32 rcpt index,
	                          * u8 deliver_outcome, str reply) */

	/* relay <-> signer */
	MSG_SIGN = 800,          /* fd message (read with pread only: the
	                          * offset is shared); str signing domain */
	MSG_SIGN_RESULT,         /* u8 ok, str DKIM-Signature fields to
	                          * prepend ("" if the domain has no keys) */

	/* smtp <-> deliver: quota, which only the mail store's owner can see */
	MSG_QUOTA_CHECK = 500,   /* u64 size, u32 n, n * (str user, u64 quota) */
	MSG_QUOTA_RESULT,        /* u32 code, str enhanced, str text */
};

enum deliver_outcome { DELIVER_OK, DELIVER_TEMPFAIL, DELIVER_PERMFAIL };

/* Recipients named in one MSG_VERDICT (for rspamd; the rest are left
 * out). */
#define VERDICT_MAX_RCPTS 100

/* Recipients in one MSG_RELAY: RFC 5321 4.5.3.1.8's minimum a server
 * must take in one transaction, and it keeps the reply under
 * IPC_MAX_PAYLOAD. */
#define RELAY_MAX_RCPTS 100

enum auth_result { AUTH_OK, AUTH_BAD, AUTH_TEMPFAIL, AUTH_BANNED };

/* Replies carry an SMTP code, an enhanced status code and text. */
struct smtp_verdict {
	uint32_t code;
	const char *enhanced;
	const char *text;
};

#endif
