/* Compression stages for stored mail: xz (as the seed's Dovecot wrote,
 * zlib_save = xz) or zstd on the way in; on the way out the format is
 * sniffed from its magic, and anything else passes through unchanged. */
#ifndef AMB_COMPRESS_H
#define AMB_COMPRESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ostream;
struct istream;

enum compress_algo { COMPRESS_NONE, COMPRESS_XZ, COMPRESS_ZSTD };

#define COMPRESS_LEVEL_DEFAULT (-1)   /* xz 6, zstd 3 */

/* "none", "xz", "zstd". */
bool compress_algo_parse(const char *name, enum compress_algo *out);
const char *compress_algo_name(enum compress_algo algo);
/* What the magic at the start of data says (COMPRESS_NONE if none). */
enum compress_algo compress_sniff(const void *head, size_t n);

/* Compressing stage before next (owned). size_hint (0 = unknown) is the
 * expected input size: the xz dictionary, and the zstd window, are sized
 * to it so a small message needs little memory. COMPRESS_NONE returns
 * next itself. A bad level or a failed set-up gives a stage whose first
 * write reports the error. */
struct ostream *compress_ostream_create(struct ostream *next,
    enum compress_algo algo, int level, uint64_t size_hint);
/* Decompressing stage after prev (owned): xz, zstd or pass-through.
 * Truncated, corrupt or trailing data is an error. */
struct istream *decompress_istream_create(struct istream *prev);

/* The xz dictionary for a message of size_hint bytes at this level:
 * smallest power of two >= size_hint, at least 64 KiB, at most the
 * level's own dictionary and 8 MiB. */
uint32_t compress_xz_dict_size(int level, uint64_t size_hint);
/* Bytes the xz encoder would allocate for that message and level. */
uint64_t compress_xz_encoder_memusage(int level, uint64_t size_hint);

#endif
