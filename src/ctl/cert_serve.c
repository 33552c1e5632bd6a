/* Answering ACME challenges while mailboxd is not running: a child
 * process listens on acme_tls_port / acme_http_port and serves the
 * challenge directory, one short connection at a time, until killed. */
#include "ctl/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "acme/challenge.h"
#include "common/config.h"
#include "ctl/cert.h"

static int listen_on(int port, struct buf *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 16) != 0) {
		int e = errno;
		if (e == EADDRINUSE)
			buf_printf(err, "port %d is taken by another program; stop it, or "
			    "start mailboxd, which answers the challenges itself", port);
		else if (e == EACCES)
			buf_printf(err, "port %d needs root to listen on", port);
		else
			buf_printf(err, "cannot listen on port %d: %s", port, strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void serve_http(int fd, int dirfd)
{
	char req[2048], token[256];
	size_t len = 0;
	int r = 0;
	while (r == 0 && len < sizeof req) {
		ssize_t n = read(fd, req + len, sizeof req - len);
		if (n <= 0)
			return;
		len += (size_t)n;
		r = acme_http01_request(req, len, token, sizeof token);
	}
	struct buf out = BUF_INIT;
	if (r == 1)
		acme_http01_response(dirfd, token, &out);
	else
		buf_addstr(&out, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
	(void)!write(fd, out.data, out.len);
	buf_free(&out);
}

static void serve_tls(int fd, SSL_CTX *ctx)
{
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1)
		SSL_shutdown(ssl);
	SSL_free(ssl);
}

static _Noreturn void serve(int tls_fd, int http_fd, const char *dir)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SSL_CTX *ctx = acme_alpn_ctx_new(dirfd);
	struct pollfd p[2] = { { tls_fd, POLLIN, 0 }, { http_fd, POLLIN, 0 } };
	struct timeval tv = { 10, 0 };
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & POLLIN))
				continue;
			int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
			if (i == 0)
				serve_tls(c, ctx);
			else
				serve_http(c, dirfd);
			close(c);
		}
	}
}

pid_t cert_serve_start(const struct config *cfg, const char *dir, struct buf *err)
{
	int tls_port = (int)config_int(cfg, "acme_tls_port");
	int http_port = (int)config_int(cfg, "acme_http_port");
	int tls_fd = tls_port ? listen_on(tls_port, err) : -1;
	int http_fd = http_port && err->len == 0 ? listen_on(http_port, err) : -1;
	pid_t pid = err->len ? -1 : fork();
	if (pid == 0)
		serve(tls_fd, http_fd, dir);
	if (pid < 0 && err->len == 0)
		buf_printf(err, "fork: %s", strerror(errno));
	if (tls_fd >= 0)
		close(tls_fd);
	if (http_fd >= 0)
		close(http_fd);
	return pid;
}

void cert_serve_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}
