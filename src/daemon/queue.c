/* queue process: in progress (inbound-mail work); idles until then. */
#include "daemon/roles.h"

#include <unistd.h>

static bool setup(const struct config *cfg, struct buf *err)
{
	(void)cfg; (void)err;
	return true;
}

static void start(void) {}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	(void)from;
	if (m->fd >= 0)
		close(m->fd);
}

const struct role_ops queue_role = {
	.role = PROC_QUEUE, .setup = setup, .start = start,
	.message = message,
};
