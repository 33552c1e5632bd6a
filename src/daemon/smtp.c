/* smtp process: accepts SMTP sessions and glues the sans-I/O engine
 * (smtp/server.h) to sockets and TLS with libevent. Chrooted into an empty
 * directory with no file of the store: recipients are checked by lookup,
 * messages are written into files the queue hands over. */
#include "daemon/roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "daemon/netconn.h"
#include "daemon/smtp_int.h"

#define READ_CHUNK    16384
#define READ_HIGHWAT  (256 * 1024)   /* stop reading while a verdict waits */

static struct {
	struct session *sessions;
	unsigned nsessions;
	struct evconnlistener *listeners[16];
	int nlisteners;
	SSL_CTX *tls;
	struct buf chroot;
	bool stopping;
	struct event *stop_timer;
} g;

const char *smtp_hostname(void)
{
	return config_str(child_config(), "hostname");
}

static unsigned sessions_from(const char *client)
{
	unsigned n = 0;
	for (struct session *s = g.sessions; s; s = s->next)
		n += !s->closing && strcmp(s->client, client) == 0;
	return n;
}

static void maybe_exit(void)
{
	if (g.stopping && g.sessions == NULL) {
		SSL_CTX_free(g.tls);
		buf_free(&g.chroot);
		child_exit(0);
	}
}

static void session_free(struct session *s)
{
	tx_reset(s);
	free(s->quota);
	free(s->auth_user);
	buf_free(&s->rcpt_orig);
	buf_free(&s->dnsbl);
	buf_free(&s->wbuf);
	envelope_free(&s->env);
	if (s->bev)
		bufferevent_free(s->bev);
	event_free(s->reaper);
	smtp_server_free(s->srv);
	if (s->prev)
		s->prev->next = s->next;
	else
		g.sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	g.nsessions--;
	free(s);
	maybe_exit();
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct session *s = arg;
	if (!s->drop && net_pending_output(s->bev) > 0 && time(NULL) < s->close_by) {
		struct timeval tv = net_reap_delay(&s->reap_tries);
		evtimer_add(s->reaper, &tv);
		return;
	}
	session_free(s);
}

/* Ends the session from the event loop, so no caller up the stack is
 * left holding a freed session; with flush, once the last reply is out
 * (or the write timeout has passed). */
static void on_bev_event(struct bufferevent *bev, short what, void *arg);

static void on_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct session *s = arg;
	event_active(s->reaper, EV_TIMEOUT, 0);
}

static void end_session(struct session *s, bool flush)
{
	s->closing = true;
	s->drop = !flush;
	s->close_by = time(NULL) + config_int(child_config(), "smtp_timeout");
	bufferevent_disable(s->bev, EV_READ);
	/* Woken when the reply is out, so the client sees our close at once. */
	bufferevent_setcb(s->bev, NULL, on_drained, on_bev_event, s);
	event_active(s->reaper, EV_TIMEOUT, 0);
}

static void flush_output(struct session *s)
{
	size_t n;
	const char *out = smtp_server_output(s->srv, &n);
	if (n > 0) {
		bufferevent_write(s->bev, out, n);
		smtp_server_output_consume(s->srv, n);
	}
}

static void start_tls(struct session *s);

static void handle_event(struct session *s, const struct smtp_event *ev)
{
	switch (ev->type) {
	case SMTP_EV_STARTTLS:
		flush_output(s);
		start_tls(s);
		break;
	case SMTP_EV_CLOSE:
		flush_output(s);
		end_session(s, true);
		break;
	default:
		tx_event(s, ev);
		break;
	}
}

static void drain_events(struct session *s)
{
	struct smtp_event ev;
	/* Events queued before a verdict event are still handed out while
	 * the engine waits; next_event says when there are no more. */
	while (!s->closing && !s->starting_tls && smtp_server_next_event(s->srv, &ev))
		handle_event(s, &ev);
}

/* Feeds what the client sent into the engine and acts on what comes out,
 * until the engine needs more input or waits for a verdict. */
