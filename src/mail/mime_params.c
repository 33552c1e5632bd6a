/* RFC 2231 parameter merging: "name*0*=utf-8''a; name*1=b" becomes one
 * parameter "name" with a UTF-8 value; plain parameters pass through. */
#include "mail/mime_params.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mail/encwords.h"

void raw_param_name(const char *name, size_t n, struct raw_param *rp)
{
	rp->section = -1;
	rp->extended = false;
	if (n > 1 && name[n - 1] == '*') {
		rp->extended = true;
		n--;
	}
	const char *star = memchr(name, '*', n);
	if (star != NULL) {
		size_t digits = n - (size_t)(star + 1 - name);
		int v = 0;
		bool ok = digits > 0 && digits <= 3;
		for (size_t i = 0; ok && i < digits; i++) {
			char c = star[1 + i];
			ok = c >= '0' && c <= '9';
			v = v * 10 + (c - '0');
		}
		if (ok) {
			rp->section = v;
			n = (size_t)(star - name);
		}
	}
	rp->base = xstrndup(name, n);
}

static bool same_base(const struct raw_param *a, const struct raw_param *b)
{
	return strcasecmp(a->base, b->base) == 0;
}

/* Joins the sections 0, 1, 2... of raw[first]'s name, stopping at a gap. */
static char *join_sections(const struct raw_param *raw, size_t nraw,
    size_t first)
{
	struct rfc2231_seg segs[RFC2231_MAX_SECTIONS];
	size_t nsegs = 0;
	for (int want = 0; want < RFC2231_MAX_SECTIONS; want++) {
		size_t k;
		for (k = first; k < nraw; k++)
			if (raw[k].section == want && same_base(&raw[k], &raw[first]))
				break;
		if (k == nraw)
			break;
		segs[nsegs].s = raw[k].value;
		segs[nsegs].n = strlen(raw[k].value);
		segs[nsegs].extended = raw[k].extended;
		nsegs++;
	}
	struct buf out = BUF_INIT;
	rfc2231_join(segs, nsegs, &out);
	return buf_detach(&out);
}

/* Value for the parameter first named at raw[first]: RFC 2231 forms win
 * over a plain one of the same name (RFC 2231 4). */
static char *merged_value(const struct raw_param *raw, size_t nraw,
    size_t first)
{
	for (size_t k = first; k < nraw; k++) {
		if (!same_base(&raw[k], &raw[first]))
			continue;
		if (raw[k].section >= 0)
			return join_sections(raw, nraw, first);
		if (raw[k].extended) {
			struct rfc2231_seg seg = { raw[k].value,
			    strlen(raw[k].value), true };
			struct buf out = BUF_INIT;
			rfc2231_join(&seg, 1, &out);
			return buf_detach(&out);
		}
	}
	return xstrdup(raw[first].value);
}

static bool seen_before(const struct raw_param *raw, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (same_base(&raw[j], &raw[k]))
			return true;
	return false;
}

void mime_params_merge(struct raw_param *raw, size_t nraw,
    struct mime_ctype *ct)
{
	ct->params = nraw ? xcalloc(nraw, sizeof(*ct->params)) : NULL;
	for (size_t k = 0; k < nraw; k++) {
		if (seen_before(raw, k) || ct->nparams >= MIME_MAX_PARAMS)
			continue;
		struct mime_param *p = &ct->params[ct->nparams++];
		p->name = xstrdup(raw[k].base);
		p->value = merged_value(raw, nraw, k);
	}
	for (size_t k = 0; k < nraw; k++) {
		free(raw[k].base);
		free(raw[k].value);
	}
}
