/* Delivery into the store: quota, exactly-once naming, the write stack. */
#include "store/msgstore.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/fileutil.h"
#include "store/maildir.h"
#include "store/stream.h"

static bool header_value_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

bool msgstore_delivery_headers(const char *sender, const char *rcpt_final,
    const char *rcpt_original, struct buf *out)
{
	if (!header_value_ok(sender) || !header_value_ok(rcpt_final) ||
	    !header_value_ok(rcpt_original))
		return false;
	buf_printf(out, "Return-Path: <%s>\r\n", sender);
	buf_printf(out, "Delivered-To: %s\r\n", rcpt_final);
	buf_printf(out, "X-Original-To: %s\r\n", rcpt_original);
	return true;
}

static enum msgstore_result fail(struct buf *err, enum msgstore_result r,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum msgstore_result fail(struct buf *err, enum msgstore_result r,
    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_reset(err);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	return r;
}

/* A full disk is worth a retry with its own code; so is anything else. */
static enum msgstore_result io_fail(int e, const char *what, struct buf *err)
{
	if (e == ENOSPC || e == EDQUOT)
		return fail(err, MSGSTORE_TEMPFAIL,
		    "452 4.3.1 Insufficient system storage (%s)", what);
	return fail(err, MSGSTORE_TEMPFAIL,
	    "451 4.3.0 Local error in processing (%s)", what);
}

static enum msgstore_result check_quota(const struct msgstore_delivery *d,
    const char *maildir, uint64_t total, struct buf *err)
{
	if (d->quota == 0)
		return MSGSTORE_OK;
	if (total > d->quota)
		return fail(err, MSGSTORE_PERMFAIL, "552 5.2.2 Mailbox full: the "
		    "message (%llu bytes) is larger than the quota (%llu bytes)",
		    (unsigned long long)total, (unsigned long long)d->quota);
	uint64_t used = d->used != MSGSTORE_USAGE_UNKNOWN ? d->used :
	    maildir_usage(maildir);
	if (used + total > d->quota)
		return fail(err, MSGSTORE_TEMPFAIL, "452 4.2.2 Mailbox full: "
		    "%llu of %llu bytes used, the message needs %llu",
		    (unsigned long long)used, (unsigned long long)d->quota,
		    (unsigned long long)total);
	return MSGSTORE_OK;
}

/* Syncs every directory from path's parent up to root, so the entries of
 * newly made directories are on disk before a message is renamed into
 * them: fsync(new/) alone does not make new/ itself durable. */
static bool sync_up_to(const char *path, const char *root, struct buf *err)
{
	struct buf p = BUF_INIT;
	size_t stop = strlen(root);
	bool ok = true;
	buf_addstr(&p, path);
	while (ok && p.len > stop) {
		ok = file_sync_parent(p.data, err);
		char *slash = strrchr(p.data, '/');
		p.len = slash != NULL ? (size_t)(slash - p.data) : 0;
		p.data[p.len] = '\0';
	}
	buf_free(&p);
	return ok;
}

/* Creates dir's cur/new/tmp unless tmp/ is there already (the common case
 * costs one stat). */
static enum msgstore_result ensure_maildir(const char *dir, const char *root,
    struct buf *err)
{
	struct buf p = BUF_INIT, e = BUF_INIT;
	struct stat st;
	enum msgstore_result r = MSGSTORE_OK;
	buf_printf(&p, "%s/tmp", dir);
	if ((stat(p.data, &st) != 0 || !S_ISDIR(st.st_mode)) &&
	    (!maildir_create(dir, &e) || !sync_up_to(p.data, root, &e)))
		r = io_fail(errno, e.data, err);
	buf_free(&p);
	buf_free(&e);
	return r;
}

/* Copies exactly size bytes of the source to os. On failure says which
 * side failed: the source (sink_failed false) or the stack. */
static bool copy_source(int fd, uint64_t size, struct ostream *os,
    bool *sink_failed, struct buf *err)
{
	unsigned char chunk[65536];
	struct istream *src = istream_fd_create(fd);
	uint64_t left = size;
	bool ok = true;
	/* A retry may get a descriptor read before; a pipe cannot seek. */
	if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE) {
		buf_printf(err, "queue file: %s", strerror(errno));
		ok = false;
	}
	while (ok && left > 0) {
		size_t want = left < sizeof chunk ? (size_t)left : sizeof chunk;
		ssize_t r = istream_read(src, chunk, want);
		if (r <= 0) {
			if (r < 0)
				buf_printf(err, "queue file: %s", istream_error(src));
			else
				buf_printf(err, "queue file ends after %llu of %llu bytes",
				    (unsigned long long)(size - left),
				    (unsigned long long)size);
			ok = false;
		} else if (!ostream_write(os, chunk, (size_t)r)) {
			*sink_failed = true;
			ok = false;
		} else {
			left -= (uint64_t)r;
		}
	}
	sodium_memzero(chunk, sizeof chunk);
	istream_free(src);
	return ok;
}

