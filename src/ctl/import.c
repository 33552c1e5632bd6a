/* mailboxctl import archmailbox|encpipe|maildir|mbox: what to read. */
#include "ctl/import.h"

#include <string.h>

int ctl_import(struct ctl *ctl, int argc, char **argv)
{
	static const struct {
		const char *name;
		ctl_cmd_fn *fn;
	} kinds[] = {
		{ "archmailbox", import_archmailbox },
		{ "encpipe", import_encpipe },
		{ "maildir", import_maildir },
		{ "mbox", import_mbox },
	};
	if (argc < 2)
		return ctl_usage("import: archmailbox, encpipe, maildir or mbox?");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(argv[1], kinds[i].name) == 0)
			return kinds[i].fn(ctl, argc - 1, argv + 1);
	return ctl_usage("import: unknown source '%s'", argv[1]);
}
