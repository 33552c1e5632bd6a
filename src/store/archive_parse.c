/* Backup archive record parser (archive.h): a push state machine that
 * holds at most one record header (path and names, or the 64 KiB
 * description); file content passes straight through to the caller. */
#include "store/archive.h"

#include <string.h>

#include "common/xmalloc.h"
#include "store/archive_be.h"

#define ID_LEN 9     /* u8 fs, u64 ino after the group name */

enum pstate {
	P_TYPE, P_INFO_LEN, P_INFO, P_PATH_LEN, P_META, P_OWNER, P_GROUP,
	P_SEG_LEN, P_SEG, P_TAIL, P_END, P_DONE, P_FAILED,
};

struct archive_parser {
	const struct archive_parse_ops *ops;
	void *ctx;
	enum pstate st;
	unsigned char *hold;       /* ARCHIVE_INFO_MAX bytes */
	size_t have, want;
	bool seen_info;
	struct archive_entry e;
	crypto_generichash_state hash;
	uint64_t seg_left, entries, bytes;
};

struct archive_parser *archive_parser_new(const struct archive_parse_ops *ops,
    void *ctx)
{
	struct archive_parser *p = xcalloc(1, sizeof *p);
	p->ops = ops;
	p->ctx = ctx;
	p->hold = xmalloc(ARCHIVE_INFO_MAX);
	p->want = 1;
	return p;
}

void archive_parser_free(struct archive_parser *p)
{
	if (p == NULL)
		return;
	free(p->hold);
	free(p);
}

static bool fail(struct archive_parser *p, struct buf *err, const char *why)
{
	if (err->len == 0)
		buf_addstr(err, why);
	p->st = P_FAILED;
	return false;
}

static void expect(struct archive_parser *p, enum pstate st, size_t want)
{
	p->st = st;
	p->have = 0;
	p->want = want;
}

static bool on_type(struct archive_parser *p, struct buf *err)
{
	unsigned char t = p->hold[0];
	if (!p->seen_info && t != 'A')
		return fail(p, err, "archive does not start with its description");
	memset(&p->e, 0, sizeof p->e);
	switch (t) {
	case 'A':
		if (p->seen_info)
			return fail(p, err, "second archive description");
		expect(p, P_INFO_LEN, 4);
		return true;
	case 'D': case 'F': case 'L':
		p->e.type = (enum archive_type)t;
		expect(p, P_PATH_LEN, 2);
		return true;
	case 'Z':
		expect(p, P_END, 16);
		return true;
	default:
		return fail(p, err, "unknown record type (symlinks, devices and "
		    "other special files are not allowed)");
	}
}

static bool on_info(struct archive_parser *p, struct buf *err)
{
	p->seen_info = true;
	if (p->ops->info && !p->ops->info(p->ctx, (const char *)p->hold, p->have, err))
		return fail(p, err, "stopped");
	expect(p, P_TYPE, 1);
	return true;
}

static bool on_meta(struct archive_parser *p, struct buf *err)
{
	size_t plen = p->want - 17;
	const unsigned char *m = p->hold + plen;
	if (!archive_path_valid((const char *)p->hold, plen))
		return fail(p, err, "unsafe or invalid path in the archive");
	memcpy(p->e.path, p->hold, plen);
	p->e.path[plen] = '\0';
	p->e.mode = (uint32_t)archive_be_get(m, 4);
	p->e.mtime = (int64_t)archive_be_get(m + 4, 8);
	p->e.mtime_nsec = (uint32_t)archive_be_get(m + 12, 4);
	if (p->e.mode > 07777)
		return fail(p, err, "entry is not a plain file or directory");
	if (p->e.mtime_nsec >= 1000000000u)
		return fail(p, err, "invalid time stamp");
	expect(p, P_OWNER, (size_t)m[16] + 1);
	return true;
}

static bool take_name(struct archive_parser *p, char *dst, size_t len,
    struct buf *err)
{
	if (!archive_name_valid((const char *)p->hold, len))
		return fail(p, err, "invalid owner or group name");
	memcpy(dst, p->hold, len);
	dst[len] = '\0';
	return true;
}

static bool on_entry(struct archive_parser *p, struct buf *err)
{
	p->entries++;
	if (p->ops->entry && !p->ops->entry(p->ctx, &p->e, err))
		return fail(p, err, "stopped");
	if (p->e.type == ARCHIVE_FILE) {
		crypto_generichash_init(&p->hash, NULL, 0, ARCHIVE_HASH_LEN);
		expect(p, P_SEG_LEN, 4);
		return true;
	}
	if (p->ops->entry_end && !p->ops->entry_end(p->ctx, &p->e, err))
		return fail(p, err, "stopped");
	expect(p, P_TYPE, 1);
	return true;
}

