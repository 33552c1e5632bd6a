/* Placeholder until this subcommand lands: fails loudly. */
#include "ctl/ctl.h"

int ctl_config(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	return ctl_fail("config: this command is not built yet");
}
