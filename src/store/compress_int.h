/* Private to the compression stages: one constructor per format. */
#ifndef AMB_COMPRESS_INT_H
#define AMB_COMPRESS_INT_H
#include "store/compress.h"

#define COMPRESS_IOBUF 16384

struct ostream *xz_ostream_create(struct ostream *next, int level,
    uint64_t size_hint);
struct istream *xz_istream_create(struct istream *prev);
struct ostream *zstd_ostream_create(struct ostream *next, int level,
    uint64_t size_hint);
struct istream *zstd_istream_create(struct istream *prev);
/* A stage that only reports err (set-up failures). */
struct ostream *compress_failed_ostream(struct ostream *next, const char *err);

#endif
