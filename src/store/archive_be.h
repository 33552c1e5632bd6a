/* Big-endian integers of the backup format (archive*.c only). */
#ifndef AMB_ARCHIVE_BE_H
#define AMB_ARCHIVE_BE_H
#include <stdint.h>

static inline void archive_be_put(unsigned char *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static inline uint64_t archive_be_get(const unsigned char *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