void session_pump(struct session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	s->in_pump = true;
	for (;;) {
		drain_events(s);
		if (s->closing || s->starting_tls || smtp_server_waiting(s->srv))
			break;
		size_t len = evbuffer_get_length(in);
		if (len == 0)
			break;
		if (len > READ_CHUNK)
			len = READ_CHUNK;
		size_t n = smtp_server_feed(s->srv, evbuffer_pullup(in, (ssize_t)len), len);
		evbuffer_drain(in, n);
		if (n == 0)
			break;
	}
	s->in_pump = false;
	flush_output(s);
}

bool smtp_stopping(void)
{
	return g.stopping;
}

/* After a verdict: carry on, or end a session a shutdown was holding. */
void session_resume(struct session *s)
{
	if (g.stopping && !s->closing && !smtp_server_waiting(s->srv))
		smtp_server_shutdown(s->srv, "4.3.2", "Service shutting down");
	session_pump(s);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	session_pump(arg);
}

static void on_bev_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;
	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		/* TLS handshake done. */
		net_tls_describe(s->bev, s->tls, sizeof s->tls);
		s->starting_tls = false;
		smtp_server_tls_started(s->srv);
		session_pump(s);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && !s->closing) {
		log_info("timeout from %s", s->client);
		smtp_server_shutdown(s->srv, "4.4.2", "Error: timeout exceeded");
		session_pump(s);
		bufferevent_enable(s->bev, EV_WRITE);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		unsigned long e = bufferevent_get_openssl_error(s->bev);
		if (e != 0)
			log_info("TLS error from %s: %s", s->client,
			    ERR_reason_error_string(e));
	}
	/* EOF or error: the client is gone. */
	end_session(s, false);
}

static void watch(struct session *s)
{
	const struct config *cfg = child_config();
	struct timeval tmo = { (time_t)config_int(cfg, "smtp_timeout"), 0 };
	bufferevent_setcb(s->bev, on_read, NULL, on_bev_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, READ_HIGHWAT);
	bufferevent_set_timeouts(s->bev, &tmo, &tmo);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

/* STARTTLS: the 220 is already in the socket's output; the TLS filter
 * goes on top, and plaintext the client pipelined after STARTTLS is
 * thrown away (CVE-2011-0411). */
static void start_tls(struct session *s)
{
	struct bufferevent *f = net_tls_wrap(g.tls, s->bev);
	if (f == NULL) {
		end_session(s, false);
		return;
	}
	s->bev = f;
	s->starting_tls = true;
	watch(s);
}

/* Port 25 takes mail for our domains from anyone; submission (587,
 * STARTTLS) and submissions (465, TLS from the start) take mail from our
 * users only, after AUTH under TLS. */
static unsigned service_flags(enum service svc)
{
	unsigned f = g.tls ? SMTP_SRV_TLS_AVAILABLE : 0;
	if (svc == SVC_SUBMISSION || svc == SVC_SUBMISSIONS)
		f |= SMTP_SRV_AUTH | SMTP_SRV_AUTH_REQUIRED;
	if (svc == SVC_SUBMISSIONS)
		f |= SMTP_SRV_TLS_ACTIVE;
	return f;
}

static struct smtp_server *new_engine(enum service svc)
{
	const struct config *cfg = child_config();
	struct smtp_server_params p = {
		.hostname = smtp_hostname(),
		.max_message_size = config_size(cfg, "max_message_size"),
		.max_recipients = (unsigned)config_int(cfg, "max_recipients"),
		.flags = service_flags(svc),
	};
	return smtp_server_new(&p);
}

static void refuse(int fd, const char *client, const char *why)
{
	char line[256];
	snprintf(line, sizeof line, "421 4.7.0 %s %s\r\n", smtp_hostname(), why);
	log_info("refused %s: %s", client, why);
	net_refuse(fd, line);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)salen;
	enum service svc = (enum service)(uintptr_t)arg;
	const struct config *cfg = child_config();
	char client[INET6_ADDRSTRLEN];
	net_client_text(sa, client, sizeof client);
	if (g.stopping)
		return refuse(fd, client, "Service shutting down");
	if (g.nsessions >= (unsigned)config_int(cfg, "max_sessions"))
		return refuse(fd, client, "Too many connections, try again later");
	if (sessions_from(client) >= (unsigned)config_int(cfg, "max_sessions_per_ip"))
		return refuse(fd, client, "Too many connections from your address");
	net_nodelay(fd);
	struct session *s = xcalloc(1, sizeof *s);
	str_copy(s->client, sizeof s->client, client);
	s->svc = svc;
	s->srv = new_engine(svc);
	s->reaper = evtimer_new(child_base(), on_reap, s);
	tx_init(s);
	s->bev = svc == SVC_SUBMISSIONS ? net_tls_accept(g.tls, fd) :
	    bufferevent_socket_new(child_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL) {
		close(fd);
		smtp_server_free(s->srv);
		event_free(s->reaper);
		free(s);
		return;
	}
	s->starting_tls = svc == SVC_SUBMISSIONS;
	s->next = g.sessions;
	if (g.sessions)
		g.sessions->prev = s;
	g.sessions = s;
	g.nsessions++;
	log_debug("connect from %s on %s", client, service_name(svc));
	watch(s);
	session_pump(s);
}

