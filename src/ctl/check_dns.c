/* The records of `mailboxctl dns` as the configured resolver sees them.
 * A record counts as published when an answer equals ours (TXT compared
 * without white space, MX without the preference, SRV without priority
 * and weight; TXT answers of another kind, e.g. another "v=" tag at the
 * same name, are not ours to judge). Missing: FAIL for what
 * mail needs (MX, address, SPF, DKIM, DMARC), WARN for the rest. Present
 * but different: FAIL. */
#include "ctl/check.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/str.h"

/* The leading tag of a TXT record ("v=spf1", "v=DKIM1"): up to ';' or
 * white space. */
static size_t txt_tag(const char *s)
{
	return strcspn(s, "; \t");
}

static bool same_kind(const struct dnsrec *want, const char *got)
{
	if (want->type != DNS_T_TXT)
		return true;
	size_t n = txt_tag(want->data);
	return txt_tag(got) == n && strncasecmp(want->data, got, n) == 0;
}

static void squeeze(const char *s, struct buf *out)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			buf_addch(out, *s);
}

/* What must match: an MX's preference, and an SRV's priority and weight,
 * are the zone owner's to choose. */
static const char *significant(int type, const char *data)
{
	int skip = type == DNS_T_MX ? 1 : type == DNS_T_SRV ? 2 : 0;
	for (; skip > 0 && strchr(data, ' ') != NULL; skip--)
		data = strchr(data, ' ') + 1;
	return data;
}

static bool same_data(const struct dnsrec *want, const char *got)
{
	if (want->type != DNS_T_TXT)
		return str_eq_nocase(significant(want->type, want->data),
		    significant(want->type, got));
	struct buf a = BUF_INIT, b = BUF_INIT;
	squeeze(want->data, &a);
	squeeze(got, &b);
	bool same = strcmp(buf_cstr(&a), buf_cstr(&b)) == 0;
	buf_free(&a);
	buf_free(&b);
	return same;
}

/* Another SPF record than ours (want) is fine if it passes our
 * addresses. */
static bool spf_passes(const struct ctl_zone *z, const struct dnsrec *want,
    const char *got, struct check_report *r)
{
	if (z->addrs.n == 0)
		return false;
	for (size_t i = 0; i < z->addrs.n; i++) {
		enum spf_result res = check_spf_for(z, z->addrs.v[i], want->name);
		if (res != SPF_RESULT_PASS) {
			check_line(r, CHECK_FAIL, "dns TXT %s: published \"%s\", which "
			    "gives %s for %s (expected \"%s\")", want->name, got,
			    spf_result_name(res), z->addrs.v[i], want->data);
			return true;
		}
	}
	check_line(r, CHECK_OK, "dns TXT %s: %s (passes for our addresses)",
	    want->name, got);
	return true;
}

static void check_one(const struct ctl_zone *z, const struct dnsrec *want,
    struct check_report *r)
{
	struct dnsrecs got = { 0 };
	const char *type = dnsrec_type_name(want->type);
	enum dnsq_status st = dnsq_lookup(z->ub, want->name, want->type, &got);
	const char *other = NULL;
	bool found = false;
	size_t kind = 0;
	for (size_t i = 0; i < got.n; i++) {
		if (!same_kind(want, got.v[i].data))
			continue;
		kind++;
		found = found || same_data(want, got.v[i].data);
		if (other == NULL)
			other = got.v[i].data;
	}
	bool spf = want->type == DNS_T_TXT && strncasecmp(want->data, "v=spf1 ", 7) == 0;
	if (spf && kind > 1)
		check_line(r, CHECK_FAIL, "dns TXT %s: %zu SPF records published; "
		    "receivers treat that as an error (RFC 7208 4.5)", want->name, kind);
	else if (st == DNSQ_FAIL)
		check_line(r, CHECK_FAIL, "dns %s %s: lookup failed (resolver %s)",
		    type, want->name, *config_str(z->cfg, "resolver") ?
		    config_str(z->cfg, "resolver") : "of the system");
	else if (found)
		check_line(r, CHECK_OK, "dns %s %s: %s", type, want->name, want->data);
	else if (spf && other != NULL && spf_passes(z, want, other, r))
		;
	else if (other != NULL)
		check_line(r, CHECK_FAIL, "dns %s %s: published \"%s\", expected \"%s\"",
		    type, want->name, other, want->data);
	else
		check_line(r, want->required ? CHECK_FAIL : CHECK_WARN,
		    "dns %s %s: not published (expected \"%s\")", type, want->name,
		    want->data);
	dnsrecs_free(&got);
}

/* One question first: a resolver that does not answer it would make
 * every check wait for its time-out. */
static bool resolver_answers(const struct ctl_zone *z, struct check_report *r)
{
	struct dnsrecs got = { 0 };
	const char *resolver = config_str(z->cfg, "resolver");
	bool ok = dnsq_lookup(z->ub, config_str(z->cfg, "hostname"), DNS_T_A,
	    &got) != DNSQ_FAIL;
	if (!ok)
		check_line(r, CHECK_FAIL, "dns: resolver %s does not answer; "
		    "records not checked", *resolver ? resolver : "of the system");
	dnsrecs_free(&got);
	return ok;
}

void check_records(const struct ctl_zone *z, struct check_report *r)
{
	if (!resolver_answers(z, r))
		return;
	for (size_t i = 0; i < z->recs.n; i++)
		check_one(z, &z->recs.v[i], r);
	const char *d = z->domains.data;
	for (size_t k = 0; k < z->ndomains; k++, d += strlen(d) + 1)
		if (!z->has_dkim[k])
			check_line(r, CHECK_FAIL, "dkim %s: no keys (mailboxctl dkim "
			    "keygen %s)", d, d);
}

void check_reverse(const struct ctl_zone *z, struct check_report *r)
{
	const char *host = config_str(z->cfg, "hostname");
	if (z->addrs.n == 0) {
		check_line(r, CHECK_FAIL, "address %s: no A or AAAA record, and "
		    "public_ipv4 and public_ipv6 are unset", host);
		return;
	}
	for (size_t i = 0; i < z->addrs.n; i++) {
		const char *addr = z->addrs.v[i];
		struct buf rev = BUF_INIT, want = BUF_INIT;
		struct dnsrecs got = { 0 };
		dnsrec_reverse_name(addr, &rev);
		buf_printf(&want, "%s.", host);
		enum dnsq_status st = dnsq_lookup(z->ub, rev.data, DNS_T_PTR, &got);
		bool found = false;
		for (size_t k = 0; k < got.n; k++)
			found = found || str_eq_nocase(got.v[k].data, want.data);
		if (st == DNSQ_FAIL)
			check_line(r, CHECK_FAIL, "reverse dns %s: lookup failed", addr);
		else if (found)
			check_line(r, CHECK_OK, "reverse dns %s: %s", addr, host);
		else if (got.n > 0)
			check_line(r, CHECK_FAIL, "reverse dns %s: names %s, not %s "
			    "(receivers distrust mail from such hosts)", addr,
			    got.v[0].data, want.data);
		else
			check_line(r, CHECK_FAIL, "reverse dns %s: no PTR record "
			    "(expected %s)", addr, want.data);
		dnsrecs_free(&got);
		buf_free(&rev);
		buf_free(&want);
	}
}
