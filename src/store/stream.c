#include "store/stream.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"
#include "common/xmalloc.h"

/* ---- ostream ---- */

void ostream_init(struct ostream *os, const struct ostream_ops *ops,
    struct ostream *next)
{
	memset(os, 0, sizeof *os);
	os->ops = ops;
	os->next = next;
}

bool ostream_fail(struct ostream *os, const char *fmt, ...)
{
	if (!os->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(os->err, sizeof os->err, fmt, ap);
		va_end(ap);
		os->failed = true;
	}
	return false;
}

bool ostream_forward(struct ostream *os, const void *p, size_t n)
{
	if (ostream_write(os->next, p, n))
		return true;
	return ostream_fail(os, "%s", ostream_error(os->next));
}

bool ostream_write(struct ostream *os, const void *p, size_t n)
{
	if (os->failed)
		return false;
	if (os->finished)
		return ostream_fail(os, "write after finish");
	if (n == 0)
		return true;
	if (!os->ops->write(os, p, n))
		return ostream_fail(os, "write failed");
	os->offset += n;
	return true;
}

bool ostream_finish(struct ostream *os)
{
	if (os->failed)
		return false;
	if (os->finished)
		return ostream_fail(os, "finished twice");
	os->finished = true;
	if (!os->ops->finish(os))
		return ostream_fail(os, "finish failed");
	return true;
}

void ostream_free(struct ostream *os)
{
	while (os != NULL) {
		struct ostream *next = os->next;
		if (os->ops->free != NULL)
			os->ops->free(os);
		free(os);
		os = next;
	}
}

const char *ostream_error(const struct ostream *os)
{
	return os->failed ? os->err : "no error";
}

uint64_t ostream_offset(const struct ostream *os)
{
	return os->offset;
}

/* Finishing a stage that has nothing buffered: just finish the next. */
static bool ostream_finish_next(struct ostream *os)
{
	if (os->next == NULL || ostream_finish(os->next))
		return true;
	return ostream_fail(os, "%s", ostream_error(os->next));
}

struct ostream_fd {
	struct ostream os;
	int fd;
	int sys_errno;
};

static bool ostream_fd_write(struct ostream *os, const void *p, size_t n)
{
	struct ostream_fd *s = (struct ostream_fd *)os;
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(s->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->sys_errno = w < 0 ? errno : EIO;
			return ostream_fail(os, "write: %s", strerror(s->sys_errno));
		}
		c += w;
		n -= (size_t)w;
	}
	return true;
}

static const struct ostream_ops ostream_fd_ops = {
	.write = ostream_fd_write, .finish = ostream_finish_next,
};

struct ostream *ostream_fd_create(int fd)
{
	struct ostream_fd *s = xmalloc(sizeof *s);
	ostream_init(&s->os, &ostream_fd_ops, NULL);
	s->fd = fd;
	s->sys_errno = 0;
	return &s->os;
}

int ostream_fd_errno(const struct ostream *os)
{
	if (os->ops != &ostream_fd_ops)
		return 0;
	return ((const struct ostream_fd *)os)->sys_errno;
}

struct ostream_buf {
	struct ostream os;
	struct buf *out;
};

static bool ostream_buf_write(struct ostream *os, const void *p, size_t n)
{
	buf_add(((struct ostream_buf *)os)->out, p, n);
	return true;
}

static const struct ostream_ops ostream_buf_ops = {
	.write = ostream_buf_write, .finish = ostream_finish_next,
};

struct ostream *ostream_buf_create(struct buf *out)
{
	struct ostream_buf *s = xmalloc(sizeof *s);
	ostream_init(&s->os, &ostream_buf_ops, NULL);
	s->out = out;
	return &s->os;
}

/* ---- istream ---- */

void istream_init(struct istream *is, const struct istream_ops *ops,
    struct istream *prev)
{
	memset(is, 0, sizeof *is);
	is->ops = ops;
	is->prev = prev;
}

ssize_t istream_fail(struct istream *is, const char *fmt, ...)
{
	if (!is->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(is->err, sizeof is->err, fmt, ap);
		va_end(ap);
		is->failed = true;
	}
	return -1;
}

