/* An HTTPS GET on libevent and OpenSSL, for the relay's MTA-STS policy
 * fetches: a socket bufferevent connects (the next address when one
 * fails), an OpenSSL filter over it does TLS, and the response, read
 * into one buffer, goes to the sans-I/O parser of filter/http.h. */
#include "daemon/relay_https.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/x509v3.h>

#include "common/buf.h"
#include "common/str.h"
#include "common/tls.h"
#include "common/xmalloc.h"
#include "filter/http.h"

#define HEAD_MAX (16 * 1024)         /* octets of status line and fields */

struct https_get {
	struct event_base *base;
	SSL_CTX *ctx;
	char host[256];
	char addrs[HTTPS_MAX_ADDRS][64];
	size_t naddrs, addr_i;
	unsigned port;
	size_t max_body;
	unsigned timeout;
	bool started;                /* the timer now limits the fetch */
	struct buf request, in, error;
	struct bufferevent *bev;
	bool tls;                    /* the filter is on (handshake started) */
	bool up;                     /* the handshake is done */
	struct event *timer;
	https_done_fn *done;
	void *arg;
};

void https_get_cancel(struct https_get *g)
{
	if (g == NULL)
		return;
	if (g->bev != NULL)
		bufferevent_free(g->bev);
	event_free(g->timer);
	buf_free(&g->request);
	buf_free(&g->in);
	buf_free(&g->error);
	free(g);
}

static void finish(struct https_get *g, const struct https_reply *r)
{
	g->done(g->arg, r);
	https_get_cancel(g);         /* frees it */
}

static void fail(struct https_get *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct https_get *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_reset(&g->error);
	buf_vprintf(&g->error, fmt, ap);
	va_end(ap);
	struct https_reply r = { .error = buf_cstr(&g->error) };
	finish(g, &r);
}

/* Whether the bytes so far are a whole response (complete: the server
 * has closed cleanly, so an undelimited body is whole too); calls done
 * when they are. */
static bool try_finish(struct https_get *g, bool closed)
{
	struct http_response h;
	struct buf tmp = BUF_INIT;
	if (!http_response_parse(g->in.data ? g->in.data : "", g->in.len, &h,
	    &tmp) || !(h.delimited || closed)) {
		buf_free(&tmp);
		return false;
	}
	if (h.body_len > g->max_body) {
		fail(g, "body from %s longer than %zu octets", g->host,
		    g->max_body);
	} else {
		struct https_reply r = { .status = h.status, .ctype = h.ctype,
			.ctype_len = h.ctype_len, .body = h.body,
			.body_len = h.body_len };
		finish(g, &r);
	}
	buf_free(&tmp);
	return true;
}

/* Moves what has arrived into g->in; false (and g gone) past the limit. */
static bool take_input(struct https_get *g)
{
	struct evbuffer *in = bufferevent_get_input(g->bev);
	size_t n = evbuffer_get_length(in);
	if (g->in.len + n > g->max_body + HEAD_MAX) {
		fail(g, "response from %s too long", g->host);
		return false;
	}
	buf_reserve(&g->in, n);
	evbuffer_remove(in, g->in.data + g->in.len, n);
	g->in.len += n;
	return true;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct https_get *g = arg;
	if (take_input(g))
		try_finish(g, false);
}

/* Why the handshake failed: the certificate's fault, or another. */
static void tls_failed(struct https_get *g)
{
	SSL *ssl = bufferevent_openssl_get_ssl(g->bev);
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	fail(g, "TLS with %s: %s", g->host, v != X509_V_OK ?
	    X509_verify_cert_error_string(v) : tls_last_error());
}

static void on_event(struct bufferevent *bev, short what, void *arg);
static void connect_next(struct https_get *g);

