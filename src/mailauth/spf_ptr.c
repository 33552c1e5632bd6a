/* The validated names of the client address (RFC 7208 5.5): the PTR names,
 * at most 10, whose A or AAAA records include the address. Errors only
 * make names unvalidated, never a temperror. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/xmalloc.h"
#include "mailauth/spf_int.h"
#include "mailauth/spf_macro.h"

void spf_ptr_clear(struct spf_ptr *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->names[i]);
	memset(p, 0, sizeof *p);
}

bool spf_ptr_ready(struct spf *s)
{
	if (s->ptr.state == SPF_PTR_DONE)
		return true;
	s->ptr.state = SPF_PTR_RUNNING;
	return false;
}

void spf_ptr_advance(struct spf *s)
{
	struct spf_ptr *p = &s->ptr;
	if (!p->asked) {
		struct buf name = BUF_INIT;
		spf_ip_ptr_name(&s->ip, &name);
		p->asked = true;
		spf_ask(s, SPF_W_PTR, SPF_QTYPE_PTR, name.data);
		buf_free(&name);
	} else if (p->i < p->n) {
		spf_ask(s, SPF_W_PTRADDR,
		    s->ip.family == AF_INET ? SPF_QTYPE_A : SPF_QTYPE_AAAA,
		    p->names[p->i]);
	} else {
		p->state = SPF_PTR_DONE;
	}
}

bool spf_rr_name(const struct authdns_rr *rr, struct buf *out)
{
	buf_reset(out);
	if (rr->data == NULL || rr->len > SPF_NAME_MAX + 1)
		return false;
	/* only printable names: they may end up in %{p} and in the
	 * explanation the SMTP reply carries */
	const unsigned char *p = rr->data;
	for (size_t i = 0; i < rr->len; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return false;
	buf_add(out, rr->data, rr->len);
	return spf_query_name(out);
}

bool spf_rr_has_ip(const struct spf *s, const struct authdns_rr *rr,
    size_t n, int cidr4, int cidr6)
{
	size_t want = s->ip.family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < n; i++) {
		if (rr[i].data == NULL || rr[i].len != want)
			continue;
		if (spf_ip_in(&s->ip, s->ip.family, rr[i].data,
		    s->ip.family == AF_INET ? cidr4 : cidr6))
			return true;
	}
	return false;
}

void spf_ptr_answer(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n)
{
	struct spf_ptr *p = &s->ptr;
	if (s->wait == SPF_W_PTRADDR) {
		if (rc == AUTHDNS_OK)
			p->valid[p->i] = spf_rr_has_ip(s, rr, n, 32, 128);
		p->i++;
		return;
	}
	if (rc != AUTHDNS_OK)
		return;
	struct buf name = BUF_INIT;
	for (size_t i = 0; i < n && i < SPF_MAX_NAMES; i++)
		if (spf_rr_name(&rr[i], &name))
			p->names[p->n++] = xstrdup(name.data);
	buf_free(&name);
}

/* name equals domain, or ends in "." domain (case-insensitive). */
static bool in_domain(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);
	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n < d || strncasecmp(name + n - d, domain, d) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

const char *spf_ptr_choose(const struct spf *s, const char *domain)
{
	const struct spf_ptr *p = &s->ptr;
	if (p->state != SPF_PTR_DONE)
		return NULL;
	const char *sub = NULL, *any = NULL;
	for (size_t i = 0; i < p->n; i++) {
		if (!p->valid[i])
			continue;
		if (strcasecmp(p->names[i], domain) == 0)
			return p->names[i];
		if (sub == NULL && in_domain(p->names[i], domain))
			sub = p->names[i];
		if (any == NULL)
			any = p->names[i];
	}
	return sub ? sub : any;
}

bool spf_ptr_match(const struct spf *s, const char *target)
{
	const struct spf_ptr *p = &s->ptr;
	for (size_t i = 0; i < p->n; i++)
		if (p->valid[i] && in_domain(p->names[i], target))
			return true;
	return false;
}
