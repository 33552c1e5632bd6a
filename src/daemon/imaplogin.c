/* imap-login process: IMAP before authentication, as Dovecot's imap-login
 * does it. Chrooted and unprivileged, it speaks TLS (STARTTLS on 143,
 * implicit on 993), answers CAPABILITY, ID, NOOP, LOGOUT, and takes LOGIN
 * or AUTHENTICATE PLAIN (SASL-IR) only under TLS. The password goes to
 * lookup with one end of a fresh socketpair; when it is right, lookup has
 * the master start the user's own imap process on the other end, and
 * this process from then on only relays bytes between the client's TLS
 * connection and that socket. */
#include "daemon/roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "common/config.h"
#include "common/log.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "daemon/imaplogin_int.h"
#include "daemon/netconn.h"
#include "imap/managesieve.h"
#include "imap/parser.h"
#include "imap/respond.h"
#include "imap/session.h"
#include "imap/session_caps.h"

#define LOGIN_TIMEOUT 180             /* seconds to log in */
#define FEED_MAX      (64 * 1024)     /* a line longer than this is fed as is */


static struct {
	struct login *list;
	unsigned n;
	struct evconnlistener *listeners[8];
	int nlisteners;
	SSL_CTX *tls;
	struct buf chroot;
	bool stopping;
	uint64_t next_req;
} g;

static void maybe_exit(void)
{
	if (g.stopping && g.list == NULL) {
		SSL_CTX_free(g.tls);
		buf_free(&g.chroot);
		child_exit(0);
	}
}

static void login_free(struct login *l)
{
	if (l->bev)
		bufferevent_free(l->bev);
	if (l->peer)
		bufferevent_free(l->peer);
	else if (l->proxy_fd >= 0)
		close(l->proxy_fd);
	event_free(l->reaper);
	imap_parser_free(l->parser);
	if (l->msv != NULL) {
		msv_parser_free(l->msv);
		free(l->msv);
	}
	free(l->tag);
	buf_free(&l->out);
	if (l->prev)
		l->prev->next = l->next;
	else
		g.list = l->next;
	if (l->next)
		l->next->prev = l->prev;
	g.n--;
	free(l);
	maybe_exit();
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct login *l = arg;
	if (!l->drop && net_pending_output(l->bev) > 0 && time(NULL) < l->close_by) {
		struct timeval tv = net_reap_delay(&l->reap_tries);
		evtimer_add(l->reaper, &tv);
		return;
	}
	login_free(l);
}

/* Ends the connection from the event loop, after the last reply is out
 * unless the client is gone. */
static void on_bev_event(struct bufferevent *bev, short what, void *arg);

static void on_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct login *l = arg;
	event_active(l->reaper, EV_TIMEOUT, 0);
}

void login_end(struct login *l, bool flush)
{
	l->closing = true;
	l->drop = !flush;
	l->close_by = time(NULL) + 10;
	bufferevent_disable(l->bev, EV_READ);
	if (l->peer)
		bufferevent_disable(l->peer, EV_READ);
	/* Woken when the reply is out, so the client sees our close at once. */
	bufferevent_setcb(l->bev, NULL, on_drained, on_bev_event, l);
	event_active(l->reaper, EV_TIMEOUT, 0);
}

void login_flush(struct login *l)
{
	if (l->out.len > 0) {
		bufferevent_write(l->bev, l->out.data, l->out.len);
		buf_reset(&l->out);
	}
}

static const char *capabilities(const struct login *l)
{
	return l->tls ? IMAP_CAPS_COMMON " AUTH=PLAIN" :
	    IMAP_CAPS_COMMON " STARTTLS LOGINDISABLED";
}

static void greet(struct login *l)
{
	buf_printf(&l->out, "* OK [CAPABILITY %s] archmailbox ready\r\n",
	    capabilities(l));
}

