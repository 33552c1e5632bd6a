#include "common/fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xmalloc.h"

bool file_read_all(const char *path, size_t max, struct buf *out, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return false;
	}
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0) {
			close(fd);
			return true;
		}
		if (out->len + (size_t)n > max) {
			buf_printf(err, "%s: larger than %zu bytes", path, max);
			break;
		}
		buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	return false;
}

bool file_sync_parent(const char *path, struct buf *err)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok = fd >= 0 && fsync(fd) == 0;
	if (!ok)
		buf_printf(err, "%s: sync of directory failed: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return ok;
}

bool file_write_full(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool file_pread_prefix(int fd, size_t max, struct buf *out)
{
	buf_reserve(out, max + 1);
	size_t got = 0;
	while (got < max) {
		ssize_t r = pread(fd, out->data + out->len + got, max - got,
		    (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	out->len += got;
	out->data[out->len] = '\0';
	return true;
}

bool file_write_atomic(const char *path, const void *data, size_t len,
    int mode, struct buf *err)
{
	struct stat st;
	if (mode < 0)
		mode = stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : 0600;
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode);
	bool ok = fd >= 0 && fchmod(fd, (mode_t)mode) == 0 &&
	    file_write_full(fd, data, len) && fsync(fd) == 0;
	int saved = errno;
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp.data, path) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		buf_printf(err, "%s: cannot write: %s", path, strerror(saved));
		unlink(tmp.data);
	}
	buf_free(&tmp);
	return ok && file_sync_parent(path, err);
}

bool file_mkdir(const char *path, mode_t mode, struct buf *err)
{
	if (mkdir(path, mode) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: cannot create directory: %s", path, strerror(errno));
		return false;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		buf_printf(err, "%s: exists and is not a directory", path);
		return false;
	}
	if (chmod(path, mode) != 0) {
		buf_printf(err, "%s: cannot set mode: %s", path, strerror(errno));
		return false;
	}
	return true;
}

bool file_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}
