/* The backup archive: record encoder/parser and the sealed container. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "store/archive.h"
#include "store/archive_seal.h"

/* What the parser reported, as text, so tests compare one string. */
struct transcript {
	struct buf log;
	struct buf data;
};

static bool t_info(void *ctx, const char *text, size_t len, struct buf *err)
{
	(void)err;
	struct transcript *t = ctx;
	buf_addstr(&t->log, "info:");
	buf_add(&t->log, text, len);
	buf_addch(&t->log, ';');
	return true;
}

static bool t_entry(void *ctx, const struct archive_entry *e, struct buf *err)
{
	(void)err;
	struct transcript *t = ctx;
	buf_printf(&t->log, "%c %s %o %lld.%u %s:%s %u-%llx;", e->type, e->path,
	    e->mode, (long long)e->mtime, e->mtime_nsec, e->owner, e->group,
	    e->fs, (unsigned long long)e->ino);
	return true;
}

static bool t_data(void *ctx, const void *p, size_t n, struct buf *err)
{
	(void)err;
	struct transcript *t = ctx;
	buf_add(&t->data, p, n);
	return true;
}

static bool t_entry_end(void *ctx, const struct archive_entry *e, struct buf *err)
{
	(void)err;
	struct transcript *t = ctx;
	buf_printf(&t->log, "end %s %llu;", e->path, (unsigned long long)e->size);
	return true;
}

static bool t_end(void *ctx, uint64_t entries, uint64_t bytes, struct buf *err)
{
	(void)err;
	struct transcript *t = ctx;
	buf_printf(&t->log, "Z %llu %llu", (unsigned long long)entries,
	    (unsigned long long)bytes);
	return true;
}

static const struct archive_parse_ops t_ops = {
	t_info, t_entry, t_data, t_entry_end, t_end,
};

static void entry(struct archive_entry *e, enum archive_type type,
    const char *path, unsigned mode)
{
	memset(e, 0, sizeof *e);
	e->type = type;
	snprintf(e->path, sizeof e->path, "%s", path);
	e->mode = mode;
	e->mtime = 1700000000;
	e->mtime_nsec = 5;
	e->ino = type == ARCHIVE_DIR ? 0 : 0x0102030405060708ULL;
	e->fs = type == ARCHIVE_DIR ? 0 : 3;
	snprintf(e->owner, sizeof e->owner, "mail");
}

/* A small archive: description, a directory, a file of n bytes, a listed
 * file, the end. */
static void sample_archive(struct buf *out, const unsigned char *content,
    size_t n)
{
	struct archive_entry e;
	struct archive_file_enc fe;
	archive_put_info(out, "k=v\n", 4);
	entry(&e, ARCHIVE_DIR, "state", 0700);
	CHECK(archive_put_entry(out, &e));
	entry(&e, ARCHIVE_FILE, "state/a b", 0600);
	CHECK(archive_put_entry(out, &e));
	archive_file_begin(&fe);
	archive_file_data(&fe, out, content, n / 2);
	archive_file_data(&fe, out, content + n / 2, n - n / 2);
	archive_file_end(&fe, out);
	entry(&e, ARCHIVE_LISTED, "state/old", 0644);
	CHECK(archive_put_entry(out, &e));
	archive_put_end(out, 3, n);
}

/* Parses in pieces of `piece` bytes; true if the whole archive parsed. */
static bool parse(const void *p, size_t n, size_t piece, struct transcript *t,
    struct buf *err)
{
	struct archive_parser *ap = archive_parser_new(&t_ops, t);
	bool ok = true;
	const unsigned char *d = p;
	for (size_t off = 0; ok && off < n; off += piece)
		ok = archive_parser_feed(ap, d + off, n - off < piece ? n - off : piece,
		    err);
	ok = ok && archive_parser_finish(ap, err);
	archive_parser_free(ap);
	return ok;
}

static void transcript_free(struct transcript *t)
{
	buf_free(&t->log);
	buf_free(&t->data);
}

static unsigned char *pattern(size_t n)
{
	unsigned char *p = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + i / 977);
	return p;
}

