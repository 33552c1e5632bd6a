/* Which system user each part of the server runs as. A production
 * instance has one dedicated user per role; `run_user` (set by
 * `mailboxctl init --local`) puts every role under one user instead. */
#ifndef AMB_RUNAS_H
#define AMB_RUNAS_H

struct config;

enum runas_role {
	ROLE_NET,       /* smtp sessions, relay: nothing on disk */
	ROLE_LOOKUP,    /* reads the user database */
	ROLE_QUEUE,     /* owns the spool */
	ROLE_MAIL,      /* owns the mail store; deliver and imap */
	ROLE_DKIM,      /* owns the DKIM private keys; signer */
	ROLE_COUNT
};

/* The dedicated system user of a role ("archmailbox-queue", ...). */
const char *runas_system_user(enum runas_role role);
/* The user a role runs as under this config. */
const char *runas_user(const struct config *cfg, enum runas_role role);

#endif
