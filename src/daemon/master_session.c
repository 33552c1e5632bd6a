/* The master's side of IMAP sessions: lookup, having checked a password
 * and unlocked the user's key, asks for a process for the session; the
 * master starts one (`mailboxd -R imap`), gives it the config, the user,
 * the key and the socket imap-login proxies the client through, and
 * forgets it when it exits. Sessions are not restarted: their client
 * logs in again. The key passes through here in memory only and is wiped. */
#include "daemon/master_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "common/xmalloc.h"

struct session_proc {
	struct session_proc *next;
	pid_t pid;
	struct ipc_chan *chan;
};

static struct {
	struct event_base *base;
	const struct buf *conf_text;
	struct session_proc *list;
	unsigned count;
} ss;

#define MAX_IMAP_SESSIONS 1000

void sessions_init(struct event_base *base, const struct buf *conf_text)
{
	ss.base = base;
	ss.conf_text = conf_text;
}

static void on_session_msg(struct ipc_chan *ch, const struct ipc_msg *msg,
    void *arg)
{
	struct session_proc *p = arg;
	if (msg == NULL) {
		if (p->chan == ch)
			p->chan = NULL;
		ipc_chan_free_later(ch);
		return;
	}
	if (msg->fd >= 0)
		close(msg->fd);
}

void sessions_spawn(const struct ipc_msg *m)
{
	int sv[2];
	if (m->fd < 0 || ss.count >= MAX_IMAP_SESSIONS || !ipc_socketpair(sv)) {
		log_err("cannot start an imap session (%s)", m->fd < 0 ?
		    "no socket" : ss.count >= MAX_IMAP_SESSIONS ? "too many" :
		    strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		master_exec_child(PROC_IMAP, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		close(sv[0]);
		close(m->fd);
		return;
	}
	struct session_proc *p = xcalloc(1, sizeof *p);
	p->pid = pid;
	p->chan = ipc_chan_new(ss.base, sv[0], "imap", on_session_msg, p);
	p->next = ss.list;
	ss.list = p;
	ss.count++;
	ipc_send_buf(p->chan, MSG_CONFIG, 0, -1, ss.conf_text);
	/* Passed on as it came: the user, the keys, the quota, the socket. */
	ipc_send(p->chan, MSG_SESSION_SPAWN, 0, m->fd, m->data, m->len);
	sodium_memzero((void *)m->data, m->len);
}

bool sessions_reap(pid_t pid, int status)
{
	for (struct session_proc **pp = &ss.list; *pp; pp = &(*pp)->next) {
		struct session_proc *p = *pp;
		if (p->pid != pid)
			continue;
		if (WIFSIGNALED(status))
			log_err("imap session (pid %ld) killed by signal %d",
			    (long)pid, WTERMSIG(status));
		*pp = p->next;
		ipc_chan_free(p->chan);
		free(p);
		ss.count--;
		return true;
	}
	return false;
}

bool sessions_none(void)
{
	return ss.list == NULL;
}

void sessions_shutdown(void)
{
	for (struct session_proc *p = ss.list; p; p = p->next)
		if (p->chan)
			ipc_send(p->chan, MSG_SHUTDOWN, 0, -1, NULL, 0);
}

void sessions_kill(void)
{
	for (struct session_proc *p = ss.list; p; p = p->next)
		kill(p->pid, SIGKILL);
}

void sessions_free(void)
{
	while (ss.list) {
		struct session_proc *p = ss.list;
		ss.list = p->next;
		ipc_chan_free(p->chan);
		free(p);
	}
	ss.count = 0;
}
