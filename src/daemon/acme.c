/* acme process: answers the ACME challenges that `mailboxctl cert issue`
 * (or mailboxd's own renewal) publishes in state_dir/acme/challenges:
 * HTTP-01 on acme_http_port, TLS-ALPN-01 on acme_tls_port. Unprivileged
 * and chrooted into state_dir/empty; it reads the challenge directory
 * through a descriptor opened before the chroot, and holds no other file. */
#include "daemon/roles.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "acme/challenge.h"
#include "common/config.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "daemon/netconn.h"

#define MAX_CONNS   64
#define CONN_SECS   10
#define REQ_MAX     2048

static struct {
	int dirfd;
	SSL_CTX *alpn;
	struct evconnlistener *listeners[8];
	int nlisteners;
	unsigned nconns;
	struct buf chroot;
} g = { .dirfd = -1 };

static void conn_close(struct bufferevent *bev)
{
	bufferevent_free(bev);
	g.nconns--;
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	/* A finished handshake is all TLS-ALPN-01 needs; the validator
	 * closes then. */
	if (!(what & BEV_EVENT_CONNECTED))
		conn_close(bev);
}

static void on_written(struct bufferevent *bev, void *arg)
{
	(void)arg;
	conn_close(bev);
}

static void on_http_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	char token[256];
	const char *req = (const char *)evbuffer_pullup(in, len < REQ_MAX ? -1 : REQ_MAX);
	int r = acme_http01_request(req, len < REQ_MAX ? len : REQ_MAX, token, sizeof token);
	if (r == 0 && len < REQ_MAX)
		return;
	struct buf out = BUF_INIT;
	if (r == 1)
		acme_http01_response(g.dirfd, token, &out);
	else
		buf_addstr(&out, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, on_written, on_event, NULL);
	bufferevent_write(bev, out.data, out.len);
	buf_free(&out);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	bool tls = (enum service)(uintptr_t)arg == SVC_ACME_TLS;
	struct bufferevent *bev = NULL;
	if (g.nconns >= MAX_CONNS) {
		close(fd);
		return;
	}
	if (tls) {
		SSL *ssl = g.alpn ? SSL_new(g.alpn) : NULL;
		bev = ssl ? bufferevent_openssl_socket_new(child_base(), fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE) : NULL;
		if (bev == NULL)
			SSL_free(ssl);
	} else {
		bev = bufferevent_socket_new(child_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (bev == NULL) {
		close(fd);
		return;
	}
	g.nconns++;
	struct timeval tv = { CONN_SECS, 0 };
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setcb(bev, tls ? NULL : on_http_read, NULL, on_event, NULL);
	bufferevent_enable(bev, EV_READ);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	enum service svc;
	if (from == PROC_MASTER && m->type == MSG_LISTENER &&
	    g.nlisteners < (int)(sizeof g.listeners / sizeof g.listeners[0])) {
		struct evconnlistener *l = net_listener(m, on_accept, &svc);
		if (l != NULL)
			g.listeners[g.nlisteners++] = l;
		return;
	}
	log_warn("acme: unexpected message %u", m->type);
	if (m->fd >= 0)
		close(m->fd);
}

static bool setup(const struct config *cfg, struct buf *err)
{
	struct buf acme = BUF_INIT, chal = BUF_INIT;
	config_state_path(cfg, "empty", &g.chroot);
	config_state_path(cfg, "acme", &acme);
	buf_printf(&chal, "%s/challenges", acme.data);
	bool ok = (geteuid() != 0 || file_mkdir(g.chroot.data, 0755, err)) &&
	    file_mkdir(acme.data, 0711, err) && file_mkdir(chal.data, 0755, err);
	if (ok && (g.dirfd = open(chal.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		buf_printf(err, "%s: cannot open", chal.data);
		ok = false;
	}
	g.alpn = ok ? acme_alpn_ctx_new(g.dirfd) : NULL;
	buf_free(&acme);
	buf_free(&chal);
	return ok && g.alpn != NULL;
}

static const char *chroot_dir(const struct config *cfg)
{
	(void)cfg;
	return geteuid() == 0 ? g.chroot.data : NULL;
}

static void start(void) {}

const struct role_ops acme_role = {
	.role = PROC_ACME, .setup = setup, .chroot_dir = chroot_dir,
	.start = start, .message = message,
};
