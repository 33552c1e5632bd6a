/* Shared by the sealer and the opener. */
#ifndef AMB_ARCHIVE_SEAL_INT_H
#define AMB_ARCHIVE_SEAL_INT_H
#include "store/archive_seal.h"

/* The header as stored; also the first chunk's additional data. */
void archive_header_encode(const struct archive_header *h,
    unsigned char out[ARCHIVE_HEADER_LEN]);

#define ARCHIVE_SEALED_MAX \
	(ARCHIVE_CHUNK_MAX + crypto_secretstream_xchacha20poly1305_ABYTES)

#endif
