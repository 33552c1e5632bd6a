#include "daemon/netconn.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "common/log.h"
#include "common/str.h"
#include "common/tls.h"
#include "daemon/child.h"

struct evconnlistener *net_listener(const struct ipc_msg *m,
    evconnlistener_cb cb, enum service *svc)
{
	struct ipc_reader r;
	uint32_t s;
	const char *addr;
	ipc_reader_init(&r, m);
	if (!ipc_r_u32(&r, &s) || !ipc_r_str(&r, &addr) || !ipc_r_done(&r) ||
	    m->fd < 0 || s >= SVC_COUNT) {
		log_err("bad LISTENER message");
		if (m->fd >= 0)
			close(m->fd);
		return NULL;
	}
	struct evconnlistener *l = evconnlistener_new(child_base(), cb,
	    (void *)(uintptr_t)s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    0, m->fd);
	if (l == NULL) {
		log_err("cannot listen on %s", addr);
		close(m->fd);
		return NULL;
	}
	*svc = (enum service)s;
	log_info("listening for %s on %s", service_name(*svc), addr);
	return l;
}

void net_tls_update(const struct ipc_msg *m, SSL_CTX **ctx, const char *who)
{
	struct ipc_reader r;
	const char *cert, *key;
	struct buf err = BUF_INIT;
	SSL_CTX *fresh = NULL;
	ipc_reader_init(&r, m);
	if (ipc_r_str(&r, &cert) && ipc_r_str(&r, &key) && ipc_r_done(&r))
		fresh = tls_server_ctx_new(cert, strlen(cert), key, strlen(key), &err);
	else
		buf_addstr(&err, "malformed TLS message");
	if (fresh == NULL) {
		log_err("%s: TLS certificate refused: %s", who, buf_cstr(&err));
	} else {
		SSL_CTX_free(*ctx);
		*ctx = fresh;
	}
	buf_free(&err);
}

void net_client_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void *a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, out, (socklen_t)len) == NULL)
		str_copy(out, len, "unknown");
}

void net_nodelay(int fd)
{
	/* Replies are written whole; waiting to coalesce them (Nagle) only
	 * adds a round trip of delayed ACK to each exchange. */
	int on = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void net_refuse(int fd, const char *line)
{
	(void)send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static SSL *new_ssl(SSL_CTX *ctx)
{
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	if (ssl == NULL)
		log_err("TLS unavailable: %s", tls_last_error());
	return ssl;
}

struct bufferevent *net_tls_accept(SSL_CTX *ctx, int fd)
{
	SSL *ssl = new_ssl(ctx);
	struct bufferevent *b = ssl ? bufferevent_openssl_socket_new(child_base(),
	    fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE) : NULL;
	if (b != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(b, 1);
	return b;
}

struct bufferevent *net_tls_wrap(SSL_CTX *ctx, struct bufferevent *bev)
{
	SSL *ssl = new_ssl(ctx);
	if (ssl == NULL)
		return NULL;
	struct evbuffer *in = bufferevent_get_input(bev);
	evbuffer_drain(in, evbuffer_get_length(in));
	struct bufferevent *f = bufferevent_openssl_filter_new(child_base(), bev,
	    ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (f == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(f, 1);
	return f;
}

size_t net_pending_output(struct bufferevent *bev)
{
	struct bufferevent *under = bufferevent_get_underlying(bev);
	return evbuffer_get_length(bufferevent_get_output(bev)) +
	    (under ? evbuffer_get_length(bufferevent_get_output(under)) : 0);
}

struct timeval net_reap_delay(unsigned *tries)
{
	unsigned shift = *tries < 6 ? *tries : 6;
	(*tries)++;
	return (struct timeval){ 0, 1000L << shift };
}

void net_tls_describe(struct bufferevent *bev, char *out, size_t len)
{
	struct buf d = BUF_INIT;
	tls_describe(bufferevent_openssl_get_ssl(bev), &d);
	str_copy(out, len, buf_cstr(&d));
	buf_free(&d);
}
