/* The master: binds the ports, starts one process per role, links them,
 * restarts any that dies, reloads on SIGHUP, stops on SIGTERM. */
#include "daemon/master.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/ipc.h"
#include "common/log.h"
#include "daemon/listen.h"
#include "daemon/master_int.h"
#include "daemon/proc.h"

struct child {
	enum proc_role role;
	pid_t pid;
	struct ipc_chan *chan;
	time_t started;
	int quick_deaths;       /* deaths soon after start, for backoff */
	struct event *restart;
};

static struct {
	struct event_base *base;
	const char *conf_path;
	const char *self;
	bool foreground;
	struct buf conf_text;
	struct config *cfg;
	struct listeners ls;
	struct child kids[PROC_NROLES];
	bool stopping;
	struct event *stop_timer;
} m;

static const enum proc_role roles[] = { PROC_LOOKUP, PROC_QUEUE, PROC_DELIVER,
	PROC_SMTP, PROC_IMAPLOGIN, PROC_SIGNER, PROC_RELAY };
#define NROLES_RUN (sizeof roles / sizeof roles[0])

static void spawn(enum proc_role role);

static bool load_config(struct buf *err)
{
	struct buf text = BUF_INIT;
	struct config *cfg = NULL;
	if (file_read_all(m.conf_path, 1 << 20, &text, err))
		cfg = config_parse(m.conf_path, buf_cstr(&text), text.len, err);
	if (cfg == NULL) {
		buf_free(&text);
		return false;
	}
	config_free(m.cfg);
	m.cfg = cfg;
	log_set_level_name(config_str(cfg, "log_level"));
	buf_free(&m.conf_text);
	m.conf_text = text;
	return true;
}

/* Certificate and key travel to the TLS-serving child in memory: it is
 * chrooted and cannot read them itself. */
static void send_tls(struct child *k)
{
	struct buf cert = BUF_INIT, key = BUF_INIT, cp = BUF_INIT, kp = BUF_INIT;
	struct buf err = BUF_INIT, payload = BUF_INIT;
	config_state_path(m.cfg, config_str(m.cfg, "tls_cert"), &cp);
	config_state_path(m.cfg, config_str(m.cfg, "tls_key"), &kp);
	if (file_read_all(cp.data, 48 * 1024, &cert, &err) &&
	    file_read_all(kp.data, 15 * 1024, &key, &err)) {
		ipc_w_str(&payload, buf_cstr(&cert));
		ipc_w_str(&payload, buf_cstr(&key));
		ipc_send_buf(k->chan, MSG_TLS, 0, -1, &payload);
	} else {
		log_err("TLS certificate not loaded: %s", buf_cstr(&err));
	}
	buf_free(&cert);
	buf_free(&key);
	buf_free(&cp);
	buf_free(&kp);
	buf_free(&err);
	buf_free(&payload);
}

static void send_listeners(struct child *k)
{
	for (int i = 0; i < m.ls.n; i++) {
		bool imap = m.ls.v[i].svc == SVC_IMAP || m.ls.v[i].svc == SVC_IMAPS;
		if (imap != (k->role == PROC_IMAPLOGIN))
			continue;
		struct buf p = BUF_INIT;
		ipc_w_u32(&p, m.ls.v[i].svc);
		ipc_w_str(&p, m.ls.v[i].addr);
		ipc_send_buf(k->chan, MSG_LISTENER, 0, dup(m.ls.v[i].fd), &p);
		buf_free(&p);
	}
}

static void link_peers(struct child *k)
{
	for (size_t i = 0; i < NROLES_RUN; i++) {
		struct child *o = &m.kids[roles[i]];
		if (o == k || o->chan == NULL || !proc_linked(k->role, o->role))
			continue;
		int sv[2];
		if (!ipc_socketpair(sv)) {
			log_err("socketpair: %s", strerror(errno));
			continue;
		}
		struct buf a = BUF_INIT, b = BUF_INIT;
		ipc_w_u32(&a, o->role);
		ipc_w_u32(&b, k->role);
		ipc_send_buf(k->chan, MSG_PEER, 0, sv[0], &a);
		ipc_send_buf(o->chan, MSG_PEER, 0, sv[1], &b);
		buf_free(&a);
		buf_free(&b);
	}
}

