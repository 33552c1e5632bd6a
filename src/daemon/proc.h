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

	/* smtp <-> lookup */
	MSG_RCPT_CHECK = 100, /* str rcpt, str sender, str client, u64 size, u8 authed */
	MSG_RCPT_RESULT,      /* u32 code, str enhanced, str text, u32 n, n*(str dest, str folder, u8 local) */
	MSG_SIZE_CHECK,       /* u64 size, u32 n, n*str user: quota at end of DATA */
	MSG_SIZE_RESULT,      /* u32 code, str enhanced, str text */

	/* smtp <-> queue */
	MSG_QUEUE_CREATE = 200,  /* -> CREATED: str id, fd write | FAILED */
	MSG_QUEUE_CREATED,
	MSG_QUEUE_COMMIT,        /* str id, bytes envelope */
	MSG_QUEUE_ABORT,         /* str id */
	MSG_QUEUE_RESULT,        /* u32 code, str enhanced, str text */

	/* queue <-> deliver */
	MSG_DELIVER = 300,       /* fd: message; bytes envelope, u32 rcpt index */
	MSG_DELIVER_RESULT,      /* u32 rcpt index, u8 outcome, str reason */

	/* deliver <-> lookup */
	MSG_USER_INFO = 400,     /* str address */
	MSG_USER_INFO_RESULT,    /* u8 found, bytes pk, u8 encrypt, u64 quota */
};

enum deliver_outcome { DELIVER_OK, DELIVER_TEMPFAIL, DELIVER_PERMFAIL };

#endif
