/* libFuzzer target: the queue envelope decoder. Every input is decoded
 * twice: as it is, and with its last 32 bytes replaced by the right
 * checksum, so mutations reach the field parser instead of stopping at
 * the checksum. Whatever decodes must encode back to the same bytes (an
 * older version's file: to the current version) and decode again to an
 * equal envelope. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "smtp/envelope.h"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_envelope: %s\n", what);
	abort();
}

static void round_trip(const unsigned char *p, size_t len)
{
	struct envelope e, again;
	struct buf enc = BUF_INIT, err = BUF_INIT;
	bool ok = envelope_decode(p, len, &e, &err);
	if (!ok && err.len == 0)
		fail("refused without a reason");
	if (ok) {
		if (!envelope_encode(&e, &enc, &err))
			fail("a decoded envelope does not encode");
		/* The format has one encoding per envelope and version. */
		const unsigned char *v = p + ENVELOPE_MAGIC_LEN;   /* little-endian */
		uint32_t version = v[0] | v[1] << 8 | (uint32_t)v[2] << 16 |
		    (uint32_t)v[3] << 24;
		if (version == ENVELOPE_VERSION &&
		    (enc.len != len || memcmp(enc.data, p, len) != 0))
			fail("re-encoding differs from the input");
		if (!envelope_decode((const unsigned char *)enc.data, enc.len,
		    &again, &err))
			fail("re-encoding does not decode");
		if (!envelope_equal(&e, &again))
			fail("round trip changed the envelope");
		envelope_free(&again);
	}
	envelope_free(&e);
	buf_free(&enc);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0)
		abort();
	round_trip(data, size);
	if (size < ENVELOPE_SUM_LEN || size > ENVELOPE_MAX_FILE)
		return 0;
	unsigned char *fixed = malloc(size ? size : 1);
	if (fixed == NULL)
		abort();
	size_t body = size - ENVELOPE_SUM_LEN;
	memcpy(fixed, data, body);
	crypto_generichash(fixed + body, ENVELOPE_SUM_LEN, fixed, body, NULL, 0);
	round_trip(fixed, size);
	free(fixed);
	return 0;
}
