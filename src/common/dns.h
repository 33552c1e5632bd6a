/* DNS through libunbound: a resolver context honouring the `resolver`
 * setting (IP[:PORT], "[IPv6]:PORT", or "" for the system's), used
 * synchronously by tools and asynchronously on a libevent base by the
 * daemon; and parsers of the record data libunbound hands back (wire
 * format, names uncompressed). */
#ifndef AMB_DNS_H
#define AMB_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define DNS_T_A     1
#define DNS_T_CNAME 5
#define DNS_T_PTR   12
#define DNS_T_MX    15
#define DNS_T_TXT   16
#define DNS_T_AAAA  28
#define DNS_T_SRV   33
#define DNS_T_TLSA  52

#define DNS_NAME_MAX 253    /* dotted text, without the final dot */

struct ub_ctx;
struct event_base;

/* A libunbound context forwarding to resolver (or using resolv.conf when
 * it is ""). A configured resolver may be on loopback and answers for
 * the special-use names too (test., example., ...: RFC 6761), so tests
 * can serve their own zones. Trust anchors are read from the file
 * anchors (zone format) when it exists, so answers can be DNSSEC-secure;
 * NULL or a missing file: nothing is validated. NULL with a reason in
 * err. */
struct ub_ctx *dns_ub_ctx_new(const char *resolver, const char *anchors,
    struct buf *err);

enum dns_status {
	DNS_OK,          /* records (n > 0) */
	DNS_NODATA,      /* the name exists, but not with this type */
	DNS_NXDOMAIN,    /* no such name */
	DNS_TEMPFAIL,    /* SERVFAIL, timeout, bogus DNSSEC, ... */
};

struct dns_answer {
	enum dns_status status;
	bool secure;                       /* DNSSEC-validated */
	size_t n;
	const unsigned char *const *rdata; /* n records, wire format */
	const size_t *len;
};

typedef void dns_cb(void *arg, const struct dns_answer *a);

/* A blocking query on a context from dns_ub_ctx_new (for tools): cb runs
 * before this returns, exactly once. */
void dns_resolve(struct ub_ctx *ctx, const char *name, int type, dns_cb *cb,
    void *arg);

/* Asynchronous queries on an event base. */
struct dns;

struct dns *dns_new(struct event_base *base, const char *resolver,
    const char *anchors, struct buf *err);
/* Pending callbacks are not called. */
void dns_free(struct dns *d);
/* Asks for name (ASCII, trailing dot optional) and type; cb runs later,
 * on the event loop, exactly once (unless dns_free comes first). False
 * (cb never called) if the query could not start. */
bool dns_query(struct dns *d, const char *name, int type, dns_cb *cb,
    void *arg);

/* Record data parsers: false on malformed data. */
/* A domain name in wire format at p[0..len) into dotted text ("" for the
 * root); *used is how many octets it took. */
bool dns_parse_name(const unsigned char *p, size_t len, char *out,
    size_t outlen, size_t *used);
bool dns_parse_mx(const unsigned char *p, size_t len, uint16_t *pref,
    char *host, size_t hostlen);
/* A or AAAA rdata as text. */
bool dns_parse_addr(int type, const unsigned char *p, size_t len, char *out,
    size_t outlen);
/* TXT: the character strings joined. */
bool dns_parse_txt(const unsigned char *p, size_t len, struct buf *out);
struct dns_tlsa {
	uint8_t usage, selector, mtype;
	const unsigned char *data;
	size_t len;
};
bool dns_parse_tlsa(const unsigned char *p, size_t len, struct dns_tlsa *t);
/* SRV (RFC 2782): target "" is the root ("service not offered"). */
struct dns_srv {
	uint16_t priority, weight, port;
	char target[DNS_NAME_MAX + 1];
};
bool dns_parse_srv(const unsigned char *p, size_t len, struct dns_srv *s);

#endif
