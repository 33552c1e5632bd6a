/* Backup archive records: validity rules and the encoder (archive.h). */
#include "store/archive.h"

#include <string.h>

#include "store/archive_be.h"

static void put_u8(struct buf *out, uint8_t v)
{
	buf_add(out, &v, 1);
}

static void put_be(struct buf *out, uint64_t v, unsigned bytes)
{
	unsigned char b[8];
	archive_be_put(b, v, bytes);
	buf_add(out, b, bytes);
}

bool archive_path_valid(const char *path, size_t len)
{
	if (len == 0 || len > ARCHIVE_PATH_MAX || memchr(path, '\0', len))
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		size_t clen = i - start;
		const char *c = path + start;
		if (clen == 0 || (clen == 1 && c[0] == '.') ||
		    (clen == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

bool archive_name_valid(const char *name, size_t len)
{
	if (len > ARCHIVE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

void archive_put_info(struct buf *out, const char *text, size_t len)
{
	put_u8(out, 'A');
	put_be(out, len, 4);
	buf_add(out, text, len);
}

bool archive_put_entry(struct buf *out, const struct archive_entry *e)
{
	size_t plen = strlen(e->path), olen = strlen(e->owner),
	    glen = strlen(e->group);
	if ((e->type != ARCHIVE_DIR && e->type != ARCHIVE_FILE &&
	    e->type != ARCHIVE_LISTED) || !archive_path_valid(e->path, plen) ||
	    !archive_name_valid(e->owner, olen) ||
	    !archive_name_valid(e->group, glen) || e->mode > 07777 ||
	    e->mtime_nsec >= 1000000000u)
		return false;
	put_u8(out, (uint8_t)e->type);
	put_be(out, plen, 2);
	buf_add(out, e->path, plen);
	put_be(out, e->mode, 4);
	put_be(out, (uint64_t)e->mtime, 8);
	put_be(out, e->mtime_nsec, 4);
	put_u8(out, (uint8_t)olen);
	buf_add(out, e->owner, olen);
	put_u8(out, (uint8_t)glen);
	buf_add(out, e->group, glen);
	put_u8(out, e->fs);
	put_be(out, e->ino, 8);
	return true;
}

void archive_put_end(struct buf *out, uint64_t entries, uint64_t bytes)
{
	put_u8(out, 'Z');
	put_be(out, entries, 8);
	put_be(out, bytes, 8);
}

void archive_file_begin(struct archive_file_enc *fe)
{
	crypto_generichash_init(&fe->hash, NULL, 0, ARCHIVE_HASH_LEN);
	fe->size = 0;
}

void archive_file_data(struct archive_file_enc *fe, struct buf *out,
    const void *p, size_t n)
{
	const unsigned char *s = p;
	crypto_generichash_update(&fe->hash, s, n);
	fe->size += n;
	while (n > 0) {
		size_t seg = n < ARCHIVE_SEG_MAX ? n : ARCHIVE_SEG_MAX;
		put_be(out, seg, 4);
		buf_add(out, s, seg);
		s += seg;
		n -= seg;
	}
}

void archive_file_end(struct archive_file_enc *fe, struct buf *out)
{
	unsigned char h[ARCHIVE_HASH_LEN];
	crypto_generichash_final(&fe->hash, h, sizeof h);
	put_be(out, 0, 4);
	put_be(out, fe->size, 8);
	buf_add(out, h, sizeof h);
}