ssize_t istream_read(struct istream *is, void *p, size_t n)
{
	if (is->failed)
		return -1;
	if (is->eof || n == 0)
		return 0;
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	ssize_t r = is->ops->read(is, p, n);
	if (r < 0)
		return istream_fail(is, "read failed");
	if (r == 0)
		is->eof = true;
	is->offset += (uint64_t)r;
	return r;
}

ssize_t istream_read_full(struct istream *is, void *p, size_t n)
{
	size_t got = 0;
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	while (got < n) {
		ssize_t r = istream_read(is, (char *)p + got, n - got);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t istream_pull(struct istream *is, void *p, size_t n)
{
	ssize_t r = istream_read_full(is->prev, p, n);
	if (r < 0)
		return istream_fail(is, "%s", istream_error(is->prev));
	return r;
}

void istream_free(struct istream *is)
{
	while (is != NULL) {
		struct istream *prev = is->prev;
		if (is->ops->free != NULL)
			is->ops->free(is);
		free(is);
		is = prev;
	}
}

const char *istream_error(const struct istream *is)
{
	return is->failed ? is->err : "no error";
}

struct istream_fd {
	struct istream is;
	int fd;
};

static ssize_t istream_fd_read(struct istream *is, void *p, size_t n)
{
	struct istream_fd *s = (struct istream_fd *)is;
	for (;;) {
		ssize_t r = read(s->fd, p, n);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return istream_fail(is, "read: %s", strerror(errno));
	}
}

static void istream_fd_close(struct istream *is)
{
	close(((struct istream_fd *)is)->fd);
}

static const struct istream_ops istream_fd_ops = { .read = istream_fd_read };
static const struct istream_ops istream_fd_owned_ops = {
	.read = istream_fd_read, .free = istream_fd_close,
};

static struct istream *istream_fd_new(int fd, const struct istream_ops *ops)
{
	struct istream_fd *s = xmalloc(sizeof *s);
	istream_init(&s->is, ops, NULL);
	s->fd = fd;
	return &s->is;
}

struct istream *istream_fd_create(int fd)
{
	return istream_fd_new(fd, &istream_fd_ops);
}

struct istream *istream_fd_create_owned(int fd)
{
	return istream_fd_new(fd, &istream_fd_owned_ops);
}

struct istream_mem {
	struct istream is;
	const unsigned char *p;
	size_t left;
	unsigned char *owned;       /* prefix streams keep their own copy */
};

static ssize_t istream_mem_read(struct istream *is, void *p, size_t n)
{
	struct istream_mem *s = (struct istream_mem *)is;
	if (s->left == 0 && s->is.prev == NULL)
		return 0;
	if (s->left == 0) {
		ssize_t r = istream_read(s->is.prev, p, n);
		return r < 0 ? istream_fail(is, "%s", istream_error(s->is.prev)) : r;
	}
	if (n > s->left)
		n = s->left;
	memcpy(p, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

static void istream_mem_free(struct istream *is)
{
	free(((struct istream_mem *)is)->owned);
}

static const struct istream_ops istream_mem_ops = {
	.read = istream_mem_read, .free = istream_mem_free,
};

struct istream *istream_mem_create(const void *p, size_t n)
{
	struct istream_mem *s = xmalloc(sizeof *s);
	istream_init(&s->is, &istream_mem_ops, NULL);
	s->p = p;
	s->left = n;
	s->owned = NULL;
	return &s->is;
}

struct istream *istream_prefix_create(const void *head, size_t n,
    struct istream *prev)
{
	struct istream_mem *s = (struct istream_mem *)istream_mem_create(NULL, 0);
	s->is.prev = prev;
	if (n > 0) {
		s->owned = xmemdup(head, n);
		s->p = s->owned;
		s->left = n;
	}
	return &s->is;
}

bool stream_copy(struct istream *is, struct ostream *os, struct buf *err)
{
	unsigned char chunk[16384];
	for (;;) {
		ssize_t r = istream_read(is, chunk, sizeof chunk);
		if (r < 0) {
			buf_set(err, istream_error(is));
			return false;
		}
		if (r == 0)
			return true;
		if (!ostream_write(os, chunk, (size_t)r)) {
			buf_set(err, ostream_error(os));
			return false;
		}
	}
}
