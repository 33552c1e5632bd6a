/* The backup archive: a stream of records (this file), compressed with
 * zstd and sealed in libsodium secretstream chunks (archive_seal.h).
 * Sans I/O: the encoder appends bytes to a buffer, the parser is pushed
 * bytes and calls back; neither touches a file.
 *
 * Records, integers big-endian:
 *   'A' u32 len, len bytes   the archive's description (key=value lines);
 *                            first record, exactly once, at most 64 KiB
 *   'D' meta                 a directory
 *   'F' meta, segments, u64 size, 32-byte BLAKE2b of the content
 *                            a regular file; segments are u32 n (1..1 MiB)
 *                            and n bytes, ended by a u32 0
 *   'L' meta                 a file present but unchanged since the base
 *                            backup (incremental backups list every file)
 *   'Z' u64 entries, u64 bytes   the end: counts of D/F/L records and of
 *                            file bytes; last record, nothing may follow
 *   meta := u16 len, path, u32 mode, i64 mtime, u32 mtime_nsec,
 *           u8 len, owner name, u8 len, group name, u8 fs, u64 ino
 * fs and ino identify a file across backups (fs numbers the state's
 * filesystems in walk order; both 0 for directories), so an incremental
 * backup's unchanged file is found even if a directory above it was
 * renamed since.
 * A path is relative, 1..4095 bytes, '/'-separated components that are
 * not empty, "." or ".."; no NUL. The mode holds permission bits only
 * (<= 07777), so nothing in an archive can be a symlink or a device.
 * Owner and group are names (<= 32 bytes of [A-Za-z0-9._-]), or empty. */
#ifndef AMB_ARCHIVE_H
#define AMB_ARCHIVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "common/buf.h"

#define ARCHIVE_PATH_MAX  4095
#define ARCHIVE_NAME_MAX  32
#define ARCHIVE_INFO_MAX  65536
#define ARCHIVE_SEG_MAX   (1u << 20)
#define ARCHIVE_HASH_LEN  32

enum archive_type { ARCHIVE_DIR = 'D', ARCHIVE_FILE = 'F', ARCHIVE_LISTED = 'L' };

struct archive_entry {
	enum archive_type type;
	char path[ARCHIVE_PATH_MAX + 1];
	uint32_t mode;
	int64_t mtime;
	uint32_t mtime_nsec;
	char owner[ARCHIVE_NAME_MAX + 1];
	char group[ARCHIVE_NAME_MAX + 1];
	uint8_t fs;
	uint64_t ino;
	uint64_t size;      /* FILE: content bytes, known at entry_end */
};

/* Whether path, owner and group could appear in an archive. */
bool archive_path_valid(const char *path, size_t len);
bool archive_name_valid(const char *name, size_t len);

/* Encoder. Entries must be valid (checked: false and nothing appended). */
void archive_put_info(struct buf *out, const char *text, size_t len);
bool archive_put_entry(struct buf *out, const struct archive_entry *e);
void archive_put_end(struct buf *out, uint64_t entries, uint64_t bytes);

/* A file's content goes between archive_put_entry (type FILE) and
 * archive_file_end, in any number of archive_file_data calls. */
struct archive_file_enc {
	crypto_generichash_state hash;
	uint64_t size;
};
void archive_file_begin(struct archive_file_enc *fe);
void archive_file_data(struct archive_file_enc *fe, struct buf *out,
    const void *p, size_t n);
void archive_file_end(struct archive_file_enc *fe, struct buf *out);

/* Parser. Each callback returns false to stop (the parser then fails
 * with the callback's reason in err, or "stopped"). data() gets a file's
 * content before its hash is checked: a consumer must not trust it until
 * entry_end(), which comes only when size and hash match. */
struct archive_parse_ops {
	bool (*info)(void *ctx, const char *text, size_t len, struct buf *err);
	bool (*entry)(void *ctx, const struct archive_entry *e, struct buf *err);
	bool (*data)(void *ctx, const void *p, size_t n, struct buf *err);
	bool (*entry_end)(void *ctx, const struct archive_entry *e, struct buf *err);
	bool (*end)(void *ctx, uint64_t entries, uint64_t bytes, struct buf *err);
};

struct archive_parser;
struct archive_parser *archive_parser_new(const struct archive_parse_ops *ops,
    void *ctx);
void archive_parser_free(struct archive_parser *p);
/* Any split of the input is fine. False with a reason in err on a
 * malformed record, a callback's refusal, or bytes after the end. */
bool archive_parser_feed(struct archive_parser *p, const void *data, size_t n,
    struct buf *err);
/* True only if the end record came (and matched the counts). */
bool archive_parser_finish(struct archive_parser *p, struct buf *err);

#endif
