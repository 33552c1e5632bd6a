/* The record list, its zone-file form, and blocking lookups that give
 * answers in the same form (see dnsrec.h). */
#include "ctl/dnsrec.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <unbound.h>

#include "common/dns.h"
#include "common/xmalloc.h"

#define TXT_STRING_MAX 255
#define RCODE_NXDOMAIN 3

void dnsrecs_add(struct dnsrecs *r, const char *name, int type,
    bool required, const char *data)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n++] = (struct dnsrec){ xstrdup(name), type, xstrdup(data),
	    required };
}

void dnsrecs_free(struct dnsrecs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].data);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}

const char *dnsrec_type_name(int type)
{
	switch (type) {
	case DNS_T_A:     return "A";
	case DNS_T_AAAA:  return "AAAA";
	case DNS_T_MX:    return "MX";
	case DNS_T_TXT:   return "TXT";
	case DNS_T_SRV:   return "SRV";
	case DNS_T_CNAME: return "CNAME";
	case DNS_T_PTR:   return "PTR";
	default:          return "?";
	}
}

/* Quoted strings of at most 255 octets; '"' and '\' escaped. */
static void print_txt(FILE *f, const char *text)
{
	size_t len = strlen(text);
	fputc('(', f);
	for (size_t off = 0; off < len || off == 0; off += TXT_STRING_MAX) {
		size_t n = len - off < TXT_STRING_MAX ? len - off : TXT_STRING_MAX;
		fputs(" \"", f);
		for (size_t k = 0; k < n; k++) {
			char c = text[off + k];
			if (c == '"' || c == '\\')
				fputc('\\', f);
			fputc(c, f);
		}
		fputc('"', f);
		if (len == 0)
			break;
	}
	fputs(" )", f);
}

void dnsrec_print(FILE *f, const struct dnsrec *rec)
{
	fprintf(f, "%s. IN %s ", rec->name, dnsrec_type_name(rec->type));
	if (rec->type == DNS_T_TXT)
		print_txt(f, rec->data);
	else
		fputs(rec->data, f);
	fputc('\n', f);
}

static void add_name(struct buf *out, const char *name)
{
	buf_printf(out, "%s.", name);
}

bool dnsrec_from_rdata(int type, const unsigned char *p, size_t len,
    struct buf *out)
{
	char host[DNS_NAME_MAX + 1];
	uint16_t pref;
	size_t used;
	struct dns_srv srv;
	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (!dns_parse_addr(type, p, len, host, sizeof host))
			return false;
		buf_addstr(out, host);
		return true;
	case DNS_T_MX:
		if (!dns_parse_mx(p, len, &pref, host, sizeof host))
			return false;
		buf_printf(out, "%u ", pref);
		add_name(out, host);
		return true;
	case DNS_T_TXT:
		return dns_parse_txt(p, len, out);
	case DNS_T_SRV:
		if (!dns_parse_srv(p, len, &srv))
			return false;
		buf_printf(out, "%u %u %u ", srv.priority, srv.weight, srv.port);
		add_name(out, srv.target);
		return true;
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (!dns_parse_name(p, len, host, sizeof host, &used) || used != len)
			return false;
		add_name(out, host);
		return true;
	default:
		return false;
	}
}

struct dnsq_wait {
	bool done;
	int err;
	struct ub_result *res;
};

static void dnsq_done(void *arg, int err, struct ub_result *res)
{
	struct dnsq_wait *w = arg;
	w->done = true;
	w->err = err;
	w->res = res;
}

/* ub_resolve without its own limit would retry a silent resolver for a
 * minute and more: ask asynchronously and give up after DNSQ_TIMEOUT_S. */
static struct ub_result *resolve_within(struct ub_ctx *ctx, const char *name,
    int type)
{
	struct dnsq_wait w = { false, 0, NULL };
	int id;
	if (ub_resolve_async(ctx, name, type, 1, &w, dnsq_done, &id) != 0)
		return NULL;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!w.done) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = DNSQ_TIMEOUT_S * 1000L - ((now.tv_sec - start.tv_sec) *
		    1000L + (now.tv_nsec - start.tv_nsec) / 1000000L);
		struct pollfd p = { ub_fd(ctx), POLLIN, 0 };
		if (left <= 0 || (poll(&p, 1, (int)left) < 0 && errno != EINTR)) {
			ub_cancel(ctx, id);
			return NULL;
		}
		if (ub_process(ctx) != 0) {
			ub_cancel(ctx, id);
			return NULL;
		}
	}
	if (w.err != 0) {
		ub_resolve_free(w.res);
		return NULL;
	}
	return w.res;
}

enum dnsq_status dnsq_lookup(struct ub_ctx *ctx, const char *name, int type,
    struct dnsrecs *out)
{
	struct ub_result *res = ctx ? resolve_within(ctx, name, type) : NULL;
	enum dnsq_status st = DNSQ_FAIL;
	if (res == NULL || (res->rcode != 0 && res->rcode != RCODE_NXDOMAIN)) {
		st = DNSQ_FAIL;
	} else if (!res->havedata) {
		st = DNSQ_NONE;
	} else {
		st = DNSQ_OK;
		for (size_t k = 0; res->data[k] != NULL; k++) {
			struct buf d = BUF_INIT;
			if (dnsrec_from_rdata(type, (const unsigned char *)res->data[k],
			    (size_t)res->len[k], &d))
				dnsrecs_add(out, name, type, false, buf_cstr(&d));
			buf_free(&d);
		}
	}
	ub_resolve_free(res);
	return st;
}

bool dnsrec_reverse_name(const char *addr, struct buf *out)
{
	unsigned char b[16];
	static const char hex[] = "0123456789abcdef";
	if (inet_pton(AF_INET, addr, b) == 1) {
		buf_printf(out, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return true;
	}
	if (inet_pton(AF_INET6, addr, b) != 1)
		return false;
	for (int i = 15; i >= 0; i--)
		buf_printf(out, "%c.%c.", hex[b[i] & 0xf], hex[b[i] >> 4]);
	buf_addstr(out, "ip6.arpa");
	return true;
}
