/* RFC 2047/2231 decoding and transfer decoders: output is valid UTF-8
 * without NUL, and streaming decoders agree with whole-buffer decoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "mail/decode.h"
#include "mail/encwords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const struct buf *b, bool nul_ok)
{
	if (b->len && u8_check((const uint8_t *)b->data, b->len) != NULL)
		abort();
	if (!nul_ok && b->len && memchr(b->data, '\0', b->len) != NULL)
		abort();
}

static void check_streaming(const char *in, size_t n)
{
	struct buf whole = BUF_INIT, parts = BUF_INIT;
	struct qp_dec q;
	size_t step = n % 5 + 1;
	cte_decode(CTE_QP, in, n, &whole);
	qp_dec_init(&q);
	for (size_t i = 0; i < n; i += step)
		qp_dec_feed(&q, in + i, n - i < step ? n - i : step, &parts);
	qp_dec_finish(&q, &parts);
	if (whole.len != parts.len ||
	    (whole.len && memcmp(whole.data, parts.data, whole.len) != 0))
		abort();
	buf_reset(&whole);
	buf_reset(&parts);
	struct b64_dec b;
	cte_decode(CTE_BASE64, in, n, &whole);
	b64_dec_init(&b);
	for (size_t i = 0; i < n; i += step)
		b64_dec_feed(&b, in + i, n - i < step ? n - i : step, &parts);
	if (whole.len != parts.len ||
	    (whole.len && memcmp(whole.data, parts.data, whole.len) != 0))
		abort();
	buf_free(&whole);
	buf_free(&parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf out = BUF_INIT;
	ew_decode(s, size, &out);
	check_utf8(&out, false);
	buf_reset(&out);
	struct rfc2231_seg segs[2] = { { s, size / 2, true },
		{ s + size / 2, size - size / 2, size % 2 == 0 } };
	rfc2231_join(segs, 2, &out);
	check_utf8(&out, true);
	buf_free(&out);
	check_streaming(s, size);
	return 0;
}
