#include "daemon/child.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include <event2/event.h>

#include "common/config.h"
#include "common/log.h"
#include "common/runas.h"
#include "daemon/privdrop.h"

static struct {
	const struct role_ops *ops;
	struct event_base *base;
	struct config *cfg;
	struct ipc_chan *peers[PROC_NROLES];
} child;

struct event_base *child_base(void) { return child.base; }
const struct config *child_config(void) { return child.cfg; }

struct ipc_chan *child_peer(enum proc_role role)
{
	return role < PROC_NROLES ? child.peers[role] : NULL;
}

void child_exit(int status)
{
	for (int r = 0; r < PROC_NROLES; r++)
		ipc_chan_free(child.peers[r]);
	ipc_chan_free_doomed();
	config_free(child.cfg);
	event_base_free(child.base);
	exit(status);
}

static void on_chan_msg(struct ipc_chan *ch, const struct ipc_msg *m, void *arg);

static void first_config(struct config *cfg)
{
	struct buf err = BUF_INIT;
	const struct role_ops *ops = child.ops;
	child.cfg = cfg;
	log_set_level_name(config_str(cfg, "log_level"));
	bool ok = ops->setup(cfg, &err);
	/* Asked after setup, which may make the directory. */
	const char *dir = ok && ops->chroot_dir ? ops->chroot_dir(cfg) : NULL;
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer needs /proc, which a chroot hides: check now (this
	 * also turns off the check at exit, which could only fail). */
	if (dir != NULL)
		__lsan_do_leak_check();
#endif
	if (!ok || !privdrop(runas_user(cfg, proc_runas(ops->role)), dir, &err)) {
		log_err("%s: %s", proc_name(ops->role), buf_cstr(&err));
		child_exit(1);
	}
	buf_free(&err);
	ops->start();
	ipc_send(child.peers[PROC_MASTER], MSG_READY, 0, -1, NULL, 0);
}

static void on_config(const struct ipc_msg *m)
{
	struct buf err = BUF_INIT;
	struct config *cfg = config_parse("mailbox.conf", (const char *)m->data,
	    m->len, &err);
	if (cfg == NULL) {
		log_err("%s: config refused: %s", proc_name(child.ops->role),
		    buf_cstr(&err));
		buf_free(&err);
		if (child.cfg == NULL)
			child_exit(1);
		return;
	}
	buf_free(&err);
	if (child.cfg == NULL) {
		first_config(cfg);
		return;
	}
	config_free(child.cfg);
	child.cfg = cfg;
	log_set_level_name(config_str(cfg, "log_level"));
	if (child.ops->reload)
		child.ops->reload(cfg);
}

static void on_peer(const struct ipc_msg *m)
{
	struct ipc_reader r;
	uint32_t role;
	ipc_reader_init(&r, m);
	if (!ipc_r_u32(&r, &role) || !ipc_r_done(&r) || m->fd < 0 ||
	    role == PROC_MASTER || role >= PROC_NROLES) {
		log_err("master sent a malformed PEER message");
		if (m->fd >= 0)
			close(m->fd);
		return;
	}
	if (child.peers[role] != NULL)
		ipc_chan_free_later(child.peers[role]);
	child.peers[role] = ipc_chan_new(child.base, m->fd, proc_name(role),
	    on_chan_msg, (void *)(uintptr_t)role);
	if (child.ops->peer_up)
		child.ops->peer_up(role);
}

static void on_master_msg(const struct ipc_msg *m)
{
	switch (m->type) {
	case MSG_CONFIG:
		on_config(m);
		break;
	case MSG_PEER:
		on_peer(m);
		break;
	case MSG_SHUTDOWN:
		if (child.ops->shutdown)
			child.ops->shutdown();
		else
			child_exit(0);
		break;
	default:
		child.ops->message(PROC_MASTER, m);
		return;
	}
	if (m->fd >= 0 && m->type != MSG_PEER)
		close(m->fd);
}

static void on_chan_msg(struct ipc_chan *ch, const struct ipc_msg *m, void *arg)
{
	enum proc_role role = (enum proc_role)(uintptr_t)arg;
	if (m == NULL) {
		if (child.peers[role] == ch)
			child.peers[role] = NULL;
		ipc_chan_free_later(ch);
		if (role == PROC_MASTER) {
			/* Without the master there is nobody to restart us. */
			log_info("%s: master has gone; exiting", proc_name(child.ops->role));
			child_exit(0);
		}
		if (child.ops->peer_down)
			child.ops->peer_down(role);
		return;
	}
	if (role == PROC_MASTER)
		on_master_msg(m);
	else
		child.ops->message(role, m);
}

void child_run(const struct role_ops *ops, int master_fd)
{
	child.ops = ops;
	child.base = event_base_new();
	if (child.base == NULL) {
		log_err("%s: no event base", proc_name(ops->role));
		exit(1);
	}
	child.peers[PROC_MASTER] = ipc_chan_new(child.base, master_fd, "master",
	    on_chan_msg, (void *)(uintptr_t)PROC_MASTER);
	event_base_dispatch(child.base);
	child_exit(0);
}
