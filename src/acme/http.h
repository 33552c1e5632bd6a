/* The HTTPS requests of an ACME conversation, on libcurl. */
#ifndef AMB_ACME_HTTP_H
#define AMB_ACME_HTTP_H
#include <stdbool.h>

#include "acme/parse.h"
#include "common/buf.h"

#define ACME_BODY_MAX (1024 * 1024)

struct acme_resp {
	long status;                  /* HTTP status */
	struct buf body;
	char nonce[256];              /* Replay-Nonce, "" if none */
	char location[ACME_URL_MAX];  /* Location, "" if none */
	bool problem;                 /* Content-Type application/problem+json */
	long retry_after;             /* seconds, 0 if absent */
};

struct acme_http;

/* ca_file: extra trust for the server's certificate (test servers), or
 * NULL for the system's. */
struct acme_http *acme_http_new(const char *ca_file);
void acme_http_free(struct acme_http *h);

/* GET (body NULL, head false), HEAD (head true) or POST of a JOSE body.
 * false with a one-line reason in err when no HTTP answer came. */
bool acme_http_do(struct acme_http *h, const char *url, const char *body,
    bool head, struct acme_resp *r, struct buf *err);

/* Reads one response header line into r (exposed for tests and fuzzing). */
void acme_http_header(struct acme_resp *r, const char *line, size_t len);

#endif
