/* The sniffing decompressor (xz, zstd, pass-through) over arbitrary bytes. */
#include <stdint.h>

#include "store/compress.h"
#include "store/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char out[7000];
	struct istream *is = decompress_istream_create(
	    istream_mem_create(data, size));
	ssize_t r;
	uint64_t total = 0;
	/* Bound the output: a small input may expand enormously. */
	while (total < (64u << 20) &&
	    (r = istream_read(is, out, sizeof out)) > 0)
		total += (uint64_t)r;
	istream_free(is);
	return 0;
}
