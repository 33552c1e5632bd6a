/* The evented HTTPS GET's failures that need no TLS server: refused
 * connections, a server that never answers, a host name that could
 * inject fields, and a cancelled fetch. (tests/integration/test_mtasts.py
 * has the fetches from an HTTPS server.) */
#include "t.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/relay_https.h"

struct outcome {
	struct event_base *base;
	int calls;
	char error[256];
};

static void on_done(void *arg, const struct https_reply *r)
{
	struct outcome *o = arg;
	o->calls++;
	snprintf(o->error, sizeof o->error, "%s", r->error ? r->error : "");
	event_base_loopbreak(o->base);
}

/* A loopback TCP socket, bound (and listening if asked); its port. */
static int loopback(bool listening, unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) != 0 ||
	    (listening && listen(fd, 4) != 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

/* Runs one fetch to its end (or 5 s; a cancelled one 1.5 s, past its
 * time limit) and says what came back. */
static struct outcome fetch(const char *host, const char *const *addrs,
    size_t n, unsigned port, bool cancel)
{
	struct event_base *base = event_base_new();
	struct outcome o = { base, 0, "" };
	X509_STORE *cas = X509_STORE_new();
	struct buf err = BUF_INIT;
	SSL_CTX *ctx = https_ctx_new(cas, &err);
	CHECK(ctx != NULL && err.len == 0);
	struct https_get_params p = { .base = base, .ctx = ctx, .host = host,
		.port = port, .path = "/.well-known/mta-sts.txt",
		.max_body = 65536, .timeout = 1 };
	for (size_t i = 0; i < n; i++)
		p.addrs[p.naddrs++] = addrs[i];
	struct https_get *g = https_get_start(&p, on_done, &o);
	CHECK(o.calls == 0);         /* never from inside the start */
	if (cancel)
		https_get_cancel(g);
	struct timeval limit = { cancel ? 1 : 5, cancel ? 500000 : 0 };
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	SSL_CTX_free(ctx);
	X509_STORE_free(cas);
	buf_free(&err);
	event_base_free(base);
	return o;
}

TEST(https_get_refused)
{
	unsigned port;
	int fd = loopback(false, &port);    /* bound, not listening */
	CHECK(fd >= 0);
	const char *addrs[] = { "not-an-address", "127.0.0.1", "127.0.0.1" };
	struct outcome o = fetch("mta-sts.x.test", addrs, 3, port, false);
	CHECK(o.calls == 1);
	CHECK_STR(o.error, "connect to 127.0.0.1: Connection refused");
	o = fetch("mta-sts.x.test", addrs, 1, port, false);
	CHECK(o.calls == 1);
	CHECK_STR(o.error, "no address of mta-sts.x.test to connect to");
	close(fd);
}

TEST(https_get_times_out)
{
	unsigned port;
	int fd = loopback(true, &port);     /* never accepts, never speaks */
	const char *addrs[] = { "127.0.0.1" };
	struct outcome o = fetch("mta-sts.x.test", addrs, 1, port, false);
	CHECK(o.calls == 1);
	CHECK_STR(o.error, "fetch from mta-sts.x.test timed out after 1 s");
	o = fetch("mta-sts.x.test", addrs, 1, port, true);
	CHECK(o.calls == 0);
	close(fd);
}

TEST(https_get_refuses_odd_host_names)
{
	const char *addrs[] = { "127.0.0.1" };
	static const char *const bad[] = { "", "x.test\r\nInjected: 1",
		"x.test/evil", "x test", "a:1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct outcome o = fetch(bad[i], addrs, 1, 443, false);
		CHECK(o.calls == 1);
		CHECK_STR(o.error, "not a host name");
	}
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	struct outcome o = fetch(longname, addrs, 1, 443, false);
	CHECK_STR(o.error, "not a host name");
}
