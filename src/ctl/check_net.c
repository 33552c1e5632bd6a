/* The listeners answer (a greeting, over TLS for implicit-TLS ports) and
 * port 25 does not relay for strangers. Blocking sockets with timeouts:
 * this is a command, not the server. */
#include "ctl/check.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "common/config.h"

#define NET_TIMEOUT_S 10

struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char in[4096];
	size_t len;
};

/* "0.0.0.0:25" -> "127.0.0.1", "25": a wildcard is reached on loopback. */
static bool split_listener(const char *tok, char *host, size_t hl,
    char *port, size_t pl)
{
	const char *colon = strrchr(tok, ':');
	if (colon == NULL || snprintf(port, pl, "%s", colon + 1) >= (int)pl)
		return false;
	size_t n = (size_t)(colon - tok);
	if (tok[0] == '[' && n >= 2) {
		tok++;
		n -= 2;
	}
	if (n + 1 > hl)
		return false;
	memcpy(host, tok, n);
	host[n] = '\0';
	if (strcmp(host, "0.0.0.0") == 0)
		snprintf(host, hl, "127.0.0.1");
	else if (strcmp(host, "::") == 0)
		snprintf(host, hl, "::1");
	return true;
}

/* 0 once a non-blocking connect has finished within NET_TIMEOUT_S, else
 * why not (an errno value). */
static int connect_wait(int fd, const struct addrinfo *ai)
{
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	struct pollfd p = { fd, POLLOUT, 0 };
	int err = 0;
	socklen_t len = sizeof err;
	if (poll(&p, 1, NET_TIMEOUT_S * 1000) != 1)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return errno;
	return err;
}

/* Connects within NET_TIMEOUT_S; the socket is then blocking with that
 * timeout on every read and write. */
