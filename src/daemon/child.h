/* The runtime every child process shares: the channel to the master, the
 * peer channels, the first config and the privilege drop. A role plugs in
 * through its role_ops. */
#ifndef AMB_CHILD_H
#define AMB_CHILD_H
#include <stdbool.h>

#include "common/buf.h"
#include "common/ipc.h"
#include "daemon/proc.h"

struct config;
struct event_base;

struct role_ops {
	enum proc_role role;
	/* Privileged setup with the first config (open files, bind). */
	bool (*setup)(const struct config *cfg, struct buf *err);
	/* Directory to chroot into, or NULL. */
	const char *(*chroot_dir)(const struct config *cfg);
	/* After the privilege drop. */
	void (*start)(void);
	/* A later config (SIGHUP); may be NULL. */
	void (*reload)(const struct config *cfg);
	/* A channel to a peer came up (again) or went away. */
	void (*peer_up)(enum proc_role peer);
	void (*peer_down)(enum proc_role peer);
	/* A message from a peer, or from the master (role PROC_MASTER) other
	 * than those the runtime handles itself. Owns m->fd. */
	void (*message)(enum proc_role from, const struct ipc_msg *m);
	/* Stop taking work; call child_exit() when done. May be NULL. */
	void (*shutdown)(void);
};

/* Runs the role on the master channel fd; never returns. */
_Noreturn void child_run(const struct role_ops *ops, int master_fd);

struct event_base *child_base(void);
const struct config *child_config(void);
struct ipc_chan *child_peer(enum proc_role role);   /* NULL when down */
_Noreturn void child_exit(int status);

#endif