static void add_listener(const struct ipc_msg *m)
{
	enum service svc;
	if (g.nlisteners == 16) {
		log_err("smtp: too many listeners");
		close(m->fd);
		return;
	}
	struct evconnlistener *l = net_listener(m, on_accept, &svc);
	if (l != NULL)
		g.listeners[g.nlisteners++] = l;
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_MASTER && m->type == MSG_LISTENER) {
		add_listener(m);
		return;
	}
	if (from == PROC_MASTER && m->type == MSG_TLS)
		net_tls_update(m, &g.tls, "smtp");
	else if (from != PROC_MASTER)
		tx_peer_message(g.sessions, from, m);
	else
		log_warn("smtp: unexpected message %u from master", m->type);
	if (m->fd >= 0 && m->type != MSG_QUEUE_CREATED)
		close(m->fd);
}

static void peer_down(enum proc_role peer)
{
	tx_peer_down(g.sessions, peer);
}

static const char *chroot_dir(const struct config *cfg)
{
	(void)cfg;
	return geteuid() == 0 ? g.chroot.data : NULL;
}

static bool setup(const struct config *cfg, struct buf *err)
{
	config_state_path(cfg, "empty", &g.chroot);
	if (geteuid() == 0 && !file_mkdir(g.chroot.data, 0755, err))
		return false;
	/* Time zone for Received headers, before the chroot hides it. */
	tzset();
	return true;
}

static void start(void) {}

static void on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	while (g.sessions)
		session_free(g.sessions);
	g.sessions = NULL;
	maybe_exit();
}

/* SIGTERM: no new sessions; open ones get 421 (at once if idle, after
 * their pending verdict otherwise), and a few seconds to go. */
static void shutdown_smtp(void)
{
	g.stopping = true;
	for (int i = 0; i < g.nlisteners; i++)
		evconnlistener_free(g.listeners[i]);
	g.nlisteners = 0;
	for (struct session *s = g.sessions; s; s = s->next) {
		if (s->closing)
			continue;
		/* One waiting for a verdict is ended by session_resume. */
		if (!smtp_server_waiting(s->srv))
			session_resume(s);
	}
	struct timeval tv = { 5, 0 };
	g.stop_timer = evtimer_new(child_base(), on_stop_timer, NULL);
	evtimer_add(g.stop_timer, &tv);
	maybe_exit();
}

const struct role_ops smtp_role = {
	.role = PROC_SMTP, .setup = setup, .chroot_dir = chroot_dir,
	.start = start, .message = message, .peer_down = peer_down,
	.shutdown = shutdown_smtp,
};