static void reply(struct login *l, const char *tag, const char *status,
    const char *text)
{
	struct imap_writer w;
	imap_w_init(&w, &l->out, false);
	imap_w_status(&w, tag, status, NULL, text);
}

static void watch(struct login *l);

static void start_tls(struct login *l, const char *tag)
{
	if (l->tls) {
		reply(l, tag, "BAD", "TLS is already active");
		return;
	}
	reply(l, tag, "OK", "Begin TLS negotiation now");
	imap_parser_discard_input(l->parser);
	login_start_tls(l);
}

bool login_start_tls(struct login *l)
{
	login_flush(l);
	struct bufferevent *f = net_tls_wrap(g.tls, l->bev);
	if (f == NULL) {
		login_end(l, false);
		return false;
	}
	l->bev = f;
	l->waiting = true;      /* until the handshake is done */
	watch(l);
	return true;
}

/* Sends the credentials to lookup with the session's socket. */
bool login_send(struct login *l, const char *tag, const char *user,
    const char *pw)
{
	int sv[2];
	struct ipc_chan *lookup = child_peer(PROC_LOOKUP);
	/* A byte stream, not the datagrams of IPC: it carries the session. */
	if (lookup == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		return false;
	}
	struct buf p = BUF_INIT;
	ipc_w_str(&p, user);
	ipc_w_str(&p, pw);
	ipc_w_str(&p, l->client);
	ipc_w_u8(&p, l->svc == SVC_MANAGESIEVE);
	l->req = ++g.next_req;
	ipc_send_buf(lookup, MSG_IMAP_LOGIN, l->req, sv[1], &p);
	buf_free(&p);           /* wipes the password */
	l->proxy_fd = sv[0];
	char *copy = xstrdup(tag);     /* tag may be l->tag itself (SASL) */
	free(l->tag);
	l->tag = copy;
	l->waiting = true;
	bufferevent_disable(l->bev, EV_READ);
	return true;
}

static void login(struct login *l, const char *tag, const char *user,
    const char *pw)
{
	if (!login_send(l, tag, user, pw))
		reply(l, tag, "NO", "[UNAVAILABLE] Temporary failure, try again later");
}

