/* libunbound contexts and asynchronous queries on a libevent base: the
 * context resolves on its own thread (ub_ctx_async) and signals results
 * on ub_fd, which an event watches; ub_process then runs the callbacks on
 * the loop's thread. */
#include "common/dns.h"

#include "common/fileutil.h"
#include "common/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <unbound.h>

#include "common/xmalloc.h"

#define RCODE_NXDOMAIN 3

/* RFC 6761 and 6762 names a resolver of our choosing may serve. */
static const char *const special_zones[] = { "test.", "example.",
	"invalid.", "localhost.", "local.", NULL };

/* "IP", "IP:PORT", "[IP6]:PORT" -> unbound's "IP@PORT". */
static void forwarder(const char *r, struct buf *out)
{
	const char *colon = strrchr(r, ':');
	if (r[0] == '[') {
		const char *close = strchr(r, ']');
		size_t n = close ? (size_t)(close - r - 1) : strlen(r + 1);
		buf_add(out, r + 1, n);
		if (close != NULL && close[1] == ':')
			buf_printf(out, "@%s", close + 2);
	} else if (colon != NULL && strchr(r, ':') == colon) {
		buf_add(out, r, (size_t)(colon - r));
		buf_printf(out, "@%s", colon + 1);
	} else {
		buf_addstr(out, r);
	}
}

static int use_forwarder(struct ub_ctx *ctx, const char *resolver)
{
	struct buf fwd = BUF_INIT;
	forwarder(resolver, &fwd);
	int rc = ub_ctx_set_fwd(ctx, fwd.data);
	buf_free(&fwd);
	/* Unbound answers these names itself unless told they are normal
	 * zones; they are not signed, so no DNSSEC chain leads to them. */
	for (int i = 0; rc == 0 && special_zones[i] != NULL; i++) {
		char zone[32];
		snprintf(zone, sizeof zone, "%s transparent", special_zones[i]);
		rc = ub_ctx_set_option(ctx, "local-zone:", zone);
		if (rc == 0)
			rc = ub_ctx_set_option(ctx, "domain-insecure:", special_zones[i]);
	}
	return rc;
}

/* The trust anchors are read now, not when libunbound first needs them:
 * by then the process may be chrooted. One record per line (records in
 * parentheses may span lines); ';' starts a comment. */
static int add_anchors(struct ub_ctx *ctx, const char *path)
{
	struct buf text = BUF_INIT, err = BUF_INIT, rec = BUF_INIT;
	int rc = 0, depth = 0;
	if (!file_read_all(path, 1 << 20, &text, &err)) {
		buf_free(&err);
		return UB_READFILE;
	}
	for (char *line = text.data, *next; rc == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *semi = strchr(line, ';');
		if (semi)
			*semi = '\0';
		for (char *c = line; *c; c++) {
			if (*c == '(' || *c == ')') {
				depth += *c == '(' ? 1 : -1;
				*c = ' ';
			}
		}
		buf_printf(&rec, "%s ", line);
		if (depth > 0)
			continue;
		char *r = str_trim(rec.data);
		if (*r != '\0')
			rc = ub_ctx_add_ta(ctx, r);
		buf_reset(&rec);
	}
	buf_free(&text);
	buf_free(&err);
	buf_free(&rec);
	return rc;
}

struct ub_ctx *dns_ub_ctx_new(const char *resolver, const char *anchors,
    struct buf *err)
{
	struct ub_ctx *ctx = ub_ctx_create();
	if (ctx == NULL) {
		buf_printf(err, "cannot create a DNS resolver");
		return NULL;
	}
	/* The resolver may be local (127.0.0.53, a test server). */
	int rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no");
	if (rc == 0)
		rc = resolver[0] != '\0' ? use_forwarder(ctx, resolver) :
		    ub_ctx_resolvconf(ctx, NULL);
	if (rc == 0 && anchors != NULL && access(anchors, R_OK) == 0)
		rc = add_anchors(ctx, anchors);
	if (rc != 0) {
		buf_printf(err, "DNS resolver %s: %s",
		    resolver[0] ? resolver : "from resolv.conf", ub_strerror(rc));
		ub_ctx_delete(ctx);
		return NULL;
	}
	return ctx;
}

