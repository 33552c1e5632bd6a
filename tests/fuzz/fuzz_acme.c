/* ACME response parsing: the directory, orders, authorizations, problem
 * documents, response header lines and HTTP-01 request lines never
 * crash, and what they accept is well-formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/challenge.h"
#include "acme/http.h"
#include "acme/parse.h"

static void check_url(const char *u)
{
	if (u[0] && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		abort();
}

static void parse_all(const char *p, size_t n)
{
	static struct acme_order order;
	struct acme_directory d;
	struct acme_authz a;
	struct buf err = BUF_INIT, prob = BUF_INIT;
	memset(&a, 0, sizeof a);
	if (acme_parse_directory(p, n, &d, &err))
		check_url(d.new_order);
	if (acme_parse_order(p, n, &order, &err)) {
		if (order.nauthz > ACME_MAX_NAMES)
			abort();
		check_url(order.finalize);
		check_url(order.certificate);
	}
	if (acme_parse_authz(p, n, &a, &err) && (strchr(a.name, '/') ||
	    strchr(a.http01.token, '/') || strchr(a.tlsalpn01.token, '.')))
		abort();
	acme_parse_problem(p, n, &prob);
	for (size_t i = 0; i < prob.len; i++)
		if ((unsigned char)prob.data[i] < 0x20 || (unsigned char)prob.data[i] >= 0x7f)
			abort();
	buf_free(&a.error);
	buf_free(&order.error);
	memset(&order, 0, sizeof order);
	buf_free(&err);
	buf_free(&prob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	parse_all(p, size);
	struct acme_resp r;
	memset(&r, 0, sizeof r);
	acme_http_header(&r, p, size);
	if (strlen(r.nonce) >= sizeof r.nonce || strlen(r.location) >= sizeof r.location)
		abort();
	char tok[64];
	if (acme_http01_request(p, size, tok, sizeof tok) == 1 &&
	    strspn(tok, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
	    != strlen(tok))
		abort();
	return 0;
}
