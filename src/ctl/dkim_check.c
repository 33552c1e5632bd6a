/* mailboxctl dkim verify [FILE] [--key NAME=RECORD]...: prints the result
 * of every DKIM signature of a message. Keys come from --key (then nothing
 * is looked up: a name without one has no record) or from DNS. */
#include "ctl/dkim.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mailauth/dkim_verify.h"

#define MAX_KEYS 32

struct key_opts {
	const char *v[MAX_KEYS];
	size_t n;
};

/* The record given with --key for name, or NULL. */
static const char *given_key(const struct key_opts *ko, const char *name)
{
	size_t n = strlen(name);
	for (size_t k = 0; k < ko->n; k++) {
		const char *eq = strchr(ko->v[k], '=');
		size_t kn = (size_t)(eq - ko->v[k]);
		if (kn > 0 && ko->v[k][kn - 1] == '.')
			kn--;
		if (kn == n && strncasecmp(ko->v[k], name, n) == 0)
			return eq + 1;
	}
	return NULL;
}

static void answer_queries(struct dkim_verifier *v, const struct key_opts *ko,
    const char *resolver)
{
	for (size_t k = 0; k < dkim_verifier_nqueries(v); k++) {
		const char *name = dkim_verifier_query(v, k);
		const char *rec = given_key(ko, name);
		size_t len = rec ? strlen(rec) : 0;
		if (rec != NULL)
			dkim_verifier_txt(v, name, &rec, &len, 1);
		else if (ko->n > 0)
			dkim_verifier_dns_fail(v, name, DKIM_DNS_NXDOMAIN);
		else
			ctl_dkim_lookup(v, name, resolver);
	}
}

static void verify_body(const char *p, size_t n, void *arg)
{
	dkim_verifier_body(arg, p, n);
}

/* One line per signature; true if any passed. */
static bool print_results(struct dkim_verifier *v)
{
	const struct dkim_result_info *r;
	size_t n = dkim_verifier_finish(v, &r);
	bool pass = false;
	for (size_t k = 0; k < n; k++) {
		printf("dkim=%s header.d=%s header.s=%s header.a=%s header.b=%s",
		    dkim_result_name(r[k].result), r[k].domain[0] ? r[k].domain : "-",
		    r[k].selector[0] ? r[k].selector : "-",
		    r[k].algorithm[0] ? r[k].algorithm : "-",
		    r[k].header_b[0] ? r[k].header_b : "-");
		if (r[k].reason != NULL)
			printf(" (%s)", r[k].reason);
		printf("\n");
		pass |= r[k].result == DKIM_PASS;
	}
	if (n == 0)
		printf("dkim=none\n");
	return pass;
}

static bool parse_opts(int argc, char **argv, struct key_opts *ko,
    const char **file)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'k' || ko->n == MAX_KEYS || strchr(optarg, '=') == NULL ||
		    optarg[0] == '=')
			return false;
		ko->v[ko->n++] = optarg;
	}
	if (optind < argc - 1)
		return false;
	*file = optind < argc ? argv[optind] : NULL;
	return true;
}

int ctl_dkim_verify(struct ctl *ctl, int argc, char **argv)
{
	struct key_opts ko = { .n = 0 };
	const char *file = NULL;
	if (!parse_opts(argc, argv, &ko, &file))
		return ctl_usage(DKIM_USAGE);
	struct dkim_ctx c;
	struct ctl_msg m;
	int rc = 1;
	if (ctl_dkim_open(ctl, NULL, false, &c) && ctl_msg_open(file, &m)) {
		if (ctl_msg_header(&m)) {
			struct dkim_verifier *v = dkim_verifier_new(
			    m.hdr.data ? m.hdr.data : "", m.hdr.len, c.now);
			answer_queries(v, &ko, c.resolver.data ? c.resolver.data : "");
			if (ctl_msg_body(&m, verify_body, v))
				rc = print_results(v) ? 0 :
				    ctl_fail("dkim verify: no signature passed");
			dkim_verifier_free(v);
		}
		ctl_msg_close(&m);
	}
	ctl_dkim_close(&c);
	return rc;
}
