/* Whole-file reads and durable writes (temp file, fsync, rename, fsync dir). */
#ifndef AMB_FILEUTIL_H
#define AMB_FILEUTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/buf.h"

/* Reads at most max bytes (more is an error) into out. */
bool file_read_all(const char *path, size_t max, struct buf *out, struct buf *err);
/* Writes data durably under path. mode < 0 keeps the existing file's mode
 * (0600 for a new file). */
bool file_write_atomic(const char *path, const void *data, size_t len,
    int mode, struct buf *err);
/* fsync of the directory holding path, so a rename in it is durable. */
bool file_sync_parent(const char *path, struct buf *err);
/* mkdir with mode; an existing directory is fine (its mode is set). */
bool file_mkdir(const char *path, mode_t mode, struct buf *err);
bool file_exists(const char *path);
/* write() until all of data is out (EINTR retried); false with errno. */
bool file_write_full(int fd, const void *data, size_t len);
/* Appends up to max bytes of fd, from offset 0, to out (pread: the
 * descriptor's offset may be shared); fewer at end of file. False on a
 * read error. */
bool file_pread_prefix(int fd, size_t max, struct buf *out);

#endif