static bool on_tail(struct archive_parser *p, struct buf *err)
{
	unsigned char h[ARCHIVE_HASH_LEN];
	crypto_generichash_final(&p->hash, h, sizeof h);
	if (archive_be_get(p->hold, 8) != p->e.size)
		return fail(p, err, "file size does not match its content");
	if (sodium_memcmp(h, p->hold + 8, sizeof h) != 0)
		return fail(p, err, "file hash does not match its content");
	if (p->ops->entry_end && !p->ops->entry_end(p->ctx, &p->e, err))
		return fail(p, err, "stopped");
	expect(p, P_TYPE, 1);
	return true;
}

static bool on_end(struct archive_parser *p, struct buf *err)
{
	if (archive_be_get(p->hold, 8) != p->entries ||
	    archive_be_get(p->hold + 8, 8) != p->bytes)
		return fail(p, err, "archive end does not match its entries");
	if (p->ops->end && !p->ops->end(p->ctx, p->entries, p->bytes, err))
		return fail(p, err, "stopped");
	expect(p, P_DONE, 1);
	return true;
}

/* A complete fixed-size piece is in hold: act on it. */
static bool step(struct archive_parser *p, struct buf *err)
{
	switch (p->st) {
	case P_TYPE:
		return on_type(p, err);
	case P_INFO_LEN: {
		uint64_t len = archive_be_get(p->hold, 4);
		if (len > ARCHIVE_INFO_MAX)
			return fail(p, err, "archive description too long");
		expect(p, P_INFO, (size_t)len);
		return len > 0 || on_info(p, err);
	}
	case P_INFO:
		return on_info(p, err);
	case P_PATH_LEN: {
		uint64_t len = archive_be_get(p->hold, 2);
		if (len == 0 || len > ARCHIVE_PATH_MAX)
			return fail(p, err, "path length out of range");
		expect(p, P_META, (size_t)len + 17);
		return true;
	}
	case P_META:
		return on_meta(p, err);
	case P_OWNER:
		if (!take_name(p, p->e.owner, p->want - 1, err))
			return false;
		expect(p, P_GROUP, (size_t)p->hold[p->want - 1] + ID_LEN);
		return true;
	case P_GROUP: {
		size_t glen = p->want - ID_LEN;
		if (!take_name(p, p->e.group, glen, err))
			return false;
		p->e.fs = p->hold[glen];
		p->e.ino = archive_be_get(p->hold + glen + 1, 8);
		return on_entry(p, err);
	}
	case P_SEG_LEN:
		p->seg_left = archive_be_get(p->hold, 4);
		if (p->seg_left > ARCHIVE_SEG_MAX)
			return fail(p, err, "file segment too long");
		if (p->seg_left == 0)
			expect(p, P_TAIL, 8 + ARCHIVE_HASH_LEN);
		else
			expect(p, P_SEG, 0);
		return true;
	case P_TAIL:
		return on_tail(p, err);
	case P_END:
		return on_end(p, err);
	default:
		return fail(p, err, "internal parser state");
	}
}

/* Passes file content through without holding it. */
static bool seg_data(struct archive_parser *p, const unsigned char **d,
    size_t *n, struct buf *err)
{
	size_t k = *n < p->seg_left ? *n : (size_t)p->seg_left;
	crypto_generichash_update(&p->hash, *d, k);
	if (p->ops->data && !p->ops->data(p->ctx, *d, k, err))
		return fail(p, err, "stopped");
	p->e.size += k;
	p->bytes += k;
	p->seg_left -= k;
	*d += k;
	*n -= k;
	if (p->seg_left == 0)
		expect(p, P_SEG_LEN, 4);
	return true;
}

bool archive_parser_feed(struct archive_parser *p, const void *data, size_t n,
    struct buf *err)
{
	const unsigned char *d = data;
	while (n > 0) {
		if (p->st == P_FAILED)
			return fail(p, err, "archive already failed");
		if (p->st == P_DONE)
			return fail(p, err, "data after the end of the archive");
		if (p->st == P_SEG) {
			if (!seg_data(p, &d, &n, err))
				return false;
			continue;
		}
		size_t k = p->want - p->have;
		if (k > n)
			k = n;
		memcpy(p->hold + p->have, d, k);
		p->have += k;
		d += k;
		n -= k;
		if (p->have == p->want && !step(p, err))
			return false;
	}
	return true;
}

bool archive_parser_finish(struct archive_parser *p, struct buf *err)
{
	if (p->st == P_DONE)
		return true;
	return fail(p, err, p->st == P_FAILED ? "archive failed" :
	    "archive ends in the middle (truncated)");
}
