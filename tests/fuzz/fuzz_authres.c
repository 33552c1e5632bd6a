/* Authentication-Results: stripping our fields from any header block is
 * idempotent and only removes; any value we write stays one field whose
 * authserv-id reads back as ours. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mail/header.h"
#include "mailauth/authres.h"

#define OURS "mx.example.org"

static void strip(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, again = BUF_INIT;
	size_t n = authres_strip_ours((const char *)data, size, OURS, &out);
	struct authres_span sp[8];
	if (authres_find_ours((const char *)data, size, OURS, sp, 8) != n ||
	    out.len > size || (n == 0 && out.len != size))
		abort();
	if (authres_strip_ours(out.data ? out.data : "", out.len, OURS,
	    &again) != 0 || again.len != out.len)
		abort();
	buf_free(&out);
	buf_free(&again);
}

static void build(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct authres ar;
	struct buf out = BUF_INIT, val = BUF_INIT, id = BUF_INIT;
	authres_init(&ar, OURS);
	authres_add_spf(&ar, SPF_RESULT_FAIL, s, s, s);
	authres_add_dkim(&ar, "pass", s, s, s, s);
	authres_prop(&ar, "header", "x", s);
	authres_finish(&ar, &out);
	bool wf;
	if (hdr_count(out.data, out.len, "Authentication-Results") != 1 ||
	    !hdr_get(out.data, out.len, "Authentication-Results", &val) ||
	    !authres_parse_id(val.data, val.len, &id, NULL, &wf) ||
	    strcmp(id.data, OURS) != 0 || !wf)
		abort();
	authres_free(&ar);
	buf_free(&out);
	buf_free(&val);
	buf_free(&id);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf id = BUF_INIT;
	unsigned ver;
	bool wf;
	authres_parse_id((const char *)data, size, &id, &ver, &wf);
	buf_free(&id);
	strip(data, size);
	build(data, size);
	return 0;
}
