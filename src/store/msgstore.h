/* The message store's write and read paths: a message goes from a queue
 * file through compress -> trees-encrypt into a user's Maildir, exactly
 * once and durably; and a stored file comes back as the original bytes.
 * Everything is streamed, a chunk at a time: memory does not grow with
 * the size of the message. */
#ifndef AMB_MSGSTORE_H
#define AMB_MSGSTORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "store/compress.h"
#include "store/trees.h"

struct istream;

enum msgstore_result {
	MSGSTORE_OK,
	MSGSTORE_TEMPFAIL,  /* keep the message queued and retry later */
	MSGSTORE_PERMFAIL,  /* will never succeed: bounce it */
};

#define MSGSTORE_USAGE_UNKNOWN UINT64_MAX

struct msgstore_delivery {
	const char *mail_dir;       /* root: <mail_dir>/<domain>/<local>/Maildir */
	const char *address;        /* the user's canonical address */
	const char *folder;         /* from user+folder@domain; NULL or "" is
	                             * INBOX, and so is a folder that does not exist */
	bool encrypt;               /* trees-encrypt to pk */
	unsigned char pk[TREES_PK_LEN];
	enum compress_algo algo;    /* config `compression` */
	int level;                  /* config `compression_level` */
	uint64_t quota;             /* bytes; 0 means no quota */
	uint64_t used;              /* the mailbox's current use if the caller
	                             * knows it (scanning is costly), else
	                             * MSGSTORE_USAGE_UNKNOWN */
	const char *headers;        /* prepended verbatim, CRLF lines (see
	                             * msgstore_delivery_headers) */
	size_t headers_len;
	int fd;                     /* the message; read from offset 0 when
	                             * seekable, exactly size bytes */
	uint64_t size;
	const char *queue_id;       /* queue id, recipient index and host name */
	unsigned rcpt;              /* make the file name, so a retry after a */
	const char *hostname;       /* crash finds what it already delivered */
	bool retry;                 /* it may be there already, moved to cur/
	                             * by the index: look (reads cur/) */
	struct buf *path;           /* if not NULL: set to the path of the file
	                             * this call wrote in new/, else emptied */
};

/* The header block delivery prepends, each line ending in CRLF like the
 * message received over SMTP:
 *   Return-Path: <sender>      ("<>" for the null sender)
 *   Delivered-To: rcpt_final   (the mailbox it is stored in)
 *   X-Original-To: rcpt_original (the address before alias expansion)
 * Appends to out; false (out unchanged) if a value holds a control
 * character, which would break or inject a header. */
bool msgstore_delivery_headers(const char *sender, const char *rcpt_final,
    const char *rcpt_original, struct buf *out);

/* Stores headers + the message as one file in the user's Maildir (created
 * on first delivery): written to tmp/, synced, renamed into new/, the
 * directory synced. The name is maildir_base_name(queue_id, rcpt,
 * hostname, S=headers_len + size), the size a reader sees, so IMAP can
 * tell RFC822.SIZE without decrypting; if that name is already in new/ or
 * cur/ the message was delivered before a crash and this returns OK
 * without writing. On failure nothing is left in tmp/ or new/ and err
 * holds a reply-style reason:
 *   PERMFAIL "552 5.2.2 ..." the message alone is larger than the quota
 *   TEMPFAIL "452 4.2.2 ..." the mailbox is too full for it now
 *   TEMPFAIL "452 4.3.1 ..." the disk is full (ENOSPC, EDQUOT)
 *   TEMPFAIL "451 4.3.0 ..." any other I/O error, a short source */
enum msgstore_result msgstore_deliver(const struct msgstore_delivery *d,
    struct buf *err);

/* Opens a stored message and returns a stream of the original bytes (the
 * caller frees it; it owns the file): trees-decrypted if the file has the
 * trees magic, then decompressed by sniffing xz or zstd, else passed
 * through. Reads plain files, xz- or zstd-only files, and the seed's
 * trees(xz(msg)). sk is NULL for a user without encryption (an encrypted
 * file is then an error); pk may be NULL when sk is given (it is derived).
 * NULL with err set if the file cannot be opened; damage found while
 * reading is an error of the stream. */
struct istream *msgstore_open(const char *path, const unsigned char *pk,
    const unsigned char *sk, struct buf *err);

/* APPEND's path: a message that arrives in pieces, stored the same way
 * into the folder directory `dir` (which must exist) under `base` (see
 * maildir_base_name; its S= must be `size`). Written to tmp/ as it comes;
 * finish flushes the stacks; commit syncs and renames it into new/ (path
 * gets the new/ name, for mailindex_add) and frees the writer, as abort
 * does without keeping anything. Exactly `size` bytes must be written. */
struct msgstore_wopts {
	bool encrypt;
	unsigned char pk[TREES_PK_LEN];
	enum compress_algo algo;
	int level;
	uint64_t size;
};
struct msgstore_writer;
struct msgstore_writer *msgstore_writer_begin(const char *dir,
    const char *base, const struct msgstore_wopts *o, struct buf *err);
bool msgstore_writer_write(struct msgstore_writer *w, const void *p, size_t n,
    struct buf *err);
bool msgstore_writer_finish(struct msgstore_writer *w, struct buf *err);
bool msgstore_writer_commit(struct msgstore_writer *w, struct buf *path,
    struct buf *err);
void msgstore_writer_abort(struct msgstore_writer *w);

#endif
