/* mailboxctl config get [-n] [KEY] | config set KEY VALUE */
#include "ctl/ctl.h"

#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/config_table.h"

static int config_get(struct ctl *ctl, int argc, char **argv)
{
	bool only_set = argc > 0 && strcmp(argv[0], "-n") == 0;
	if (only_set) {
		argc--;
		argv++;
	}
	if (argc > 1)
		return ctl_usage("usage: config get [-n] [KEY]");
	if (argc == 1 && config_find(argv[0]) == NULL)
		return ctl_fail("config: unknown setting '%s' (see mailbox.conf(5))", argv[0]);
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return 1;
	if (argc == 1) {
		printf("%s\n", config_str(cfg, argv[0]));
	} else {
		for (unsigned i = 0; i < config_nsettings; i++) {
			const char *key = config_settings[i].key;
			const char *v = config_str(cfg, key);
			if (!only_set || strcmp(v, config_settings[i].def) != 0)
				printf("%s = %s\n", key, v);
		}
	}
	config_free(cfg);
	return 0;
}

static int config_set_cmd(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		return ctl_usage("usage: config set KEY VALUE");
	struct buf err = BUF_INIT;
	bool ok = config_set(config_choose_path(ctl->conf_arg), argv[0], argv[1], &err);
	if (!ok)
		ctl_fail("config: %s", buf_cstr(&err));
	buf_free(&err);
	return ok ? 0 : 1;
}

int ctl_config(struct ctl *ctl, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "get") == 0)
		return config_get(ctl, argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return config_set_cmd(ctl, argc - 2, argv + 2);
	return ctl_usage("usage: config get [-n] [KEY] | config set KEY VALUE");
}
