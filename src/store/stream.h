/* Byte stream stacks, in the style of Dovecot's: each stage of an ostream
 * transforms what it is given and forwards it to the next stage (which it
 * owns); each stage of an istream pulls from the stage before it (which it
 * owns). Mail is stored as compress -> trees-encrypt -> file and read as
 * file -> trees-decrypt -> decompress, a chunk at a time, so no message is
 * ever held whole in memory.
 *
 * Errors are sticky: after a stage fails every call fails, and
 * ostream_error()/istream_error() give one human-readable line. */
#ifndef AMB_STREAM_H
#define AMB_STREAM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"

#define STREAM_ERR_LEN 200

struct ostream;
struct ostream_ops {
	bool (*write)(struct ostream *os, const void *p, size_t n);
	/* Writes out what the stage still holds; must finish its next. */
	bool (*finish)(struct ostream *os);
	void (*free)(struct ostream *os);   /* the stage's own state only */
};

struct ostream {
	const struct ostream_ops *ops;
	struct ostream *next;       /* owned; NULL for a sink */
	uint64_t offset;            /* bytes accepted by this stage */
	bool failed, finished;
	char err[STREAM_ERR_LEN];
};

/* Writes all n bytes or fails. */
bool ostream_write(struct ostream *os, const void *p, size_t n);
/* Flushes the whole chain (trailers, final chunks). Once only. */
bool ostream_finish(struct ostream *os);
/* Frees the stage and every stage after it. NULL is fine. */
void ostream_free(struct ostream *os);
const char *ostream_error(const struct ostream *os);
uint64_t ostream_offset(const struct ostream *os);

/* Sinks. The fd is not closed; offset counts bytes written to it. */
struct ostream *ostream_fd_create(int fd);
struct ostream *ostream_buf_create(struct buf *out);
/* The errno of an fd sink's failed write (0 if none, or not an fd sink):
 * tells a full disk (ENOSPC, EDQUOT) from other failures. */
int ostream_fd_errno(const struct ostream *os);

/* For stage implementations. */
void ostream_init(struct ostream *os, const struct ostream_ops *ops,
    struct ostream *next);
bool ostream_fail(struct ostream *os, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forwards to os->next, taking over its error on failure. */
bool ostream_forward(struct ostream *os, const void *p, size_t n);

struct istream;
struct istream_ops {
	/* Up to n (> 0) bytes: count, 0 at the end, -1 on error. */
	ssize_t (*read)(struct istream *is, void *p, size_t n);
	void (*free)(struct istream *is);
};

struct istream {
	const struct istream_ops *ops;
	struct istream *prev;       /* owned; NULL for a source */
	uint64_t offset;            /* bytes returned by this stage */
	bool failed, eof;
	char err[STREAM_ERR_LEN];
};

ssize_t istream_read(struct istream *is, void *p, size_t n);
/* Reads until n bytes or the end: count (< n only at the end), -1 on error. */
ssize_t istream_read_full(struct istream *is, void *p, size_t n);
void istream_free(struct istream *is);
const char *istream_error(const struct istream *is);

/* Sources. The fd is not closed; the memory is not copied. */
struct istream *istream_fd_create(int fd);
/* Like istream_fd_create, but the stream owns fd and closes it on free. */
struct istream *istream_fd_create_owned(int fd);
struct istream *istream_mem_create(const void *p, size_t n);
/* Returns a copy of the n bytes of head, then the rest of prev (owned):
 * lets a stage that sniffed a header hand the bytes back. */
struct istream *istream_prefix_create(const void *head, size_t n,
    struct istream *prev);

/* For stage implementations. */
void istream_init(struct istream *is, const struct istream_ops *ops,
    struct istream *prev);
ssize_t istream_fail(struct istream *is, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Reads from is->prev like istream_read_full, taking over its error. */
ssize_t istream_pull(struct istream *is, void *p, size_t n);

/* Copies is to os until the end; does not finish os. */
bool stream_copy(struct istream *is, struct ostream *os, struct buf *err);

#endif