int login_plain_split(const char *b64, size_t len, unsigned char raw[1024],
    const char **user, const char **pw)
{
	size_t n;
	if ((len == 1 && b64[0] == '*') ||
	    sodium_base642bin(raw, 1023, b64, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return 1;
	raw[n] = '\0';
	const char *authzid = (const char *)raw;
	const char *authcid = memchr(raw, '\0', n) ? authzid + strlen(authzid) + 1 : NULL;
	*pw = authcid && authcid < (const char *)raw + n ?
	    authcid + strlen(authcid) + 1 : NULL;
	if (*pw == NULL || *pw > (const char *)raw + n ||
	    (*authzid && strcmp(authzid, authcid) != 0))
		return 2;
	*user = authcid;
	return 0;
}

/* AUTHENTICATE PLAIN's response. */
static void sasl_plain(struct login *l, const char *tag, const char *b64,
    size_t len)
{
	unsigned char raw[1024];
	const char *user, *pw;
	int rc = login_plain_split(b64, len, raw, &user, &pw);
	if (rc == 1)
		reply(l, tag, "BAD", len == 1 && b64[0] == '*' ?
		    "AUTHENTICATE cancelled" : "Invalid base64 in AUTHENTICATE");
	else if (rc == 2)
		reply(l, tag, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
	else
		login(l, tag, user, pw);
	sodium_memzero(raw, sizeof raw);
}

static void on_command(struct login *l, struct imap_command *c)
{
	struct imap_writer w;
	imap_w_init(&w, &l->out, false);
	switch (c->type) {
	case IMAP_CMD_CAPABILITY:
		buf_printf(&l->out, "* CAPABILITY %s\r\n", capabilities(l));
		reply(l, c->tag, "OK", "CAPABILITY completed");
		break;
	case IMAP_CMD_NOOP:
		reply(l, c->tag, "OK", "NOOP completed");
		break;
	case IMAP_CMD_ID:
		buf_addstr(&l->out, "* ID (\"name\" \"archmailbox\")\r\n");
		reply(l, c->tag, "OK", "ID completed");
		break;
	case IMAP_CMD_LOGOUT:
		buf_addstr(&l->out, "* BYE Logging out\r\n");
		reply(l, c->tag, "OK", "LOGOUT completed");
		login_flush(l);
		login_end(l, true);
		break;
	case IMAP_CMD_STARTTLS:
		start_tls(l, c->tag);
		break;
	case IMAP_CMD_LOGIN:
	case IMAP_CMD_AUTHENTICATE:
		if (!l->tls) {
			reply(l, c->tag, "NO", "[PRIVACYREQUIRED] Use STARTTLS first");
		} else if (c->type == IMAP_CMD_LOGIN) {
			login(l, c->tag, c->u.login.user, c->u.login.password);
		} else if (strcasecmp(c->u.auth.mechanism, "PLAIN") != 0) {
			reply(l, c->tag, "NO", "[CANNOT] Only AUTHENTICATE PLAIN is offered");
		} else if (c->u.auth.initial != NULL) {
			sasl_plain(l, c->tag, c->u.auth.initial, strlen(c->u.auth.initial));
		} else {
			buf_addstr(&l->out, "+ \r\n");    /* empty challenge */
			imap_parser_expect_sasl(l->parser);
			free(l->tag);
			l->tag = xstrdup(c->tag);
			l->sasl = true;
		}
		break;
	default:
		reply(l, c->tag, "BAD", "Log in first");
		break;
	}
}

static void on_event(struct login *l, struct imap_event *ev)
{
	struct imap_writer w;
	imap_w_init(&w, &l->out, false);
	switch (ev->type) {
	case IMAP_EV_COMMAND:
		on_command(l, ev->cmd);
		imap_command_free(ev->cmd);
		break;
	case IMAP_EV_APPEND_BEGIN:
		imap_parser_refuse_append(l->parser);
		reply(l, ev->cmd->tag, "BAD", "Log in first");
		imap_command_free(ev->cmd);
		break;
	case IMAP_EV_CONTINUE:
		imap_w_continue(&w, "Ready for literal data");
		break;
	case IMAP_EV_SASL:
		l->sasl = false;
		sasl_plain(l, l->tag, ev->data, ev->len);
		break;
	case IMAP_EV_BAD:
		if (l->sasl) {
			l->sasl = false;
			reply(l, l->tag, "BAD", ev->text);
		} else {
			reply(l, ev->tag ? ev->tag : "*", "BAD", ev->text);
		}
		break;
	case IMAP_EV_FATAL:
		imap_w_status(&w, NULL, "BYE", NULL, ev->text);
		login_end(l, true);
		break;
	default:
		break;
	}
}

/* Feeds the parser a line at a time, so that after a login whatever the
 * client sent behind it is still in the socket buffer for the session. */
static void pump(struct login *l)
{
	if (l->msv != NULL) {
		msv_login_pump(l);
		return;
	}
	struct evbuffer *in = bufferevent_get_input(l->bev);
	while (!l->closing && !l->waiting && l->peer == NULL) {
		struct imap_event ev;
		enum imap_event_type t;
		while (!l->closing && !l->waiting &&
		    (t = imap_parser_next(l->parser, &ev)) != IMAP_EV_NEED_MORE)
			on_event(l, &ev);
		if (l->closing || l->waiting)
			break;
		size_t avail = evbuffer_get_length(in);
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL,
		    EVBUFFER_EOL_LF);
		size_t n = eol.pos >= 0 ? (size_t)eol.pos + 1 :
		    avail > FEED_MAX ? avail : 0;
		if (n == 0)
			break;
		imap_parser_feed(l->parser, evbuffer_pullup(in, (ssize_t)n), n);
		evbuffer_drain(in, n);
	}
	login_flush(l);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pump(arg);
}

/* ---- relaying once logged in ---- */

static void relay(struct bufferevent *from, struct bufferevent *to)
{
	evbuffer_add_buffer(bufferevent_get_output(to), bufferevent_get_input(from));
}

static void on_client_relay(struct bufferevent *bev, void *arg)
{
	struct login *l = arg;
	relay(bev, l->peer);
}

static void on_peer_read(struct bufferevent *bev, void *arg)
{
	struct login *l = arg;
	relay(bev, l->bev);
}

static void on_peer_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	struct login *l = arg;
	/* The session has ended: its last words go out, then we close. */
	relay(l->peer, l->bev);
	login_end(l, true);
}

void login_start_relay(struct login *l)
{
	evutil_make_socket_nonblocking(l->proxy_fd);
	l->peer = bufferevent_socket_new(child_base(), l->proxy_fd,
	    BEV_OPT_CLOSE_ON_FREE);
	l->proxy_fd = -1;
	bufferevent_setcb(l->peer, on_peer_read, NULL, on_peer_event, l);
	bufferevent_enable(l->peer, EV_READ | EV_WRITE);
	watch(l);
	bufferevent_set_timeouts(l->bev, NULL, NULL);
	on_client_relay(l->bev, l);    /* what came behind the login */
}

static void on_login_result(const struct ipc_msg *m)
{
	struct login *l = g.list;
	while (l && !(l->waiting && l->req == m->id && l->tag))
		l = l->next;
	struct ipc_reader r;
	uint8_t result;
	const char *user;
	ipc_reader_init(&r, m);
	if (l == NULL)
		return;
	if (!ipc_r_u8(&r, &result) || !ipc_r_str(&r, &user) || !ipc_r_done(&r))
		result = AUTH_TEMPFAIL;
	l->waiting = false;
	if (l->msv != NULL) {
		msv_login_result(l, result);
		return;
	}
	if (result == AUTH_OK) {
		struct buf caps = BUF_INIT;
		imap_session_capabilities(config_size(child_config(),
		    "max_message_size"), &caps);
		buf_printf(&l->out, "%s OK [CAPABILITY %s] Logged in\r\n", l->tag,
		    buf_cstr(&caps));
		buf_free(&caps);
		login_flush(l);
		login_start_relay(l);
		return;
	}
	close(l->proxy_fd);
	l->proxy_fd = -1;
	reply(l, l->tag, "NO", result == AUTH_BAD ?
	    "[AUTHENTICATIONFAILED] Authentication failed" : result == AUTH_BANNED ?
	    "[UNAVAILABLE] Too many failed logins, try again later" :
	    "[UNAVAILABLE] Temporary failure, try again later");
	bufferevent_enable(l->bev, EV_READ);
	pump(l);
}

/* ---- connections ---- */

static void on_bev_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct login *l = arg;
	if (what & BEV_EVENT_CONNECTED) {
		l->tls = true;
		l->waiting = false;
		if (l->svc == SVC_IMAPS)
			greet(l);
		if (l->msv != NULL)
			msv_login_tls_done(l);
		watch(l);
		pump(l);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && !l->closing && l->peer == NULL) {
		if (l->msv != NULL)
			msv_login_bye(l, "Autologout; idle for too long");
		else
			buf_addstr(&l->out, "* BYE Autologout; idle for too long\r\n");
		login_flush(l);
		bufferevent_enable(l->bev, EV_WRITE);
		login_end(l, true);
		return;
	}
	login_end(l, false);
}

