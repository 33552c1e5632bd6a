/* The backup file: a header, then the archive's records (archive.h)
 * compressed as one zstd frame, cut into chunks of at most 64 KiB and
 * sealed with crypto_secretstream_xchacha20poly1305 under a key derived
 * from a passphrase with Argon2id. Sans I/O: bytes go out through a sink
 * callback and come in through feed calls; memory stays bounded (one
 * chunk and the zstd window) whatever the archive's size.
 *
 * Header (ARCHIVE_HEADER_LEN bytes, integers big-endian):
 *   "AMBBKUP1", u8 version 1, u8 kind (0 full, 1 incremental),
 *   u8 kdf (1 Argon2id v1.3), u8 compression (1 zstd),
 *   u64 opslimit, u64 memlimit, salt[16], id[16], base id[16] (the backup
 *   an incremental one builds on; zero for a full one),
 *   i64 creation time (microseconds since 1970), secretstream header[24].
 * Chunks: u32 length of the sealed chunk, then the sealed chunk. The
 * first chunk carries the whole header as additional data, so the header
 * is authenticated; the last is tagged FINAL, and nothing may follow it,
 * so truncation and appended bytes are detected. */
#ifndef AMB_ARCHIVE_SEAL_H
#define AMB_ARCHIVE_SEAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "common/buf.h"

#define ARCHIVE_HEADER_LEN 108
#define ARCHIVE_ID_LEN 16
#define ARCHIVE_CHUNK_MAX 65536
#define ARCHIVE_KEY_LEN crypto_secretstream_xchacha20poly1305_KEYBYTES

enum archive_kind { ARCHIVE_FULL = 0, ARCHIVE_INCREMENTAL = 1 };

struct archive_header {
	enum archive_kind kind;
	uint64_t opslimit, memlimit;
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned char id[ARCHIVE_ID_LEN];
	unsigned char base_id[ARCHIVE_ID_LEN];
	int64_t created_us;
	unsigned char ss_header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
};

/* Where sealed or opened bytes go; false stops with err set. */
typedef bool archive_sink_fn(void *ctx, const void *p, size_t n, struct buf *err);

/* A new header: random salt and id, Argon2id at libsodium's MODERATE cost,
 * the creation time now. ss_header is filled by archive_sealer_new. */
void archive_header_init(struct archive_header *h, enum archive_kind kind,
    const unsigned char *base_id);
/* Parses the first ARCHIVE_HEADER_LEN bytes. Refuses a wrong magic or
 * version and KDF costs beyond what a restore machine should spend
 * (memlimit over 4 GiB). */
bool archive_header_parse(const unsigned char *p, struct archive_header *h,
    struct buf *err);
/* The key from the passphrase and the header's salt and costs. */
bool archive_key_derive(const char *pass, size_t len,
    const struct archive_header *h, unsigned char key[ARCHIVE_KEY_LEN],
    struct buf *err);

struct archive_sealer;
/* Emits the header through sink. key is copied. */
struct archive_sealer *archive_sealer_new(struct archive_header *h,
    const unsigned char key[ARCHIVE_KEY_LEN], archive_sink_fn *sink, void *ctx,
    struct buf *err);
bool archive_sealer_write(struct archive_sealer *s, const void *p, size_t n,
    struct buf *err);
/* Ends the zstd frame and seals the FINAL chunk. */
bool archive_sealer_finish(struct archive_sealer *s, struct buf *err);
void archive_sealer_free(struct archive_sealer *s);

struct archive_opener;
/* h from archive_header_parse of the same file's first bytes; key from
 * archive_key_derive. Plaintext (the records) goes to sink. */
struct archive_opener *archive_opener_new(const struct archive_header *h,
    const unsigned char key[ARCHIVE_KEY_LEN], archive_sink_fn *sink, void *ctx);
/* The bytes after the header, in any split. A chunk that fails
 * authentication (wrong passphrase, changed byte) or anything after the
 * FINAL chunk is an error. */
bool archive_opener_feed(struct archive_opener *o, const void *p, size_t n,
    struct buf *err);
/* True once the first chunk authenticated (the passphrase is right). */
bool archive_opener_started(const struct archive_opener *o);
/* True only if the FINAL chunk came and the zstd frame ended with it. */
bool archive_opener_finish(struct archive_opener *o, struct buf *err);
void archive_opener_free(struct archive_opener *o);

#endif