/* Runs headers + message through compress -> [trees] -> the open file. */
static enum msgstore_result write_stack(const struct msgstore_delivery *d,
    int out, uint64_t total, struct buf *err)
{
	struct ostream *sink = ostream_fd_create(out);
	struct ostream *os = sink;
	struct buf e = BUF_INIT;
	bool sink_failed = false;
	enum msgstore_result r = MSGSTORE_OK;
	if (d->encrypt)
		os = trees_ostream_create(os, d->pk);
	os = compress_ostream_create(os, d->algo, d->level, total);
	if (!ostream_write(os, d->headers, d->headers_len))
		sink_failed = true;
	else if (!copy_source(d->fd, d->size, os, &sink_failed, &e))
		r = fail(err, MSGSTORE_TEMPFAIL, "451 4.3.0 Cannot read the "
		    "message (%s)", e.data);
	else if (!ostream_finish(os))
		sink_failed = true;
	if (sink_failed)
		r = io_fail(ostream_fd_errno(sink), ostream_error(os), err);
	ostream_free(os);
	buf_free(&e);
	return r;
}

static enum msgstore_result store_file(const struct msgstore_delivery *d,
    const char *dir, const char *base, uint64_t total, struct buf *err)
{
	struct maildir_delivery md;
	struct buf e = BUF_INIT;
	enum msgstore_result r;
	if (!maildir_deliver_begin(dir, base, &md, &e)) {
		r = io_fail(errno, e.data, err);
	} else if ((r = write_stack(d, md.fd, total, err)) != MSGSTORE_OK) {
		maildir_deliver_abort(&md);
	} else {
		if (d->path != NULL)
			buf_addstr(d->path, md.new_path);
		if (!maildir_deliver_commit(&md, &e))
			r = io_fail(errno, e.data, err);
	}
	if (r != MSGSTORE_OK && d->path != NULL)
		buf_reset(d->path);
	buf_free(&e);
	return r;
}

/* The address and queue id become path names: refuse what cannot be one
 * (the maildir code escapes the rest). */
static enum msgstore_result check_request(const struct msgstore_delivery *d,
    struct buf *err)
{
	const char *at = strrchr(d->address, '@');
	if (at == NULL || at == d->address || at[1] == '\0')
		return fail(err, MSGSTORE_PERMFAIL, "550 5.1.3 Bad mailbox "
		    "address syntax (%s)", d->address);
	if (*d->queue_id == '\0' || strchr(d->queue_id, '/') != NULL)
		return fail(err, MSGSTORE_TEMPFAIL, "451 4.3.0 Local error in "
		    "processing (bad queue id)");
	return MSGSTORE_OK;
}

/* The folder's directory if it exists, else the INBOX (the Maildir). */
static void target_dir(const struct msgstore_delivery *d, const char *maildir,
    struct buf *out)
{
	if (d->folder != NULL && *d->folder != '\0' &&
	    maildir_folder_find(maildir, d->folder, out))
		return;
	buf_reset(out);
	buf_addstr(out, maildir);
}

enum msgstore_result msgstore_deliver(const struct msgstore_delivery *d,
    struct buf *err)
{
	struct buf md = BUF_INIT, dir = BUF_INIT, base = BUF_INIT;
	uint64_t total = d->headers_len + d->size;
	enum msgstore_result r = check_request(d, err);
	if (d->path != NULL)
		buf_reset(d->path);
	if (r != MSGSTORE_OK)
		return r;
	maildir_user_path(d->mail_dir, d->address, &md);
	target_dir(d, md.data, &dir);
	maildir_base_name(d->queue_id, d->rcpt, d->hostname, total, &base);
	/* Before the quota: a delivered message counts in the usage. */
	if (maildir_has(dir.data, base.data, d->retry))
		r = MSGSTORE_OK;
	else if ((r = check_quota(d, md.data, total, err)) == MSGSTORE_OK &&
	    (r = ensure_maildir(md.data, d->mail_dir, err)) == MSGSTORE_OK &&
	    (r = ensure_maildir(dir.data, d->mail_dir, err)) == MSGSTORE_OK)
		r = store_file(d, dir.data, base.data, total, err);
	buf_free(&md);
	buf_free(&dir);
	buf_free(&base);
	return r;
}
