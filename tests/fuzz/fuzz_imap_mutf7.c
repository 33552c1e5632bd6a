/* libFuzzer target for the modified UTF-7 codec: whatever decodes must
 * re-encode to exactly the input (the decoder accepts only canonical
 * forms), and whatever encodes must decode back to the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "imap/mutf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	const char *s = (const char *)data;

	if (imap_mutf7_decode(s, size, &a)) {
		if (!imap_utf8_valid(buf_cstr(&a), a.len) ||
		    !imap_mutf7_encode(buf_cstr(&a), a.len, &b) ||
		    b.len != size || memcmp(b.data ? b.data : "", s, size) != 0)
			abort();
	}
	buf_reset(&a);
	buf_reset(&b);
	if (imap_mutf7_encode(s, size, &a)) {
		if (!imap_mutf7_decode(buf_cstr(&a), a.len, &b) ||
		    b.len != size || memcmp(b.data ? b.data : "", s, size) != 0)
			abort();
	}
	buf_free(&a);
	buf_free(&b);
	return 0;
}