static void on_child_msg(struct ipc_chan *ch, const struct ipc_msg *msg, void *arg)
{
	struct child *k = arg;
	if (msg == NULL) {
		/* Its death is handled on SIGCHLD; just drop the channel. */
		if (k->chan == ch)
			k->chan = NULL;
		ipc_chan_free_later(ch);
		return;
	}
	if (msg->type == MSG_READY)
		log_debug("%s process ready (pid %ld)", proc_name(k->role), (long)k->pid);
	else if (msg->type == MSG_SESSION_SPAWN && k->role == PROC_LOOKUP)
		sessions_spawn(msg);    /* takes msg->fd */
	else
		log_warn("%s sent unexpected message %u", proc_name(k->role), msg->type);
	if (msg->fd >= 0 && msg->type != MSG_SESSION_SPAWN)
		close(msg->fd);
}

_Noreturn void master_exec_child(enum proc_role role, int fd)
{
	if (dup2(fd, 3) < 0)
		_exit(127);
	char *argv[] = { (char *)"mailboxd", (char *)"-R", (char *)proc_name(role),
	    m.foreground ? (char *)"-f" : NULL, NULL };
	execv(m.self, argv);
	fprintf(stderr, "mailboxd: cannot run %s: %s\n", m.self, strerror(errno));
	_exit(127);
}

static void spawn(enum proc_role role)
{
	struct child *k = &m.kids[role];
	int sv[2];
	if (!ipc_socketpair(sv)) {
		log_err("socketpair: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (pid == 0)
		master_exec_child(role, sv[1]);
	close(sv[1]);
	k->role = role;
	k->pid = pid;
	k->started = time(NULL);
	k->chan = ipc_chan_new(m.base, sv[0], proc_name(role), on_child_msg, k);
	ipc_send_buf(k->chan, MSG_CONFIG, 0, -1, &m.conf_text);
	if (role == PROC_SMTP || role == PROC_IMAPLOGIN) {
		send_tls(k);
		send_listeners(k);
	}
	link_peers(k);
}

static void restart_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct child *k = arg;
	if (!m.stopping)
		spawn(k->role);
}

static const char *describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

static bool all_gone(void)
{
	if (!sessions_none())
		return false;
	for (size_t i = 0; i < NROLES_RUN; i++)
		if (m.kids[roles[i]].pid > 0)
			return false;
	return true;
}

static void schedule_restart(struct child *k, int status)
{
	char why[64];
	/* Back off when a process keeps dying right after it starts. */
	k->quick_deaths = time(NULL) - k->started < 10 ? k->quick_deaths + 1 : 0;
	long ms = k->quick_deaths == 0 ? 100 : 100L << (k->quick_deaths < 8 ? k->quick_deaths : 8);
	log_err("%s process (pid %ld) %s; restarting in %ld ms", proc_name(k->role),
	    (long)k->pid, describe_status(status, why, sizeof why), ms);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	if (k->restart == NULL)
		k->restart = evtimer_new(m.base, restart_cb, k);
	evtimer_add(k->restart, &tv);
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (sessions_reap(pid, status))
			continue;
		for (size_t i = 0; i < NROLES_RUN; i++) {
			struct child *k = &m.kids[roles[i]];
			if (k->pid != pid)
				continue;
			if (!m.stopping)
				schedule_restart(k, status);
			k->pid = 0;
		}
	}
	if (m.stopping && all_gone())
		event_base_loopbreak(m.base);
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	struct buf err = BUF_INIT;
	if (!load_config(&err)) {
		log_err("reload refused, keeping the running config: %s", buf_cstr(&err));
		buf_free(&err);
		return;
	}
	log_info("reloading %s", m.conf_path);
	for (size_t i = 0; i < NROLES_RUN; i++) {
		struct child *k = &m.kids[roles[i]];
		if (k->chan == NULL)
			continue;
		ipc_send_buf(k->chan, MSG_CONFIG, 0, -1, &m.conf_text);
		if (k->role == PROC_SMTP || k->role == PROC_IMAPLOGIN)
			send_tls(k);
	}
	buf_free(&err);
}

