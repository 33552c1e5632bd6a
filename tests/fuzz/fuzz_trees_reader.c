/* The trees decrypting stream over arbitrary bytes, with a fixed key pair
 * (the seed corpus is sealed to it), both strict and sniffing. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "store/stream.h"
#include "store/trees.h"

/* X25519 key pair from a fixed seed, so corpus files decrypt. */
static unsigned char pk[TREES_PK_LEN], sk[TREES_SK_LEN];

static void drain(const uint8_t *data, size_t size, bool require_header)
{
	unsigned char out[5000];
	struct istream *is = trees_istream_create(istream_mem_create(data, size),
	    pk, sk, require_header);
	ssize_t r;
	while ((r = istream_read(is, out, sizeof out)) > 0)
		;
	if (r < 0 && istream_error(is)[0] == '\0')
		__builtin_trap();
	istream_free(is);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		unsigned char seed[crypto_box_SEEDBYTES];
		if (sodium_init() < 0)
			return 0;
		memset(seed, 0x42, sizeof seed);
		crypto_box_seed_keypair(pk, sk, seed);
		ready = true;
	}
	drain(data, size, true);
	drain(data, size, false);
	return 0;
}