TEST(archive_roundtrip_any_split)
{
	static const size_t sizes[] = { 0, 1, 5000, (1u << 20) + 3 };
	for (size_t i = 0; i < 4; i++) {
		unsigned char *c = pattern(sizes[i]);
		struct buf a = BUF_INIT, err = BUF_INIT, want = BUF_INIT;
		sample_archive(&a, c, sizes[i]);
		buf_printf(&want, "info:k=v\n;D state 700 1700000000.5 mail: 0-0;"
		    "end state 0;F state/a b 600 1700000000.5 mail: 3-102030405060708;"
		    "end state/a b %zu;L state/old 644 1700000000.5 mail: "
		    "3-102030405060708;end state/old 0;Z 3 %zu",
		    sizes[i], sizes[i]);
		size_t pieces[] = { 1, 7, 4096, a.len };
		for (size_t k = sizes[i] > 10000 ? 2 : 0; k < 4; k++) {
			struct transcript t = { BUF_INIT, BUF_INIT };
			CHECK(parse(a.data, a.len, pieces[k], &t, &err));
			CHECK_STR(buf_cstr(&t.log), buf_cstr(&want));
			CHECK_MEM(t.data.data, t.data.len, c, sizes[i]);
			transcript_free(&t);
		}
		free(c);
		buf_free(&a);
		buf_free(&err);
		buf_free(&want);
	}
}

TEST(archive_truncated_anywhere_fails)
{
	unsigned char c[100];
	memset(c, 'x', sizeof c);
	struct buf a = BUF_INIT;
	sample_archive(&a, c, sizeof c);
	for (size_t cut = 0; cut < a.len; cut++) {
		struct transcript t = { BUF_INIT, BUF_INIT };
		struct buf err = BUF_INIT;
		CHECK(!parse(a.data, cut, 3, &t, &err));
		CHECK(err.len > 0);
		transcript_free(&t);
		buf_free(&err);
	}
	buf_free(&a);
}

/* Expects the parser to refuse raw and to name `why` in its reason. */
static void refused(const void *raw, size_t n, const char *why)
{
	struct transcript t = { BUF_INIT, BUF_INIT };
	struct buf err = BUF_INIT;
	CHECK(!parse(raw, n, n ? n : 1, &t, &err));
	if (!CHECK(strstr(buf_cstr(&err), why) != NULL))
		fprintf(stderr, "  wanted '%s', got '%s'\n", why, buf_cstr(&err));
	transcript_free(&t);
	buf_free(&err);
}

/* A raw entry record with the given path bytes and mode. */
static void raw_entry(struct buf *out, char type, const char *path,
    size_t plen, uint32_t mode)
{
	unsigned char h[3] = { (unsigned char)type, (unsigned char)(plen >> 8),
		(unsigned char)plen };
	unsigned char m[27] = { (unsigned char)(mode >> 24),
		(unsigned char)(mode >> 16), (unsigned char)(mode >> 8),
		(unsigned char)mode };
	archive_put_info(out, "", 0);
	buf_add(out, h, 3);
	buf_add(out, path, plen);
	buf_add(out, m, sizeof m);     /* mtime 0, no owner or group, id 0 */
}

TEST(archive_hostile_paths_and_types)
{
	static const char *bad[] = { "../etc/passwd", "/etc/passwd", "a//b",
		"a/./b", "a/..", "a/", ".", "x/../../y" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf r = BUF_INIT;
		raw_entry(&r, 'F', bad[i], strlen(bad[i]), 0600);
		refused(r.data, r.len, "path");
		buf_free(&r);
	}
	struct buf r = BUF_INIT;
	raw_entry(&r, 'F', "a\0b", 3, 0600);
	refused(r.data, r.len, "path");
	buf_reset(&r);
	raw_entry(&r, 'F', "link", 4, 0120777);     /* S_IFLNK */
	refused(r.data, r.len, "plain file");
	buf_reset(&r);
	raw_entry(&r, 'F', "dev", 3, 020666);       /* S_IFCHR */
	refused(r.data, r.len, "plain file");
	buf_reset(&r);
	raw_entry(&r, 'S', "sym", 3, 0777);         /* no symlink record */
	refused(r.data, r.len, "unknown record");
	buf_reset(&r);
	raw_entry(&r, 'D', "", 0, 0700);
	refused(r.data, r.len, "path length");
	buf_free(&r);
	refused("D", 1, "description");
	refused("\0\0", 2, "description");
}

