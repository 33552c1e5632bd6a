/* smtp process: accepts SMTP sessions and glues the sans-I/O engine
 * (smtp/server.h) to sockets and TLS with libevent. Chrooted into an empty
 * directory with no file of the store: recipients are checked by lookup,
 * messages are written into files the queue hands over. */
#include "daemon/roles.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
#include "common/tls.h"
#include "common/xmalloc.h"
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

/* Bytes not yet handed to the kernel, counting those a TLS filter has
 * already passed to the socket's own bufferevent. */
static size_t pending_output(const struct session *s)
{
	struct bufferevent *under = bufferevent_get_underlying(s->bev);
	return evbuffer_get_length(bufferevent_get_output(s->bev)) +
	    (under ? evbuffer_get_length(bufferevent_get_output(under)) : 0);
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct session *s = arg;
	if (!s->drop && pending_output(s) > 0 && time(NULL) < s->close_by) {
		struct timeval tv = { 0, 20000 };
		evtimer_add(s->reaper, &tv);
		return;
	}
	session_free(s);
}

/* Ends the session from the event loop, so no caller up the stack is
 * left holding a freed session; with flush, once the last reply is out
 * (or the write timeout has passed). */
static void end_session(struct session *s, bool flush)
{
	s->closing = true;
	s->drop = !flush;
	s->close_by = time(NULL) + config_int(child_config(), "smtp_timeout");
	bufferevent_disable(s->bev, EV_READ);
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
		SSL *ssl = bufferevent_openssl_get_ssl(s->bev);
		struct buf d = BUF_INIT;
		tls_describe(ssl, &d);
		str_copy(s->tls, sizeof s->tls, buf_cstr(&d));
		buf_free(&d);
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

static SSL *new_ssl(struct session *s)
{
	SSL *ssl = g.tls ? SSL_new(g.tls) : NULL;
	if (ssl == NULL)
		log_err("TLS unavailable for %s: %s", s->client, tls_last_error());
	return ssl;
}

/* STARTTLS: the 220 is already in the socket's output; the TLS filter
 * goes on top, and plaintext the client pipelined after STARTTLS is
 * thrown away (CVE-2011-0411). */
static void start_tls(struct session *s)
{
	SSL *ssl = new_ssl(s);
	if (ssl == NULL) {
		end_session(s, false);
		return;
	}
	struct evbuffer *in = bufferevent_get_input(s->bev);
	evbuffer_drain(in, evbuffer_get_length(in));
	struct bufferevent *f = bufferevent_openssl_filter_new(child_base(), s->bev,
	    ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (f == NULL) {
		SSL_free(ssl);
		end_session(s, false);
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(f, 1);
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
	int n = snprintf(line, sizeof line, "421 4.7.0 %s %s\r\n", smtp_hostname(), why);
	if (n > 0 && (size_t)n < sizeof line)
		(void)send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	log_info("refused %s: %s", client, why);
	close(fd);
}

static void client_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void *a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, out, (socklen_t)len) == NULL)
		str_copy(out, len, "unknown");
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)salen;
	enum service svc = (enum service)(uintptr_t)arg;
	const struct config *cfg = child_config();
	char client[INET6_ADDRSTRLEN];
	client_text(sa, client, sizeof client);
	if (g.stopping)
		return refuse(fd, client, "Service shutting down");
	if (g.nsessions >= (unsigned)config_int(cfg, "max_sessions"))
		return refuse(fd, client, "Too many connections, try again later");
	if (sessions_from(client) >= (unsigned)config_int(cfg, "max_sessions_per_ip"))
		return refuse(fd, client, "Too many connections from your address");
	struct session *s = xcalloc(1, sizeof *s);
	str_copy(s->client, sizeof s->client, client);
	s->svc = svc;
	s->srv = new_engine(svc);
	s->reaper = evtimer_new(child_base(), on_reap, s);
	tx_init(s);
	SSL *ssl = NULL;
	if (svc == SVC_SUBMISSIONS && (ssl = new_ssl(s)) == NULL) {
		close(fd);
		smtp_server_free(s->srv);
		event_free(s->reaper);
		free(s);
		return;
	}
	s->bev = ssl ? bufferevent_openssl_socket_new(child_base(), fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE) :
	    bufferevent_socket_new(child_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	s->starting_tls = ssl != NULL;
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
	struct ipc_reader r;
	uint32_t svc;
	const char *addr;
	ipc_reader_init(&r, m);
	if (!ipc_r_u32(&r, &svc) || !ipc_r_str(&r, &addr) || !ipc_r_done(&r) ||
	    m->fd < 0 || svc >= SVC_COUNT || g.nlisteners == 16) {
		log_err("smtp: bad LISTENER message");
		if (m->fd >= 0)
			close(m->fd);
		return;
	}
	struct evconnlistener *l = evconnlistener_new(child_base(), on_accept,
	    (void *)(uintptr_t)svc, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    0, m->fd);
	if (l == NULL) {
		log_err("smtp: cannot listen on %s", addr);
		close(m->fd);
		return;
	}
	g.listeners[g.nlisteners++] = l;
	log_info("listening for %s on %s", service_name((enum service)svc), addr);
}

/* New certificate (start or SIGHUP): sessions under TLS keep theirs. */
static void set_tls(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *cert, *key;
	struct buf err = BUF_INIT;
	ipc_reader_init(&r, m);
	SSL_CTX *ctx = NULL;
	if (ipc_r_str(&r, &cert) && ipc_r_str(&r, &key) && ipc_r_done(&r))
		ctx = tls_server_ctx_new(cert, strlen(cert), key, strlen(key), &err);
	else
		buf_addstr(&err, "malformed TLS message");
	if (ctx == NULL) {
		log_err("smtp: TLS certificate refused: %s", buf_cstr(&err));
	} else {
		SSL_CTX_free(g.tls);
		g.tls = ctx;
	}
	buf_free(&err);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_MASTER && m->type == MSG_LISTENER) {
		add_listener(m);
		return;
	}
	if (from == PROC_MASTER && m->type == MSG_TLS)
		set_tls(m);
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
