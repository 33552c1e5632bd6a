/* The little HTTP/1.x a filter client (rspamd) and the relay's MTA-STS
 * policy fetch need, sans I/O: an http:// URL taken apart, and a whole
 * response (read until the server closed) taken apart. */
#ifndef AMB_FILTER_HTTP_H
#define AMB_FILTER_HTTP_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define HTTP_HOST_MAX 255

/* "http://HOST[:PORT][/PATH]" (HOST a name, IPv4 or [IPv6]); default
 * port 80; path "/" if none. False if it is not such a URL. */
bool http_url_parse(const char *url, char host[HTTP_HOST_MAX + 1],
    unsigned *port, struct buf *path);

struct http_response {
	unsigned status;          /* 100..599 */
	const char *body;         /* points into the parsed bytes */
	size_t body_len;
	const char *ctype;        /* Content-Type's value ("" if none) */
	size_t ctype_len;
	bool delimited;           /* by Content-Length or chunked: a body
	                           * cut short shows as malformed */
};

/* Parses a complete response: status line, header fields (folded lines
 * and bare LF tolerated), then a body of Content-Length octets, or
 * chunked, or everything to the end. False if it is malformed or
 * truncated. A chunked body is decoded into tmp (body points there).
 * Two different Content-Type fields are malformed too. */
bool http_response_parse(const char *p, size_t n, struct http_response *r,
    struct buf *tmp);

#endif
