/* SPF records and macros: parsing never crashes, expansion stays within
 * its bound, and a whole check over a zone where every name publishes
 * the fuzzed record ends within the lookup limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "mailauth/spf.h"
#include "mailauth/spf_macro.h"
#include "mailauth/spf_record.h"

static void expand(const struct spf_macro_env *env, const char *s, bool exp)
{
	struct buf out = BUF_INIT;
	if (spf_macro_expand(env, s, strlen(s), exp, &out) &&
	    out.len > SPF_MACRO_MAX_OUT)
		abort();
	if (spf_query_name(&out) && out.len > SPF_NAME_MAX)
		abort();
	buf_free(&out);
}

static void parse_and_expand(const uint8_t *data, size_t size)
{
	struct spf_ip ip;
	spf_ip_parse("2001:db8::1", &ip);
	struct spf_macro_env env = { .sender = "a-b.c+d@example.com",
		.local = "a-b.c+d", .sender_domain = "example.com",
		.domain = "sub.example.com", .helo = "h.example.net",
		.validated = "p.example.com", .ip = &ip, .now = 1 };
	struct spf_record rec;
	struct buf err = BUF_INIT;
	if (spf_record_parse((const char *)data, size, &rec, &err)) {
		for (size_t i = 0; i < rec.nterms; i++)
			if (rec.terms[i].spec != NULL)
				expand(&env, rec.terms[i].spec, false);
		if (rec.redirect != NULL)
			expand(&env, rec.redirect, false);
		if (rec.exp != NULL)
			expand(&env, rec.exp, false);
		spf_record_free(&rec);
	} else if (err.len == 0) {
		abort();
	}
	buf_free(&err);
	struct buf out = BUF_INIT;
	spf_macro_expand(&env, (const char *)data, size, true, &out);
	spf_domain_spec_valid((const char *)data, size);
	buf_free(&out);
}

/* Every TXT query returns the input; every name has one address and one
 * MX; PTR points back into the zone. The input's bytes also pick which
 * answers are NXDOMAIN, empty or temporary failures. */
static void run_check(const uint8_t *data, size_t size)
{
	static const unsigned char addr[4] = { 192, 0, 2, 1 };
	struct spf *s = spf_new();
	spf_start(s, size % 2 ? "192.0.2.1" : "192.0.2.9", "u@example.com",
	    "h.example.net");
	struct spf_query q;
	size_t steps = 0;
	while (spf_step(s, &q) == SPF_QUERY) {
		struct authdns_rr rr = { NULL, 0 };
		switch (q.type) {
		case SPF_QTYPE_TXT: rr = (struct authdns_rr){ data, size }; break;
		case SPF_QTYPE_A:   rr = (struct authdns_rr){ addr, 4 }; break;
		case SPF_QTYPE_MX:
			rr = (struct authdns_rr){ "mx.example.com", 14 };
			break;
		case SPF_QTYPE_PTR:
			rr = (struct authdns_rr){ "example.com", 11 };
			break;
		default:
			break;
		}
		unsigned pick = size > 0 ? data[steps % size] >> 6 : 0;
		if (steps == 0 || pick == 0 || q.type == SPF_QTYPE_TXT)
			spf_answer(s, AUTHDNS_OK, &rr, 1);
		else if (pick == 1)
			spf_answer(s, AUTHDNS_NXDOMAIN, NULL, 0);
		else if (pick == 2)
			spf_answer(s, AUTHDNS_OK, NULL, 0);
		else
			spf_answer(s, AUTHDNS_TEMPFAIL, NULL, 0);
		if (++steps > 400)
			abort();        /* limits must end every check */
	}
	if (spf_result(s) > SPF_RESULT_PERMERROR)
		abort();
	const char *e = spf_explanation(s);
	if (e != NULL && (strlen(e) > 400 || strpbrk(e, "\r\n") != NULL))
		abort();
	spf_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_and_expand(data, size);
	run_check(data, size);
	return 0;
}
