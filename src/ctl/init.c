/* Placeholder until this subcommand lands: fails loudly. */
#include "ctl/ctl.h"

int ctl_init(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl; (void)argc; (void)argv;
	return ctl_fail("init: this command is not built yet");
}
