#include "daemon/listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "common/config.h"
#include "common/log.h"
#include "common/str.h"
#include "common/xmalloc.h"

static const char *const names[SVC_COUNT] = { "smtp", "submission",
	"submissions", "imap", "imaps", "acme-tls", "acme-http" };

const char *service_name(enum service svc)
{
	return names[svc];
}

/* "1.2.3.4:25" or "[::1]:25" (already validated by the config). */
static bool parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *port;
	memset(ss, 0, sizeof *ss);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || (size_t)(close - s) > sizeof host)
			return false;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port = close + 2;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof *a6;
		return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1;
	}
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)atoi(colon + 1));
	*len = sizeof *a4;
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1;
}

static int bind_one(const char *addr, struct buf *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (!parse_addr(addr, &ss, &len)) {
		buf_printf(err, "bad listen address %s", addr);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 256) != 0) {
		buf_printf(err, "cannot listen on %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void add_listener(struct listeners *out, enum service svc, int fd,
    const char *addr)
{
	out->v = xreallocarray(out->v, (size_t)out->n + 1, sizeof *out->v);
	struct listener *l = &out->v[out->n++];
	l->svc = svc;
	l->fd = fd;
	str_copy(l->addr, sizeof l->addr, addr);
}

static bool bind_service(const struct config *cfg, enum service svc,
    struct listeners *out, struct buf *err)
{
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s_listen", names[svc]);
	char *list = xstrdup(config_str(cfg, key.data));
	buf_free(&key);
	bool ok = true;
	char *save = NULL;
	for (char *t = strtok_r(list, " \t,", &save); t && ok;
	    t = strtok_r(NULL, " \t,", &save)) {
		int fd = bind_one(t, err);
		ok = fd >= 0;
		if (!ok)
			break;
		add_listener(out, svc, fd, t);
	}
	free(list);
	return ok;
}

bool listeners_bind(const struct config *cfg, const enum service *svcs,
    int nsvcs, struct listeners *out, struct buf *err)
{
	out->v = NULL;
	out->n = 0;
	for (int i = 0; i < nsvcs; i++) {
		if (!bind_service(cfg, svcs[i], out, err)) {
			listeners_close(out);
			return false;
		}
	}
	return true;
}

static void bind_port(enum service svc, int port, struct listeners *out,
    struct buf *err)
{
	for (int v6 = 0; port > 0 && v6 < 2; v6++) {
		char addr[32];
		snprintf(addr, sizeof addr, v6 ? "[::]:%d" : "0.0.0.0:%d", port);
		struct buf why = BUF_INIT;
		int fd = bind_one(addr, &why);
		if (fd >= 0) {
			add_listener(out, svc, fd, addr);
		} else {
			buf_printf(err, "%s%s", err->len ? "; " : "", why.data);
		}
		buf_free(&why);
	}
}

void listeners_bind_acme(const struct config *cfg, struct listeners *out)
{
	struct buf err = BUF_INIT;
	bind_port(SVC_ACME_TLS, (int)config_int(cfg, "acme_tls_port"), out, &err);
	bind_port(SVC_ACME_HTTP, (int)config_int(cfg, "acme_http_port"), out, &err);
	if (err.len)
		log_err("ACME challenges will not be answered there: %s", err.data);
	buf_free(&err);
}

void listeners_close(struct listeners *ls)
{
	for (int i = 0; i < ls->n; i++)
		close(ls->v[i].fd);
	free(ls->v);
	ls->v = NULL;
	ls->n = 0;
}
