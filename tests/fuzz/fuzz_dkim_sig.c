/* DKIM-Signature tag parser and key record parser; the streaming body
 * canonicaliser (pieces give the same hash as the whole); and the whole
 * verifier over the input as a message, answered with the input's last
 * line as key record. Checks the invariants the callers rely on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"
#include "mailauth/dkim_canon.h"
#include "mailauth/dkim_key.h"
#include "mailauth/dkim_sig.h"
#include "mailauth/dkim_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sig(const char *p, size_t n)
{
	struct dkim_sig sig;
	const char *why = NULL;
	if (dkim_sig_parse(p, n, &sig, &why) == DKIM_SIG_OK) {
		if (sig.nh == 0 || sig.nh > DKIM_SIG_MAX_H || sig.b_len == 0 ||
		    sig.b_off + sig.b_val_len > n ||
		    !dkim_valid_dname(sig.d, strlen(sig.d)))
			abort();
	} else if (why == NULL) {
		abort();
	}
	dkim_sig_clear(&sig);
}

static void check_key(const char *p, size_t n)
{
	struct dkim_key key;
	const char *why = NULL;
	if (dkim_key_parse(p, n, &key, &why)) {
		if (key.pkey == NULL)
			abort();
		dkim_key_clear(&key);
	} else if (why == NULL) {
		abort();
	}
}

static void check_verifier(const char *m, size_t n)
{
	struct msg_split sp;
	msg_split(m, n, &sp);
	struct dkim_verifier *v = dkim_verifier_new(m, sp.hdr_len, 1700000000);
	const char *last = memrchr(m, '\n', n);
	const char *rec = last ? last + 1 : m;
	size_t rlen = (size_t)(m + n - rec);
	for (size_t k = 0; k < dkim_verifier_nqueries(v); k++)
		dkim_verifier_txt(v, dkim_verifier_query(v, k), &rec, &rlen, 1);
	dkim_verifier_body(v, m + sp.body_off, n - sp.body_off);
	const struct dkim_result_info *r;
	size_t ns = dkim_verifier_finish(v, &r);
	for (size_t k = 0; k < ns; k++)
		if (r[k].result > DKIM_TEMPERROR || r[k].domain == NULL ||
		    (r[k].result != DKIM_PASS && r[k].reason == NULL))
			abort();
	dkim_verifier_free(v);
}

static void body_hash(enum dkim_canon c, const char *p, size_t n,
    size_t step, uint64_t limit, unsigned char *d, uint64_t *total)
{
	struct dkim_body b;
	unsigned dl;
	if (!dkim_body_init(&b, c, EVP_sha256(), limit))
		abort();
	for (size_t off = 0; off < n; off += step)
		dkim_body_feed(&b, p + off, n - off < step ? n - off : step);
	if (!dkim_body_final(&b, d, &dl, total) || dl != 32)
		abort();
	dkim_body_free(&b);
}

static void check_body(const char *p, size_t n)
{
	for (int c = 0; c < 2; c++) {
		unsigned char d1[EVP_MAX_MD_SIZE], d2[EVP_MAX_MD_SIZE];
		uint64_t t1, t2, limit = n / 2;
		body_hash((enum dkim_canon)c, p, n, n + 1, limit, d1, &t1);
		body_hash((enum dkim_canon)c, p, n, n % 13 + 1, limit, d2, &t2);
		if (t1 != t2 || memcmp(d1, d2, 32) != 0 ||
		    (c == DKIM_CANON_SIMPLE && t1 == 0) || t1 > 2 * n + 2)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	check_sig(p, size);
	check_key(p, size);
	check_body(p, size);
	check_verifier(p, size);
	return 0;
}
