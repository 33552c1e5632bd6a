/* Placeholder: replaced by the real parser (config work in progress). */
#include "common/config.h"

#include <stdlib.h>

const char *config_choose_path(const char *arg)
{
	if (arg != NULL)
		return arg;
	const char *env = getenv("MAILBOX_CONF");
	return env != NULL && *env ? env : CONFIG_DEFAULT_PATH;
}

struct config *config_load(const char *path, struct buf *err)
{
	buf_printf(err, "%s: configuration support is not built yet", path);
	return NULL;
}
