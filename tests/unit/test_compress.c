#include "t.h"

#include <stdlib.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "store/compress.h"
#include "store/stream.h"

/* Half text-like, half random: both code paths of the encoders. */
static unsigned char *mixed(size_t n)
{
	unsigned char *p = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)("Subject: hello world\r\n"[i % 22]);
	randombytes_buf(p + n / 2, n - n / 2);
	return p;
}

static bool compress_to(struct buf *out, enum compress_algo algo, int level,
    const unsigned char *p, size_t n, struct buf *err)
{
	struct ostream *os = compress_ostream_create(ostream_buf_create(out),
	    algo, level, n);
	size_t piece = 777;
	bool ok = true;
	for (size_t off = 0; ok && off < n; off += piece)
		ok = ostream_write(os, p + off, n - off < piece ? n - off : piece);
	ok = ok && ostream_finish(os);
	if (!ok)
		buf_set(err, ostream_error(os));
	ostream_free(os);
	return ok;
}

static bool decompress_from(const void *p, size_t n, struct buf *out,
    struct buf *err)
{
	struct istream *is = decompress_istream_create(istream_mem_create(p, n));
	struct ostream *os = ostream_buf_create(out);
	buf_reset(out);
	bool ok = stream_copy(is, os, err);
	ostream_free(os);
	istream_free(is);
	return ok;
}

TEST(compress_roundtrip_xz_zstd)
{
	static const size_t sizes[] = { 0, 1, 8193, 100000, 1 << 20 };
	static const enum compress_algo algos[] = { COMPRESS_XZ, COMPRESS_ZSTD };
	for (size_t a = 0; a < 2; a++)
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			struct buf c = BUF_INIT, d = BUF_INIT, err = BUF_INIT;
			unsigned char *p = mixed(sizes[i]);
			CHECK(compress_to(&c, algos[a], COMPRESS_LEVEL_DEFAULT, p,
			    sizes[i], &err));
			CHECK(compress_sniff(c.data, c.len) == algos[a]);
			CHECK(decompress_from(c.data, c.len, &d, &err));
			CHECK_MEM(d.data, d.len, p, sizes[i]);
			free(p);
			buf_free(&c);
			buf_free(&d);
			buf_free(&err);
		}
}

TEST(compress_plain_passes_through)
{
	struct buf d = BUF_INIT, err = BUF_INIT;
	static const char *inputs[] = { "", "\xfd", "\xfd" "7zX", "(\xb5/",
		"From: a@b\r\n\r\nbody" };
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		size_t n = strlen(inputs[i]);
		CHECK(decompress_from(inputs[i], n, &d, &err));
		CHECK_MEM(d.data, d.len, inputs[i], n);
	}
	buf_free(&d);
	buf_free(&err);
}

/* Cut, altered or followed by junk, compressed data is an error. */
static void check_damage(enum compress_algo algo)
{
	struct buf c = BUF_INIT, d = BUF_INIT, err = BUF_INIT;
	size_t n = 50000;
	unsigned char *p = mixed(n);
	CHECK(compress_to(&c, algo, 1, p, n, &err));
	size_t cuts[] = { 6, c.len / 2, c.len - 1 };
	for (size_t i = 0; i < 3; i++)
		CHECK(!decompress_from(c.data, cuts[i], &d, &err));
	c.data[c.len / 3] ^= 0x10;
	CHECK(!decompress_from(c.data, c.len, &d, &err));
	c.data[c.len / 3] ^= 0x10;
	c.data[c.len - 2] ^= 0x01;     /* inside the checksum */
	CHECK(!decompress_from(c.data, c.len, &d, &err));
	c.data[c.len - 2] ^= 0x01;
	buf_add(&c, "junk", 4);
	CHECK(!decompress_from(c.data, c.len, &d, &err));
	CHECK(strstr(buf_cstr(&err), compress_algo_name(algo)) != NULL);
	free(p);
	buf_free(&c);
	buf_free(&d);
	buf_free(&err);
}

TEST(compress_damage_refused)
{
	check_damage(COMPRESS_XZ);
	check_damage(COMPRESS_ZSTD);
}

TEST(compress_xz_memory_fits_message)
{
	CHECK(compress_xz_dict_size(6, 2000) == 64 << 10);
	CHECK(compress_xz_dict_size(6, 100000) == 128 << 10);
	CHECK(compress_xz_dict_size(6, 100 << 20) == 1 << 20);
	CHECK(compress_xz_dict_size(6, 0) == 1 << 20);
	CHECK(compress_xz_dict_size(0, 100 << 20) == 256 << 10);
	CHECK(compress_xz_dict_size(10, 1) == 0);
	/* Preset 6 alone needs ~94 MiB; a small mail should need a few. */
	uint64_t small = compress_xz_encoder_memusage(6, 4000);
	uint64_t big = compress_xz_encoder_memusage(6, 100 << 20);
	CHECK(small > 0 && small < (4 << 20));
	CHECK(big > small && big < (16 << 20));
}

TEST(compress_bad_level_reported)
{
	struct buf c = BUF_INIT, err = BUF_INIT;
	CHECK(!compress_to(&c, COMPRESS_XZ, 12, (const unsigned char *)"x", 1,
	    &err));
	CHECK(strstr(buf_cstr(&err), "level") != NULL);
	CHECK(!compress_to(&c, COMPRESS_ZSTD, 99, (const unsigned char *)"x", 1,
	    &err));
	CHECK(strstr(buf_cstr(&err), "level") != NULL);
	CHECK(c.len == 0);
	buf_free(&c);
	buf_free(&err);
}

TEST(compress_algo_names)
{
	enum compress_algo a;
	CHECK(compress_algo_parse("xz", &a) && a == COMPRESS_XZ);
	CHECK(compress_algo_parse("zstd", &a) && a == COMPRESS_ZSTD);
	CHECK(compress_algo_parse("none", &a) && a == COMPRESS_NONE);
	CHECK(!compress_algo_parse("gzip", &a));
	CHECK_STR(compress_algo_name(COMPRESS_ZSTD), "zstd");
}