TEST(archive_hostile_counts_and_lengths)
{
	/* Description longer than allowed. */
	refused("A\x00\x01\x00\x01", 5, "too long");
	/* Two descriptions. */
	refused("A\0\0\0\0A\0\0\0\0", 10, "second");
	/* Huge path length. */
	refused("A\0\0\0\0D\xff\xff", 8, "path length");
	/* Owner name with a slash. */
	struct buf r = BUF_INIT;
	archive_put_info(&r, "", 0);
	buf_add(&r, "D\0\1d\0\0\1\xc0\0\0\0\0\0\0\0\0\0\0\0\0\2a/\0"
	    "\0\0\0\0\0\0\0\0\0", 33);
	refused(r.data, r.len, "owner");
	/* A segment longer than 1 MiB. */
	buf_reset(&r);
	raw_entry(&r, 'F', "f", 1, 0600);
	buf_add(&r, "\x00\x10\x00\x01", 4);
	refused(r.data, r.len, "segment");
	/* Wrong hash, wrong size. */
	buf_reset(&r);
	struct archive_file_enc fe;
	raw_entry(&r, 'F', "f", 1, 0600);
	archive_file_begin(&fe);
	archive_file_data(&fe, &r, "abc", 3);
	archive_file_end(&fe, &r);
	r.data[r.len - 1] ^= 1;
	refused(r.data, r.len, "hash");
	r.data[r.len - 1] ^= 1;
	r.data[r.len - 33] ^= 1;
	refused(r.data, r.len, "size");
	r.data[r.len - 33] ^= 1;
	/* End counts that do not match; bytes after the end. */
	size_t good = r.len;
	archive_put_end(&r, 2, 3);
	refused(r.data, r.len, "does not match");
	r.len = good;
	archive_put_end(&r, 1, 3);
	buf_addch(&r, 'Z');
	refused(r.data, r.len, "after the end");
	buf_free(&r);
}

TEST(archive_encoder_refuses_invalid)
{
	struct archive_entry e;
	struct buf out = BUF_INIT;
	entry(&e, ARCHIVE_FILE, "../x", 0600);
	CHECK(!archive_put_entry(&out, &e));
	entry(&e, ARCHIVE_FILE, "x", 0100600);
	CHECK(!archive_put_entry(&out, &e));
	entry(&e, ARCHIVE_FILE, "x", 0600);
	snprintf(e.group, sizeof e.group, "a b");
	CHECK(!archive_put_entry(&out, &e));
	CHECK(out.len == 0);
	buf_free(&out);
}

/* ---- the sealed container ---- */

static bool to_buf(void *ctx, const void *p, size_t n, struct buf *err)
{
	(void)err;
	buf_add(ctx, p, n);
	return true;
}

static void seal_sample(const unsigned char *key, const void *p, size_t n,
    struct buf *out, struct archive_header *h)
{
	struct buf err = BUF_INIT;
	archive_header_init(h, ARCHIVE_FULL, NULL);
	struct archive_sealer *s = archive_sealer_new(h, key, to_buf, out, &err);
	CHECK(s != NULL);
	const unsigned char *d = p;
	for (size_t off = 0; off < n; off += 3000)
		CHECK(archive_sealer_write(s, d + off, n - off < 3000 ? n - off : 3000,
		    &err));
	CHECK(archive_sealer_finish(s, &err));
	archive_sealer_free(s);
	buf_free(&err);
}

/* Opens sealed with key; true only if complete and authentic. */
static bool open_all(const unsigned char *key, const struct buf *sealed,
    struct buf *plain, struct buf *err)
{
	struct archive_header h;
	if (sealed->len < ARCHIVE_HEADER_LEN ||
	    !archive_header_parse((const unsigned char *)sealed->data, &h, err))
		return false;
	struct archive_opener *o = archive_opener_new(&h, key, to_buf, plain);
	bool ok = archive_opener_feed(o, sealed->data + ARCHIVE_HEADER_LEN,
	    sealed->len - ARCHIVE_HEADER_LEN, err) && archive_opener_finish(o, err);
	archive_opener_free(o);
	return ok;
}

TEST(archive_seal_roundtrip)
{
	unsigned char key[ARCHIVE_KEY_LEN];
	randombytes_buf(key, sizeof key);
	/* Random data does not compress: several chunks. */
	size_t n = 300000;
	unsigned char *p = xmalloc(n);
	randombytes_buf(p, n);
	for (int round = 0; round < 2; round++) {
		size_t len = round ? 0 : n;
		struct buf sealed = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
		struct archive_header h;
		seal_sample(key, p, len, &sealed, &h);
		CHECK(open_all(key, &sealed, &plain, &err));
		CHECK_MEM(plain.data, plain.len, p, len);
		struct archive_header h2;
		CHECK(archive_header_parse((unsigned char *)sealed.data, &h2, &err));
		CHECK_MEM(h2.id, 16, h.id, 16);
		CHECK(h2.created_us == h.created_us && h2.kind == ARCHIVE_FULL);
		buf_free(&sealed);
		buf_free(&plain);
		buf_free(&err);
	}
	free(p);
}

