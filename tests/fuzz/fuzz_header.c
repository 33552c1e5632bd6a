/* Header iteration, unfolding and the streaming scanner; checks that the
 * scanner fed in pieces agrees with msg_split; stripping is idempotent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *m = (const char *)data;
	struct msg_split sp;
	msg_split(m, size, &sp);
	if (sp.hdr_len > size)
		abort();

	struct hdr_scan s;
	hdr_scan_init(&s, size + 1);
	size_t step = size % 7 + 1, used;
	for (size_t i = 0; i < size; i += step)
		hdr_scan_feed(&s, m + i, size - i < step ? size - i : step, &used);
	hdr_scan_eof(&s);
	if (s.hdr_len != sp.hdr_len)
		abort();

	struct hdr_iter it;
	struct hdr_field f;
	struct buf b = BUF_INIT;
	hdr_iter_init(&it, m, size);
	while (hdr_next(&it, &f)) {
		if (f.line < m || f.line + f.line_len > m + size ||
		    f.value + f.value_len > f.line + f.line_len)
			abort();
		buf_reset(&b);
		hdr_unfold(f.value, f.value_len, &b);
		if (memchr(b.data ? b.data : "", '\0', b.len) != NULL)
			abort();
	}
	hdr_get(m, size, "subject", &b);
	static const char *const names[] = { "subject", "from" };
	buf_reset(&b);
	hdr_filter(m, size, names, 2, size % 2 == 0, &b);

	/* stripping drops whole fields only, and leaves none to drop */
	static const char *const ours[] = { "x-spam", "subject" };
	struct buf once = BUF_INIT, twice = BUF_INIT;
	size_t dropped = hdr_strip(m, size, ours, 2, &once);
	if (once.len > size || (dropped == 0) != (once.len == size) ||
	    hdr_strip(buf_cstr(&once), once.len, ours, 2, &twice) != 0 ||
	    twice.len != once.len)
		abort();
	buf_free(&once);
	buf_free(&twice);

	/* a written field parses back as exactly one field */
	struct buf value = BUF_INIT;
	buf_add(&value, m, size);
	buf_reset(&b);
	hdr_append_folded(&b, "X-Test", buf_cstr(&value));
	buf_free(&value);
	if (hdr_count(b.data, b.len, "x-test") != 1)
		abort();
	buf_free(&b);
	return 0;
}
