#include "daemon/proc.h"

static const char *const names[PROC_NROLES] = {
	[PROC_MASTER] = "master", [PROC_LOOKUP] = "lookup",
	[PROC_QUEUE] = "queue", [PROC_DELIVER] = "deliver", [PROC_SMTP] = "smtp",
	[PROC_IMAPLOGIN] = "imap-login", [PROC_IMAP] = "imap",
	[PROC_SIGNER] = "signer", [PROC_RELAY] = "relay", [PROC_ACME] = "acme",
};

static const enum runas_role runas[PROC_NROLES] = {
	[PROC_MASTER] = ROLE_QUEUE,     /* unused: the master keeps its user */
	[PROC_LOOKUP] = ROLE_LOOKUP, [PROC_QUEUE] = ROLE_QUEUE,
	[PROC_DELIVER] = ROLE_MAIL, [PROC_SMTP] = ROLE_NET,
	[PROC_IMAPLOGIN] = ROLE_NET, [PROC_IMAP] = ROLE_MAIL,
	[PROC_SIGNER] = ROLE_DKIM, [PROC_RELAY] = ROLE_NET, [PROC_ACME] = ROLE_NET,
};

const char *proc_name(enum proc_role role)
{
	return role < PROC_NROLES ? names[role] : "?";
}

enum runas_role proc_runas(enum proc_role role)
{
	return runas[role];
}

bool proc_linked(enum proc_role a, enum proc_role b)
{
	static const enum proc_role links[][2] = {
		{ PROC_SMTP, PROC_LOOKUP }, { PROC_SMTP, PROC_QUEUE },
		{ PROC_QUEUE, PROC_DELIVER }, { PROC_DELIVER, PROC_LOOKUP },
		{ PROC_SMTP, PROC_DELIVER }, { PROC_IMAPLOGIN, PROC_LOOKUP },
		{ PROC_QUEUE, PROC_RELAY }, { PROC_RELAY, PROC_SIGNER },
		{ PROC_QUEUE, PROC_LOOKUP },
	};
	for (unsigned i = 0; i < sizeof links / sizeof links[0]; i++)
		if ((links[i][0] == a && links[i][1] == b) ||
		    (links[i][0] == b && links[i][1] == a))
			return true;
	return false;
}
