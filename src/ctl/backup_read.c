/* Reading a backup file for `backup verify` and `restore`: the header,
 * the key, and the whole stream through the opener and record parser. */
#include "ctl/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xmalloc.h"

#define READ_SIZE 65536

/* Reads up to n bytes: count, 0 at the end, -1 on error. */
static ssize_t read_some(int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

static bool read_exact(int fd, void *p, size_t n, struct buf *err)
{
	unsigned char *d = p;
	while (n > 0) {
		ssize_t r = read_some(fd, d, n);
		if (r <= 0) {
			buf_addstr(err, r == 0 ? "backup is truncated (no complete header)" :
			    strerror(errno));
			return false;
		}
		d += r;
		n -= (size_t)r;
	}
	return true;
}

bool backup_file_open(struct backup_file *bf, const char *path, struct buf *err)
{
	memset(bf, 0, sizeof *bf);
	bf->path = path;
	bf->fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) :
	    open(path, O_RDONLY | O_CLOEXEC);
	if (bf->fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return false;
	}
	struct stat st;
	if (fstat(bf->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		bf->seekable = true;
		bf->size = (uint64_t)st.st_size;
	}
	unsigned char hdr[ARCHIVE_HEADER_LEN];
	bool ok = read_exact(bf->fd, hdr, sizeof hdr, err) &&
	    archive_header_parse(hdr, &bf->h, err);
	if (!ok) {
		buf_printf(err, " (%s)", path);
		backup_file_close(bf);
	}
	return ok;
}

bool backup_file_unlock(struct backup_file *bf, const struct password *pw,
    struct buf *err)
{
	if (bf->key == NULL && (bf->key = sodium_malloc(ARCHIVE_KEY_LEN)) == NULL)
		xoom();
	return archive_key_derive(pw->s, pw->len, &bf->h, bf->key, err);
}

struct read_ctx {
	struct archive_parser *parser;
	struct buf *err;
};

static bool to_parser(void *ctx, const void *p, size_t n, struct buf *err)
{
	struct read_ctx *rc = ctx;
	return rc->parser == NULL || archive_parser_feed(rc->parser, p, n, err);
}

/* Feeds the file after its header to the opener. */
static bool pump(struct backup_file *bf, struct archive_opener *o, bool key_only,
    struct progress *pr, struct buf *err)
{
	unsigned char *chunk = xmalloc(READ_SIZE);
	bool ok = true;
	for (;;) {
		ssize_t r = read_some(bf->fd, chunk, READ_SIZE);
		if (r < 0) {
			buf_printf(err, "%s: %s", bf->path, strerror(errno));
			ok = false;
			break;
		}
		if (r == 0)
			break;
		if (pr != NULL)
			progress_add(pr, (uint64_t)r);
		if (!archive_opener_feed(o, chunk, (size_t)r, err)) {
			ok = false;
			break;
		}
		if (key_only && archive_opener_started(o))
			break;
	}
	free(chunk);
	return ok;
}

bool backup_file_read(struct backup_file *bf, const struct archive_parse_ops *ops,
    void *ctx, struct progress *pr, struct buf *err)
{
	if (bf->seekable && lseek(bf->fd, ARCHIVE_HEADER_LEN, SEEK_SET) < 0) {
		buf_printf(err, "%s: %s", bf->path, strerror(errno));
		return false;
	}
	struct read_ctx rc = { ops ? archive_parser_new(ops, ctx) : NULL, err };
	struct archive_opener *o = archive_opener_new(&bf->h, bf->key, to_parser, &rc);
	bool ok = pump(bf, o, ops == NULL, pr, err);
	if (ok && ops == NULL && !archive_opener_started(o))
		ok = archive_opener_finish(o, err);   /* says why: truncated */
	else if (ok && ops != NULL)
		ok = archive_opener_finish(o, err) &&
		    archive_parser_finish(rc.parser, err);
	archive_opener_free(o);
	archive_parser_free(rc.parser);
	return ok;
}

void backup_file_close(struct backup_file *bf)
{
	if (bf->fd >= 0)
		close(bf->fd);
	bf->fd = -1;
	if (bf->key != NULL)
		sodium_free(bf->key);
	bf->key = NULL;
}