static void watch(struct login *l)
{
	struct timeval tmo = { LOGIN_TIMEOUT, 0 };
	bufferevent_setcb(l->bev, l->peer ? on_client_relay : on_read, NULL,
	    on_bev_event, l);
	bufferevent_set_timeouts(l->bev, &tmo, &tmo);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
}

static unsigned logins_from(const char *client)
{
	unsigned n = 0;
	for (struct login *l = g.list; l; l = l->next)
		n += !l->closing && strcmp(l->client, client) == 0;
	return n;
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)lis;
	(void)salen;
	const struct config *cfg = child_config();
	char client[64];
	net_client_text(sa, client, sizeof client);
	if (g.stopping || g.n >= (unsigned)config_int(cfg, "max_sessions") ||
	    logins_from(client) >= (unsigned)config_int(cfg, "max_sessions_per_ip")) {
		log_info("refused %s: too many connections", client);
		net_refuse(fd, "* BYE Too many connections, try again later\r\n");
		return;
	}
	net_nodelay(fd);
	struct login *l = xcalloc(1, sizeof *l);
	l->svc = (enum service)(uintptr_t)arg;
	l->proxy_fd = -1;
	str_copy(l->client, sizeof l->client, client);
	struct imap_parser_limits lim;
	imap_parser_default_limits(&lim);
	l->parser = imap_parser_new(&lim);
	if (l->svc == SVC_MANAGESIEVE) {
		l->msv = xcalloc(1, sizeof *l->msv);
		msv_parser_init(l->msv, 1024);   /* a SASL response at most */
	}
	l->reaper = evtimer_new(child_base(), on_reap, l);
	l->bev = l->svc == SVC_IMAPS ? net_tls_accept(g.tls, fd) :
	    bufferevent_socket_new(child_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	if (l->bev == NULL) {
		close(fd);
		imap_parser_free(l->parser);
		if (l->msv != NULL)
			msv_parser_free(l->msv);
		free(l->msv);
		event_free(l->reaper);
		free(l);
		return;
	}
	l->next = g.list;
	if (g.list)
		g.list->prev = l;
	g.list = l;
	g.n++;
	l->waiting = l->svc == SVC_IMAPS;     /* until the handshake */
	if (l->msv != NULL)
		msv_login_greet(l);
	else if (l->svc != SVC_IMAPS)
		greet(l);
	watch(l);
	login_flush(l);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_MASTER && m->type == MSG_LISTENER) {
		enum service svc;
		struct evconnlistener *lis = g.nlisteners < 8 ?
		    net_listener(m, on_accept, &svc) : NULL;
		if (lis != NULL)
			g.listeners[g.nlisteners++] = lis;
		else if (g.nlisteners == 8)
			close(m->fd);
		return;
	}
	if (from == PROC_MASTER && m->type == MSG_TLS)
		net_tls_update(m, &g.tls, "imap-login");
	else if (from == PROC_LOOKUP && m->type == MSG_IMAP_LOGIN_RESULT)
		on_login_result(m);
	else
		log_warn("imap-login: unexpected message %u from %s", m->type,
		    proc_name(from));
	if (m->fd >= 0)
		close(m->fd);
}

static const char *chroot_dir(const struct config *cfg)
{
	(void)cfg;
	return geteuid() == 0 ? g.chroot.data : NULL;
}

static bool setup(const struct config *cfg, struct buf *err)
{
	(void)err;
	config_state_path(cfg, "empty", &g.chroot);
	return true;
}

static void start(void) {}

static void shutdown_login(void)
{
	g.stopping = true;
	for (int i = 0; i < g.nlisteners; i++)
		evconnlistener_free(g.listeners[i]);
	g.nlisteners = 0;
	/* Logged-in clients hear BYE from their session, which the master
	 * stops too; we close when it does. */
	for (struct login *l = g.list; l; l = l->next) {
		if (l->closing || l->peer != NULL)
			continue;
		if (l->msv != NULL)
			msv_login_bye(l, "Server shutting down");
		else
			buf_addstr(&l->out, "* BYE Server shutting down\r\n");
		login_flush(l);
		login_end(l, true);
	}
	maybe_exit();
}

const struct role_ops imaplogin_role = {
	.role = PROC_IMAPLOGIN, .setup = setup, .chroot_dir = chroot_dir,
	.start = start, .message = message, .shutdown = shutdown_login,
};