static int tcp_connect(const char *host, const char *port, struct buf *why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		buf_printf(why, "%s", gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = fd < 0 ? errno : connect_wait(fd, ai);
	freeaddrinfo(ai);
	if (err != 0) {
		buf_printf(why, "%s", strerror(err));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct timeval tv = { NET_TIMEOUT_S, 0 };
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

static bool conn_open(struct conn *c, const char *host, const char *port,
    bool tls, struct buf *why)
{
	memset(c, 0, sizeof *c);
	c->fd = tcp_connect(host, port, why);
	if (c->fd < 0 || !tls)
		return c->fd >= 0;
	/* Only that TLS works: check_certificate judges the certificate. */
	c->ctx = SSL_CTX_new(TLS_client_method());
	c->ssl = c->ctx ? SSL_new(c->ctx) : NULL;
	if (c->ssl == NULL || !SSL_set_fd(c->ssl, c->fd) ||
	    SSL_connect(c->ssl) != 1) {
		buf_printf(why, "TLS handshake failed");
		return false;
	}
	return true;
}

static void conn_close(struct conn *c)
{
	if (c->ssl != NULL && SSL_is_init_finished(c->ssl))
		SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static bool conn_write(struct conn *c, const char *s)
{
	size_t n = strlen(s);
	return c->ssl ? SSL_write(c->ssl, s, (int)n) == (int)n :
	    write(c->fd, s, n) == (ssize_t)n;
}

/* One line (without CRLF) into line; false on EOF, timeout, overlong. */
static bool conn_line(struct conn *c, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->len);
		if (nl != NULL) {
			size_t n = (size_t)(nl - c->in);
			size_t keep = n > 0 && c->in[n - 1] == '\r' ? n - 1 : n;
			snprintf(line, size, "%.*s", (int)keep, c->in);
			memmove(c->in, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return true;
		}
		if (c->len == sizeof c->in)
			return false;
		int got = c->ssl ? SSL_read(c->ssl, c->in + c->len,
		    (int)(sizeof c->in - c->len)) :
		    (int)read(c->fd, c->in + c->len, sizeof c->in - c->len);
		if (got <= 0)
			return false;
		c->len += (size_t)got;
	}
}

/* A whole SMTP reply; its code (0 if malformed) and last line. */
static int smtp_reply(struct conn *c, char *line, size_t size)
{
	while (conn_line(c, line, size)) {
		if (strlen(line) < 3)
			return 0;
		if (line[3] != '-')
			return atoi(line);
	}
	snprintf(line, size, "no reply");
	return 0;
}

static const struct {
	const char *key;
	bool tls, imap;
} listeners[] = {
	{ "smtp_listen", false, false },
	{ "submission_listen", false, false },
	{ "submissions_listen", true, false },
	{ "imap_listen", false, true },
	{ "imaps_listen", true, true },
};

static void check_listener(const char *key, const char *tok, bool tls,
    bool imap, struct check_report *r)
{
	char host[64], port[8], line[512] = "";
	struct buf why = BUF_INIT;
	struct conn c = { .fd = -1 };
	bool ok = split_listener(tok, host, sizeof host, port, sizeof port) &&
	    conn_open(&c, host, port, tls, &why);
	if (ok && imap)
		ok = conn_line(&c, line, sizeof line) && strncmp(line, "* OK", 4) == 0;
	else if (ok)
		ok = smtp_reply(&c, line, sizeof line) == 220;
	if (ok)
		check_line(r, CHECK_OK, "port %s (%s): answers%s", tok, key,
		    tls ? " over TLS" : "");
	else
		check_line(r, CHECK_FAIL, "port %s (%s): %s", tok, key,
		    why.len ? why.data : *line ? line : "no greeting");
	conn_close(&c);
	buf_free(&why);
}

void check_ports(const struct config *cfg, struct check_report *r)
{
	for (size_t i = 0; i < sizeof listeners / sizeof listeners[0]; i++) {
		struct buf v = BUF_INIT;
		char *save = NULL;
		buf_set(&v, config_str(cfg, listeners[i].key));
		for (char *t = strtok_r(v.data, " \t,", &save); t != NULL;
		    t = strtok_r(NULL, " \t,", &save))
			check_listener(listeners[i].key, t, listeners[i].tls,
			    listeners[i].imap, r);
		buf_free(&v);
	}
}

/* One command and its reply code; line gets the reply's last line. */
static int smtp_cmd(struct conn *c, const char *cmd, char *line, size_t size)
{
	if (!conn_write(c, cmd)) {
		snprintf(line, size, "connection lost");
		return 0;
	}
	return smtp_reply(c, line, size);
}

/* RFC 2606 names: never anyone's mail domain. */
#define RELAY_SENDER "MAIL FROM:<mailboxctl-check@example.net>\r\n"
#define RELAY_RCPT   "RCPT TO:<relay-test@relay-test.invalid>\r\n"

void check_open_relay(const struct config *cfg, struct check_report *r)
{
	char host[64], port[8], line[512] = "", ehlo[300];
	struct buf v = BUF_INIT, why = BUF_INIT;
	struct conn c = { .fd = -1 };
	buf_set(&v, config_str(cfg, "smtp_listen"));
	v.data[strcspn(v.data, " \t,")] = '\0';
	snprintf(ehlo, sizeof ehlo, "EHLO %s\r\n", config_str(cfg, "hostname"));
	int code = 0;
	if (v.len == 0)
		check_line(r, CHECK_OK, "open relay: no smtp_listen");
	else if (!split_listener(v.data, host, sizeof host, port, sizeof port) ||
	    !conn_open(&c, host, port, false, &why) ||
	    smtp_reply(&c, line, sizeof line) != 220 ||
	    smtp_cmd(&c, ehlo, line, sizeof line) != 250)
		check_line(r, CHECK_WARN, "open relay: not tested: %s",
		    why.len ? why.data : line);
	else if ((code = smtp_cmd(&c, RELAY_SENDER, line, sizeof line)) / 100 != 2)
		check_line(r, CHECK_WARN, "open relay: not tested: MAIL FROM "
		    "answered \"%s\"", line);
	else if ((code = smtp_cmd(&c, RELAY_RCPT, line, sizeof line)) / 100 == 5)
		check_line(r, CHECK_OK, "open relay: no (%s)", line);
	else if (code / 100 == 2)
		check_line(r, CHECK_FAIL, "open relay: YES, %s accepted mail for "
		    "another domain: \"%s\"", v.data, line);
	else
		check_line(r, CHECK_WARN, "open relay: RCPT TO answered \"%s\"", line);
	if (c.fd >= 0) {
		smtp_cmd(&c, "QUIT\r\n", line, sizeof line);
		conn_close(&c);
	}
	buf_free(&v);
	buf_free(&why);
}