TEST(archive_seal_detects_damage)
{
	unsigned char key[ARCHIVE_KEY_LEN], other[ARCHIVE_KEY_LEN];
	randombytes_buf(key, sizeof key);
	randombytes_buf(other, sizeof other);
	size_t n = 150000;
	unsigned char *p = xmalloc(n);
	randombytes_buf(p, n);
	struct buf sealed = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
	struct archive_header h;
	seal_sample(key, p, n, &sealed, &h);
	/* Every byte flipped somewhere: header, lengths, ciphertext, tags. */
	for (size_t i = 0; i < sealed.len; i += (i < 300 ? 1 : 997)) {
		sealed.data[i] ^= 0x20;
		buf_reset(&plain);
		buf_reset(&err);
		CHECK(!open_all(key, &sealed, &plain, &err));
		sealed.data[i] ^= 0x20;
	}
	/* Truncated at chunk boundaries and inside chunks; bytes appended. */
	size_t full = sealed.len;
	size_t cuts[] = { ARCHIVE_HEADER_LEN, ARCHIVE_HEADER_LEN + 4,
		ARCHIVE_HEADER_LEN + 4 + 65536 + 17, full - 1, full - 30 };
	for (size_t i = 0; i < 5; i++) {
		sealed.len = cuts[i];
		buf_reset(&err);
		CHECK(!open_all(key, &sealed, &plain, &err));
		CHECK(strstr(buf_cstr(&err), "truncated") != NULL ||
		    strstr(buf_cstr(&err), "damaged") != NULL);
	}
	sealed.len = full;
	buf_addch(&sealed, 0);
	buf_reset(&err);
	CHECK(!open_all(key, &sealed, &plain, &err));
	sealed.len = full;
	buf_reset(&err);
	CHECK(!open_all(other, &sealed, &plain, &err));
	CHECK(strstr(buf_cstr(&err), "wrong passphrase") != NULL);
	buf_reset(&plain);
	buf_reset(&err);
	CHECK(open_all(key, &sealed, &plain, &err));
	free(p);
	buf_free(&sealed);
	buf_free(&plain);
	buf_free(&err);
}

TEST(archive_header_and_kdf)
{
	struct archive_header h, h2;
	unsigned char base[16] = { 1 };
	archive_header_init(&h, ARCHIVE_INCREMENTAL, base);
	h.opslimit = crypto_pwhash_OPSLIMIT_MIN;
	h.memlimit = crypto_pwhash_MEMLIMIT_MIN;
	unsigned char k1[ARCHIVE_KEY_LEN], k2[ARCHIVE_KEY_LEN], k3[ARCHIVE_KEY_LEN];
	struct buf err = BUF_INIT, sealed = BUF_INIT;
	CHECK(archive_key_derive("secret", 6, &h, k1, &err));
	CHECK(archive_key_derive("secret", 6, &h, k2, &err));
	CHECK(archive_key_derive("secreT", 6, &h, k3, &err));
	CHECK_MEM(k1, sizeof k1, k2, sizeof k2);
	CHECK(memcmp(k1, k3, sizeof k1) != 0);
	struct archive_sealer *s = archive_sealer_new(&h, k1, to_buf, &sealed, &err);
	CHECK(archive_sealer_finish(s, &err));
	archive_sealer_free(s);
	unsigned char *raw = (unsigned char *)sealed.data;
	CHECK(archive_header_parse(raw, &h2, &err));
	CHECK(h2.kind == ARCHIVE_INCREMENTAL && h2.base_id[0] == 1);
	raw[0] = 'X';
	CHECK(!archive_header_parse(raw, &h2, &err));
	raw[0] = 'A';
	raw[20] = 0xff;          /* memlimit far too large */
	CHECK(!archive_header_parse(raw, &h2, &err));
	raw[20] = 0;
	raw[60] = 0;             /* incremental without a base id */
	CHECK(!archive_header_parse(raw, &h2, &err));
	buf_free(&err);
	buf_free(&sealed);
}
