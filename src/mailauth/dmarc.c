/* DMARC policy discovery (RFC 7489 6.6.3) and evaluation (6.6.2, 6.6.4). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mailauth/dmarc.h"

enum dmarc_state { DS_IDLE, DS_ASK_FROM, DS_WAIT, DS_ASK_ORG, DS_DONE };

struct dmarc {
	enum dmarc_state state;
	bool at_org;               /* asked the organisational domain */
	char *from, *org;
	struct buf qname;
	bool have_rec;
	struct dmarc_record rec;
	char *policy_domain;
	enum dmarc_result result;  /* NONE until discovery says otherwise */
};

struct dmarc *dmarc_new(void)
{
	return xcalloc(1, sizeof(struct dmarc));
}

static void dmarc_clear(struct dmarc *d)
{
	free(d->from);
	free(d->org);
	free(d->policy_domain);
	if (d->have_rec)
		dmarc_record_free(&d->rec);
	struct buf q = d->qname;
	memset(d, 0, sizeof *d);
	buf_reset(&q);
	d->qname = q;
}

void dmarc_free(struct dmarc *d)
{
	if (d == NULL)
		return;
	dmarc_clear(d);
	buf_free(&d->qname);
	free(d);
}

bool dmarc_start(struct dmarc *d, const char *from_domain)
{
	dmarc_clear(d);
	struct buf b = BUF_INIT;
	buf_addstr(&b, from_domain ? from_domain : "");
	if (b.len > 0 && b.data[b.len - 1] == '.')
		b.data[--b.len] = '\0';
	for (size_t i = 0; i < b.len; i++)
		b.data[i] = (char)tolower((unsigned char)b.data[i]);
	d->from = buf_detach(&b);
	buf_free(&b);
	if (!authdns_host_ok(d->from, 253 - sizeof "_dmarc")) {
		d->state = DS_DONE;
		return false;
	}
	dmarc_org_domain(d->from, &b);
	d->org = buf_detach(&b);
	d->state = DS_ASK_FROM;
	return true;
}

enum dmarc_status dmarc_step(struct dmarc *d, const char **name)
{
	if (d->state == DS_ASK_FROM || d->state == DS_ASK_ORG) {
		d->at_org = d->state == DS_ASK_ORG;
		buf_reset(&d->qname);
		buf_printf(&d->qname, "_dmarc.%s",
		    d->at_org ? d->org : d->from);
		d->state = DS_WAIT;
	}
	if (d->state != DS_WAIT)
		return DMARC_DONE;
	*name = buf_cstr(&d->qname);     /* asked again until answered */
	return DMARC_QUERY;
}

/* The one v=DMARC1 record among the TXT records: 0 none, 1 one, 2 many. */
static int select_record(const struct authdns_rr *rr, size_t n, size_t *which)
{
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		if (rr[i].data != NULL &&
		    dmarc_record_is_dmarc(rr[i].data, rr[i].len)) {
			if (found++ == 0)
				*which = i;
		}
	}
	return found > 1 ? 2 : found;
}

void dmarc_answer(struct dmarc *d, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n)
{
	if (d->state != DS_WAIT)
		return;
	d->state = DS_DONE;
	if (rc == AUTHDNS_TEMPFAIL) {
		d->result = DMARC_RESULT_TEMPERROR;
		return;
	}
	size_t which = 0;
	int sel = 0;
	if (rc == AUTHDNS_OK && rr != NULL)
		sel = select_record(rr, n, &which);
	if (sel == 0) {
		if (!d->at_org && strcmp(d->org, d->from) != 0)
			d->state = DS_ASK_ORG;
		return;                  /* else no policy: result none */
	}
	/* Several records or a broken one: no DMARC processing (6.6.3
	 * steps 5, 6), reported as permerror (11.2). */
	d->result = DMARC_RESULT_PERMERROR;
	struct buf err = BUF_INIT;
	if (sel == 1 &&
	    dmarc_record_parse(rr[which].data, rr[which].len, &d->rec, &err)) {
		d->have_rec = true;
		d->result = DMARC_RESULT_NONE;
		d->policy_domain = xstrdup(d->at_org ? d->org : d->from);
	}
	buf_free(&err);
}

const struct dmarc_record *dmarc_record(const struct dmarc *d)
{
	return d->have_rec ? &d->rec : NULL;
}

bool dmarc_aligned(const char *a, const char *b, bool strict)
{
	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return false;
	struct buf oa = BUF_INIT, ob = BUF_INIT;
	if (strict) {
		buf_addstr(&oa, a);
		buf_addstr(&ob, b);
		if (oa.len > 0 && oa.data[oa.len - 1] == '.')
			oa.data[--oa.len] = '\0';
		if (ob.len > 0 && ob.data[ob.len - 1] == '.')
			ob.data[--ob.len] = '\0';
	} else {
		dmarc_org_domain(a, &oa);
		dmarc_org_domain(b, &ob);
	}
	bool same = strcasecmp(buf_cstr(&oa), buf_cstr(&ob)) == 0;
	buf_free(&oa);
	buf_free(&ob);
	return same;
}

static enum dmarc_policy lower_policy(enum dmarc_policy p)
{
	return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE :
	    DMARC_POLICY_NONE;
}

void dmarc_evaluate(struct dmarc *d, const struct dmarc_auth *a,
    unsigned sample, struct dmarc_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->from_domain = d->from ? d->from : "";
	v->policy_domain = d->policy_domain ? d->policy_domain : "";
	v->result = d->result;
	if (!d->have_rec)
		return;                  /* none or temperror */
	const struct dmarc_record *r = &d->rec;
	/* a record found at the organisational domain governs a subdomain
	 * From with sp= (which defaults to p=) */
	v->policy = strcmp(d->policy_domain, d->from) != 0 ? r->sp : r->p;
	v->spf_aligned = a->spf == SPF_RESULT_PASS &&
	    dmarc_aligned(a->spf_domain, d->from, r->aspf_strict);
	for (size_t i = 0; i < a->ndkim && !v->dkim_aligned; i++)
		v->dkim_aligned = dmarc_aligned(a->dkim_domains[i], d->from,
		    r->adkim_strict);
	if (v->spf_aligned || v->dkim_aligned) {
		v->result = DMARC_RESULT_PASS;
		return;
	}
	v->result = DMARC_RESULT_FAIL;
	v->disposition = v->policy;
	if (sample >= r->pct && v->policy != DMARC_POLICY_NONE) {
		v->sampled_out = true;   /* 6.6.4: the next policy down */
		v->disposition = lower_policy(v->policy);
	}
}

const char *dmarc_result_name(enum dmarc_result r)
{
	static const char *const names[] = {
		[DMARC_RESULT_NONE] = "none", [DMARC_RESULT_PASS] = "pass",
		[DMARC_RESULT_FAIL] = "fail",
		[DMARC_RESULT_TEMPERROR] = "temperror",
		[DMARC_RESULT_PERMERROR] = "permerror",
	};
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "none";
}

const char *dmarc_policy_name(enum dmarc_policy p)
{
	return p == DMARC_POLICY_REJECT ? "reject" :
	    p == DMARC_POLICY_QUARANTINE ? "quarantine" : "none";
}
