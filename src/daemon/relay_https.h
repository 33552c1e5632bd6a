/* One HTTPS GET on the event loop, as RFC 8461 3.3 wants an MTA-STS
 * policy fetched: numeric addresses tried in turn (no resolver here),
 * TLS with the certificate verified against the context's CA store and
 * for the host name (SNI sent), one request with "Connection: close",
 * the response read whole up to a size limit within a time limit. No
 * redirect is followed: a 3xx is just a status for the caller. */
#ifndef AMB_RELAY_HTTPS_H
#define AMB_RELAY_HTTPS_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "common/buf.h"

struct event_base;
struct https_get;

#define HTTPS_MAX_ADDRS 8

struct https_get_params {
	struct event_base *base;
	SSL_CTX *ctx;                /* its store verifies the server */
	const char *host;            /* for SNI, verification and Host: */
	const char *addrs[HTTPS_MAX_ADDRS];   /* numeric; connect in turn */
	size_t naddrs;
	unsigned port;
	const char *path;            /* "/..." */
	size_t max_body;             /* octets; a longer body is an error */
	unsigned timeout;            /* seconds for the whole fetch */
};

/* What came back; valid during the callback only. */
struct https_reply {
	const char *error;           /* NULL: a response, parsed */
	unsigned status;
	const char *ctype;           /* Content-Type ("" if none) */
	size_t ctype_len;
	const char *body;
	size_t body_len;
};

typedef void https_done_fn(void *arg, const struct https_reply *r);

/* A client context for these fetches: TLS 1.2 or later, the peer
 * verified against cas (shared, not copied). NULL with err set. */
SSL_CTX *https_ctx_new(X509_STORE *cas, struct buf *err);

/* Starts the fetch; done is called exactly once, later, from the event
 * loop (never from here), and the fetch is then gone. */
struct https_get *https_get_start(const struct https_get_params *p,
    https_done_fn *done, void *arg);
/* Stops a fetch under way without calling done. */
void https_get_cancel(struct https_get *g);

#endif
