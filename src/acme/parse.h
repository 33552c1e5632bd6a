/* Reading the ACME server's JSON (RFC 8555 7.1): the directory, orders,
 * authorizations and problem documents. Sans I/O: bytes in, plain
 * structs out. Anything missing, of the wrong type, overlong or not
 * https/http is refused rather than guessed. */
#ifndef AMB_ACME_PARSE_H
#define AMB_ACME_PARSE_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define ACME_MAX_NAMES 100    /* identifiers per order (Let's Encrypt's limit) */
#define ACME_URL_MAX   1024
#define ACME_TOKEN_MAX 256

struct acme_directory {
	char new_nonce[ACME_URL_MAX];
	char new_account[ACME_URL_MAX];
	char new_order[ACME_URL_MAX];
};

enum acme_status { ACME_PENDING, ACME_READY, ACME_PROCESSING, ACME_VALID,
	ACME_INVALID, ACME_OTHER };

struct acme_order {
	enum acme_status status;
	unsigned nauthz;
	char authz[ACME_MAX_NAMES][ACME_URL_MAX];
	char finalize[ACME_URL_MAX];
	char certificate[ACME_URL_MAX];    /* "" until valid */
	struct buf error;                  /* problem text if the order failed */
};

struct acme_challenge {
	char url[ACME_URL_MAX];
	char token[ACME_TOKEN_MAX];        /* base64url characters only */
	enum acme_status status;
};

struct acme_authz {
	enum acme_status status;
	char name[256];                    /* the dns identifier, lower case */
	bool wildcard;
	struct acme_challenge http01, tlsalpn01;   /* url "" if not offered */
	struct buf error;                  /* the failed challenge's problem */
};

/* RFC 7807 problem document: "type: detail", the type without the
 * urn:ietf:params:acme:error: prefix; subproblems are appended. */
bool acme_parse_problem(const char *json, size_t len, struct buf *out);
bool acme_parse_directory(const char *json, size_t len,
    struct acme_directory *d, struct buf *err);
/* order and authz must be zeroed (or previously parsed); their error
 * buffers are reset, not freed. */
bool acme_parse_order(const char *json, size_t len, struct acme_order *o,
    struct buf *err);
bool acme_parse_authz(const char *json, size_t len, struct acme_authz *a,
    struct buf *err);
/* The short type of a problem ("badNonce", "rateLimited"), from the
 * text acme_parse_problem made. */
bool acme_problem_is(const char *problem, const char *type);

#endif