struct dns_q {
	struct dns_q *prev, *next;   /* pending, freed with the context */
	struct dns *d;
	dns_cb *cb;
	void *arg;
};

struct dns {
	struct ub_ctx *ctx;
	struct event *ev;
	struct dns_q *pending;
};

static void q_unlink(struct dns_q *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		q->d->pending = q->next;
	if (q->next)
		q->next->prev = q->prev;
}

static void on_fd(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct dns *d = arg;
	ub_process(d->ctx);
}

struct dns *dns_new(struct event_base *base, const char *resolver,
    const char *anchors, struct buf *err)
{
	struct ub_ctx *ctx = dns_ub_ctx_new(resolver, anchors, err);
	if (ctx == NULL)
		return NULL;
	int rc = ub_ctx_async(ctx, 1);
	if (rc != 0) {
		buf_printf(err, "DNS resolver: %s", ub_strerror(rc));
		ub_ctx_delete(ctx);
		return NULL;
	}
	struct dns *d = xcalloc(1, sizeof *d);
	d->ctx = ctx;
	d->ev = event_new(base, ub_fd(ctx), EV_READ | EV_PERSIST, on_fd, d);
	event_add(d->ev, NULL);
	return d;
}

void dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	event_free(d->ev);
	ub_ctx_delete(d->ctx);       /* cancels what is pending */
	while (d->pending != NULL) {
		struct dns_q *q = d->pending;
		q_unlink(q);
		free(q);
	}
	free(d);
}

/* Calls cb with res as a dns_answer, then frees res. */
static void deliver_answer(int err, struct ub_result *res, dns_cb *cb,
    void *arg)
{
	struct dns_answer a = { .status = DNS_TEMPFAIL };
	size_t n = 0;
	if (err == 0 && res != NULL && !res->bogus) {
		while (res->data != NULL && res->data[n] != NULL)
			n++;
		a.secure = res->secure != 0;
		if (res->rcode == RCODE_NXDOMAIN)
			a.status = DNS_NXDOMAIN;
		else if (res->rcode == 0)
			a.status = n > 0 ? DNS_OK : DNS_NODATA;
	}
	size_t *lens = xcalloc(n ? n : 1, sizeof *lens);
	for (size_t i = 0; i < n; i++)
		lens[i] = (size_t)res->len[i];
	if (a.status == DNS_OK) {
		a.n = n;
		a.rdata = (const unsigned char *const *)res->data;
		a.len = lens;
	}
	cb(arg, &a);
	free(lens);
	if (res != NULL)
		ub_resolve_free(res);
}

static void on_result(void *arg, int err, struct ub_result *res)
{
	struct dns_q *q = arg;
	q_unlink(q);
	deliver_answer(err, res, q->cb, q->arg);
	free(q);
}

void dns_resolve(struct ub_ctx *ctx, const char *name, int type, dns_cb *cb,
    void *arg)
{
	struct ub_result *res = NULL;
	int err = ub_resolve(ctx, name, type, 1, &res);
	deliver_answer(err, err == 0 ? res : NULL, cb, arg);
	if (err != 0 && res != NULL)
		ub_resolve_free(res);
}

bool dns_query(struct dns *d, const char *name, int type, dns_cb *cb,
    void *arg)
{
	struct dns_q *q = xcalloc(1, sizeof *q);
	q->d = d;
	q->cb = cb;
	q->arg = arg;
	if (ub_resolve_async(d->ctx, name, type, 1, q, on_result, NULL) != 0) {
		free(q);
		return false;
	}
	q->next = d->pending;
	if (q->next)
		q->next->prev = q;
	d->pending = q;
	return true;
}
