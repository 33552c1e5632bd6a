/* DMARC records: parsing never crashes and keeps its bounds; the input as
 * a From domain and as a TXT answer goes through discovery safely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mailauth/dmarc.h"

static void parse(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	struct buf err = BUF_INIT;
	if (dmarc_record_parse((const char *)data, size, &r, &err)) {
		if (r.pct > 100 || r.nrua > DMARC_MAX_URIS ||
		    r.nruf > DMARC_MAX_URIS || r.p > DMARC_POLICY_REJECT)
			abort();
		for (size_t i = 0; i < r.nrua; i++)
			if (strchr(r.rua[i], ' ') || strchr(r.rua[i], ','))
				abort();
		dmarc_record_free(&r);
	} else if (err.len == 0) {
		abort();
	}
	buf_free(&err);
}

static void discover(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct buf org = BUF_INIT;
	dmarc_org_domain(s, &org);
	if (org.len > strlen(s))
		abort();
	dmarc_aligned(s, "example.com", false);
	buf_free(&org);
	struct dmarc *d = dmarc_new();
	dmarc_start(d, size % 2 ? s : "mail.example.com");
	const char *name;
	int rounds = 0;
	while (dmarc_step(d, &name) == DMARC_QUERY) {
		struct authdns_rr rr = { data, size };
		dmarc_answer(d, AUTHDNS_OK, &rr, 1);
		if (++rounds > 2)
			abort();            /* From domain, then org domain */
	}
	const char *doms[1] = { s };
	struct dmarc_auth a = { SPF_RESULT_PASS, s, doms, 1 };
	struct dmarc_verdict v;
	dmarc_evaluate(d, &a, (unsigned)(size % 100), &v);
	dmarc_free(d);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse(data, size);
	discover(data, size);
	return 0;
}
