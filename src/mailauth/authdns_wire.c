/* DNS answers from libunbound's wire format to the engines' records. */
#include "mailauth/authdns.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/dns.h"
#include "common/xmalloc.h"

/* The record's text form into out; false if it does not parse. */
static bool record_text(int type, const unsigned char *p, size_t len,
    struct buf *out)
{
	char name[DNS_NAME_MAX + 2];
	size_t used;
	uint16_t pref;
	switch (type) {
	case DNS_T_TXT:
		return dns_parse_txt(p, len, out);
	case DNS_T_MX:
		if (!dns_parse_mx(p, len, &pref, name, sizeof name))
			return false;
		buf_addstr(out, name);
		return true;
	case DNS_T_PTR:
		if (!dns_parse_name(p, len, name, sizeof name, &used) || used != len)
			return false;
		buf_addstr(out, name);
		return true;
	case DNS_T_A:
	case DNS_T_AAAA:
		if (len != (type == DNS_T_A ? 4u : 16u))
			return false;
		buf_add(out, p, len);
		return true;
	default:
		return false;
	}
}

void authdns_answer_from(struct authdns_answer *out, int type,
    const struct dns_answer *a)
{
	memset(out, 0, sizeof *out);
	out->rc = a->status == DNS_NXDOMAIN ? AUTHDNS_NXDOMAIN :
	    a->status == DNS_TEMPFAIL ? AUTHDNS_TEMPFAIL : AUTHDNS_OK;
	if (a->status != DNS_OK || a->n == 0)
		return;
	out->rr = xcalloc(a->n, sizeof *out->rr);
	out->owned = xcalloc(a->n, sizeof *out->owned);
	for (size_t i = 0; i < a->n; i++) {
		struct buf b = BUF_INIT;
		if (!record_text(type, a->rdata[i], a->len[i], &b)) {
			buf_free(&b);
			continue;
		}
		out->rr[out->n].len = b.len;
		out->owned[out->n] = b.data ? b.data : xstrdup("");
		out->rr[out->n].data = out->owned[out->n];
		out->n++;
	}
}

void authdns_answer_free(struct authdns_answer *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->rr);
	memset(a, 0, sizeof *a);
}
