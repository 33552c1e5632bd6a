/* Certificate renewal by the master: twice a day (with jitter) it runs
 * `mailboxd-renew`, which is `mailboxctl cert renew`: nothing happens
 * unless an ACME certificate was issued and ends within 30 days. A new
 * certificate makes that process send the master SIGHUP, which hands it
 * to smtp and imap-login for new connections. A failure is retried
 * after 1 h, doubling up to the normal 12 h. What the renewal prints
 * goes to the log. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "common/log.h"
#include "daemon/master_int.h"

#define CHECK_SECS   (12 * 3600)
#define JITTER_SECS  3600
#define FIRST_SECS   600
#define RETRY_SECS   3600

static struct {
	struct event_base *base;
	const char *conf_path, *self;
	bool foreground;
	struct event *timer;
	struct bufferevent *out;
	pid_t pid;
	int failures;
} r;

static void schedule(long secs)
{
	struct timeval tv = { secs + (long)randombytes_uniform(JITTER_SECS), 0 };
	evtimer_add(r.timer, &tv);
}

static void on_output(struct bufferevent *bev, void *arg)
{
	(void)arg;
	char *line;
	size_t n;
	while ((line = evbuffer_readln(bufferevent_get_input(bev), &n,
	    EVBUFFER_EOL_LF)) != NULL) {
		log_info("renewal: %s", line);
		free(line);
	}
}

static void on_output_end(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	on_output(bev, arg);
	bufferevent_free(bev);
	r.out = NULL;
}

static _Noreturn void exec_renew(int out)
{
	if (dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	char path[PATH_MAX];
	char *argv[] = { (char *)"mailboxd-renew", (char *)"-c",
	    (char *)r.conf_path, NULL };
	if (master_sibling(r.self, "renew", path, sizeof path))
		execv(path, argv);
	_exit(127);
}

static void start_renewal(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	int p[2];
	if (r.pid > 0 || pipe2(p, O_CLOEXEC) != 0) {
		schedule(RETRY_SECS);
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_renew(p[1]);
	close(p[1]);
	if (pid < 0) {
		log_err("cannot start the certificate renewal: %s", strerror(errno));
		close(p[0]);
		schedule(RETRY_SECS);
		return;
	}
	r.pid = pid;
	evutil_make_socket_nonblocking(p[0]);
	r.out = bufferevent_socket_new(r.base, p[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(r.out, on_output, NULL, on_output_end, NULL);
	bufferevent_enable(r.out, EV_READ);
}

void renew_now(void)
{
	if (r.pid > 0)
		return;
	log_info("checking the certificate now");
	evtimer_del(r.timer);
	start_renewal(-1, 0, NULL);
}

void renew_init(struct event_base *base, const char *conf_path, const char *self)
{
	r.base = base;
	r.conf_path = conf_path;
	r.self = self;
	r.timer = evtimer_new(base, start_renewal, NULL);
	schedule(FIRST_SECS);
}

bool renew_reap(pid_t pid, int status)
{
	if (pid != r.pid || r.pid <= 0)
		return false;
	r.pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r.failures = 0;
		schedule(CHECK_SECS);
		return true;
	}
	long wait = (long)RETRY_SECS << (r.failures < 4 ? r.failures : 4);
	r.failures++;
	if (wait > CHECK_SECS)
		wait = CHECK_SECS;
	log_err("certificate renewal failed; next attempt in %ld min", wait / 60);
	schedule(wait);
	return true;
}

void renew_free(void)
{
	if (r.pid > 0)
		kill(r.pid, SIGTERM);
	if (r.out)
		bufferevent_free(r.out);
	if (r.timer)
		event_free(r.timer);
}