static void start_tls(struct https_get *g)
{
	SSL *ssl = SSL_new(g->ctx);
	struct bufferevent *f = NULL;
	if (ssl != NULL && SSL_set_tlsext_host_name(ssl, g->host) == 1 &&
	    SSL_set1_host(ssl, g->host) == 1) {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		f = bufferevent_openssl_filter_new(g->base, g->bev, ssl,
		    BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	}
	if (f == NULL) {
		SSL_free(ssl);
		fail(g, "TLS with %s: cannot start", g->host);
		return;
	}
	g->bev = f;
	g->tls = true;
	bufferevent_setcb(f, on_read, NULL, on_event, g);
	bufferevent_enable(f, EV_READ | EV_WRITE);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct https_get *g = arg;
	if (what & BEV_EVENT_CONNECTED) {
		if (!g->tls) {
			start_tls(g);
		} else {
			g->up = true;
			bufferevent_write(g->bev, g->request.data, g->request.len);
		}
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (!g->tls) {               /* this address does not answer */
		buf_reset(&g->error);
		buf_printf(&g->error, "connect to %s: %s",
		    g->addrs[g->addr_i],
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		g->addr_i++;
		connect_next(g);
	} else if (!g->up) {
		tls_failed(g);
	} else if (take_input(g) && !try_finish(g, (what & BEV_EVENT_EOF) != 0)) {
		/* Only a TLS close_notify (EOF here) proves an undelimited
		 * body whole; a bare close may be a cut. */
		fail(g, "response of %s cut short%s", g->host,
		    what & BEV_EVENT_EOF ? "" : " (no TLS close)");
	}
}

/* The next address, or the last error when all are tried. */
static void connect_next(struct https_get *g)
{
	if (g->bev != NULL) {
		bufferevent_free(g->bev);
		g->bev = NULL;
	}
	for (; g->addr_i < g->naddrs; g->addr_i++) {
		struct sockaddr_storage ss;
		int len = (int)sizeof ss;
		char ap[80];
		const char *a = g->addrs[g->addr_i];
		snprintf(ap, sizeof ap, strchr(a, ':') ? "[%s]:%u" : "%s:%u", a,
		    g->port);
		if (evutil_parse_sockaddr_port(ap, (struct sockaddr *)&ss, &len) != 0)
			continue;
		g->bev = bufferevent_socket_new(g->base, -1,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		bufferevent_setcb(g->bev, NULL, NULL, on_event, g);
		bufferevent_enable(g->bev, EV_READ | EV_WRITE);
		if (bufferevent_socket_connect(g->bev, (struct sockaddr *)&ss,
		    len) == 0)
			return;
		bufferevent_free(g->bev);
		g->bev = NULL;
	}
	if (g->error.len == 0)
		buf_printf(&g->error, "no address of %s to connect to", g->host);
	struct https_reply r = { .error = buf_cstr(&g->error) };
	finish(g, &r);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct https_get *g = arg;
	if (!g->started) {           /* the start, out of https_get_start */
		struct timeval tv = { (time_t)g->timeout, 0 };
		g->started = true;
		evtimer_add(g->timer, &tv);
		connect_next(g);
	} else {
		fail(g, "fetch from %s timed out after %u s", g->host,
		    g->timeout);
	}
}

SSL_CTX *https_ctx_new(X509_STORE *cas, struct buf *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		buf_printf(err, "TLS for HTTPS: %s", tls_last_error());
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set1_cert_store(ctx, cas);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static bool host_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n >= sizeof ((struct https_get *)NULL)->host)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '.' && h[i] != '-')
			return false;
	return true;
}

struct https_get *https_get_start(const struct https_get_params *p,
    https_done_fn *done, void *arg)
{
	struct https_get *g = xcalloc(1, sizeof *g);
	g->base = p->base;
	g->ctx = p->ctx;
	g->port = p->port;
	g->max_body = p->max_body;
	g->timeout = p->timeout;
	g->done = done;
	g->arg = arg;
	for (size_t i = 0; i < p->naddrs && i < HTTPS_MAX_ADDRS; i++)
		str_copy(g->addrs[g->naddrs++], sizeof g->addrs[0], p->addrs[i]);
	if (host_ok(p->host)) {
		str_copy(g->host, sizeof g->host, p->host);
	} else {                     /* never in a request line */
		g->naddrs = 0;
		buf_addstr(&g->error, "not a host name");
	}
	buf_printf(&g->request, "GET %s HTTP/1.1\r\nHost: %s", p->path, g->host);
	if (p->port != 443)
		buf_printf(&g->request, ":%u", p->port);
	buf_addstr(&g->request, "\r\nUser-Agent: archmailbox\r\n"
	    "Accept: text/plain\r\nConnection: close\r\n\r\n");
	/* Connecting starts from the loop, so done is never called before
	 * this returns; the timer is then re-armed for the whole fetch. */
	g->timer = evtimer_new(g->base, on_timer, g);
	struct timeval zero = { 0, 0 };
	evtimer_add(g->timer, &zero);
	return g;
}
