/* Address canonicalisation: never crashes, and canonical forms are fixed
 * points (canonicalising twice changes nothing), also via the A-label. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mail/address.h"

static void check_fixed_point(bool (*fn)(const char *, struct buf *,
    struct buf *), const char *in)
{
	struct buf a = BUF_INIT, b = BUF_INIT, err = BUF_INIT;
	if (fn(in, &a, &err)) {
		if (!fn(buf_cstr(&a), &b, &err) || strcmp(a.data, buf_cstr(&b)) != 0)
			abort();
	} else if (err.len == 0) {
		abort();    /* every refusal names its reason */
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&err);
}

static void check_ascii_roundtrip(const char *in)
{
	struct buf u = BUF_INIT, a = BUF_INIT, u2 = BUF_INIT, err = BUF_INIT;
	if (addr_canon_domain(in, &u, &err)) {
		if (!addr_domain_ascii(buf_cstr(&u), &a, &err) ||
		    !addr_canon_domain(buf_cstr(&a), &u2, &err) ||
		    strcmp(buf_cstr(&u), buf_cstr(&u2)) != 0)
			abort();
	}
	buf_free(&u);
	buf_free(&a);
	buf_free(&u2);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	check_fixed_point(addr_canon, s);
	check_fixed_point(addr_canon_local, s);
	check_fixed_point(addr_canon_domain, s);
	check_ascii_roundtrip(s);
	struct buf q = BUF_INIT, b = BUF_INIT;
	addr_quote(&q, s, 64);
	addr_split_tag(s, &q, &b);
	addr_split(s, &q, &b);
	buf_free(&q);
	buf_free(&b);
	free(s);
	return 0;
}
