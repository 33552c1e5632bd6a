/* Between client.c (account, requests) and order.c (the order's steps). */
#ifndef AMB_ACME_CLIENT_INT_H
#define AMB_ACME_CLIENT_INT_H
#include "acme/client.h"
#include "acme/http.h"
#include "acme/parse.h"

struct acme_conn {
	const struct acme_request *req;
	struct acme_http *http;
	struct acme_directory dir;
	struct acme_resp resp;
	char nonce[256];
	char kid[ACME_URL_MAX];
	char order_url[ACME_URL_MAX];
	struct acme_order *order;     /* large: on the heap */
};

/* A signed POST (payload NULL: POST-as-GET); false with the server's
 * problem, prefixed by what, in err. */
bool acme_post(struct acme_conn *c, const char *url, const char *payload,
    const char *what, struct buf *err);
/* newOrder through finalize, until the order is valid. */
bool acme_run_order(struct acme_conn *c, struct buf *err);

#endif