/* SIGUSR1 (`mailboxctl queue flush`): the queue retries deferred mail now. */
static void on_sigusr1(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	struct child *k = &m.kids[PROC_QUEUE];
	if (k->chan != NULL) {
		log_info("flushing the queue");
		ipc_send(k->chan, MSG_FLUSH, 0, -1, NULL, 0);
	}
}

static void on_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	for (size_t i = 0; i < NROLES_RUN; i++)
		if (m.kids[roles[i]].pid > 0) {
			log_warn("%s did not stop in time; killing it", proc_name(roles[i]));
			kill(m.kids[roles[i]].pid, SIGKILL);
		}
	sessions_kill();
}

static void on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (m.stopping)
		return;
	log_info("stopping on signal %d", (int)sig);
	m.stopping = true;
	listeners_close(&m.ls);
	sessions_shutdown();
	for (size_t i = 0; i < NROLES_RUN; i++) {
		struct child *k = &m.kids[roles[i]];
		if (k->restart)
			evtimer_del(k->restart);
		if (k->chan)
			ipc_send(k->chan, MSG_SHUTDOWN, 0, -1, NULL, 0);
	}
	struct timeval tv = { 15, 0 };
	m.stop_timer = evtimer_new(m.base, on_stop_timeout, NULL);
	evtimer_add(m.stop_timer, &tv);
	if (all_gone())
		event_base_loopbreak(m.base);
}

static void write_pidfile(void)
{
	struct buf path = BUF_INIT, pid = BUF_INIT, err = BUF_INIT;
	config_state_path(m.cfg, "mailboxd.pid", &path);
	buf_printf(&pid, "%ld\n", (long)getpid());
	if (!file_write_atomic(path.data, pid.data, pid.len, 0644, &err))
		log_warn("%s", buf_cstr(&err));
	buf_free(&path);
	buf_free(&pid);
	buf_free(&err);
}

static void cleanup(void)
{
	struct buf path = BUF_INIT;
	config_state_path(m.cfg, "mailboxd.pid", &path);
	unlink(path.data);
	buf_free(&path);
	for (size_t i = 0; i < NROLES_RUN; i++) {
		struct child *k = &m.kids[roles[i]];
		ipc_chan_free(k->chan);
		if (k->restart)
			event_free(k->restart);
	}
	if (m.stop_timer)
		event_free(m.stop_timer);
	listeners_close(&m.ls);
	config_free(m.cfg);
	buf_free(&m.conf_text);
}

int master_run(const char *conf_path, const char *self, bool foreground)
{
	static const enum service served[] = { SVC_SMTP, SVC_SUBMISSION,
		SVC_SUBMISSIONS, SVC_IMAP, SVC_IMAPS };
	struct buf err = BUF_INIT;
	m.conf_path = conf_path;
	m.self = self;
	m.foreground = foreground;
	if (!load_config(&err) ||
	    !listeners_bind(m.cfg, served, sizeof served / sizeof served[0], &m.ls, &err)) {
		log_err("%s", buf_cstr(&err));
		buf_free(&err);
		return 1;
	}
	buf_free(&err);
	signal(SIGPIPE, SIG_IGN);
	m.base = event_base_new();
	sessions_init(m.base, &m.conf_text);
	struct event *sigs[] = {
		evsignal_new(m.base, SIGCHLD, on_sigchld, NULL),
		evsignal_new(m.base, SIGHUP, on_sighup, NULL),
		evsignal_new(m.base, SIGTERM, on_sigterm, NULL),
		evsignal_new(m.base, SIGINT, on_sigterm, NULL),
		evsignal_new(m.base, SIGUSR1, on_sigusr1, NULL),
	};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		evsignal_add(sigs[i], NULL);
	write_pidfile();
	for (size_t i = 0; i < NROLES_RUN; i++)
		spawn(roles[i]);
	log_info("started (%s)", conf_path);
	event_base_dispatch(m.base);
	cleanup();
	sessions_free();
	ipc_chan_free_doomed();
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		event_free(sigs[i]);
	event_base_free(m.base);
	log_info("stopped");
	return 0;
}
