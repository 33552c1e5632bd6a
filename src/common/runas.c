#include "common/runas.h"

#include "common/config.h"

static const char *const system_users[ROLE_COUNT] = {
	[ROLE_NET]    = "archmailbox-net",
	[ROLE_LOOKUP] = "archmailbox-lookup",
	[ROLE_QUEUE]  = "archmailbox-queue",
	[ROLE_MAIL]   = "archmailbox-mail",
	[ROLE_DKIM]   = "archmailbox-dkim",
};

const char *runas_system_user(enum runas_role role)
{
	return system_users[role];
}

const char *runas_user(const struct config *cfg, enum runas_role role)
{
	const char *u = config_str(cfg, "run_user");
	return *u != '\0' ? u : system_users[role];
}
