/* Placeholder until this subcommand lands: fails loudly. */
#include "ctl/ctl.h"

int ctl_user(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	return ctl_fail("user: this command is not built yet");
}
