/* libFuzzer target for the encpipe decoder: any bytes, fed in pieces,
 * are refused or decrypted without overrunning; with the input used as
 * plaintext, a stream made from it decrypts back to it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "store/encpipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[ENCPIPE_KEY_LEN] = { 7, 7, 7 };

static bool decode(const uint8_t *d, size_t n, size_t step, struct buf *out)
{
	struct encpipe_dec dec;
	struct buf err = BUF_INIT;
	bool ok = true;
	encpipe_dec_init(&dec, key);
	for (size_t i = 0; i < n && ok; i += step)
		ok = encpipe_dec_feed(&dec, d + i, n - i < step ? n - i : step, out,
		    &err);
	ok = ok && encpipe_dec_finish(&dec, &err);
	if (!ok && err.len == 0)
		abort();
	encpipe_dec_free(&dec);
	buf_free(&err);
	return ok;
}

static void le32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
	buf_add(b, p, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, s = BUF_INIT;
	(void)decode(data, size, 1 + size % 97, &out);
	/* Round trip of the input as plaintext, in records of 50 bytes. */
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	unsigned char c[50 + 17];
	crypto_secretstream_xchacha20poly1305_init_push(&st, hdr, key);
	buf_add(&s, hdr, sizeof hdr);
	for (size_t off = 0; off <= size; off += 50) {
		size_t n = size - off < 50 ? size - off : 50;
		unsigned char tag = off + 50 > size ?
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
		crypto_secretstream_xchacha20poly1305_push(&st, c, NULL, data + off,
		    n, NULL, 0, tag);
		le32(&s, (uint32_t)n);
		buf_add(&s, c, n + 17);
	}
	buf_reset(&out);
	if (!decode((const uint8_t *)s.data, s.len, 1 + size % 31, &out) ||
	    out.len != size || (size && memcmp(out.data, data, size) != 0))
		abort();
	buf_free(&out);
	buf_free(&s);
	return 0;
}
