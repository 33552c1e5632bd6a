#include "t.h"

#include <sodium.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "store/compress.h"
#include "store/stream.h"
#include "store/trees.h"

static unsigned char tpk[TREES_PK_LEN], tsk[TREES_SK_LEN];

static void test_keys(void)
{
	static bool made;
	if (!made) {
		crypto_box_keypair(tpk, tsk);
		made = true;
	}
}

static unsigned char *sample(size_t n)
{
	unsigned char *p = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + i / 8192);
	return p;
}

/* Writes in odd-sized pieces so chunk buffering is exercised. */
static bool write_pieces(struct ostream *os, const unsigned char *p, size_t n)
{
	size_t piece = 1000;
	for (size_t off = 0; off < n; off += piece)
		if (!ostream_write(os, p + off, n - off < piece ? n - off : piece))
			return false;
	return ostream_finish(os);
}

static void seal(const unsigned char *p, size_t n, struct buf *out)
{
	struct ostream *os = trees_ostream_create(ostream_buf_create(out), tpk);
	CHECK(write_pieces(os, p, n));
	ostream_free(os);
}

/* Decrypts in into out; on failure err holds the message. */
static bool unseal(const struct buf *in, const unsigned char *sk,
    bool require_header, struct buf *out, struct buf *err)
{
	struct istream *is = trees_istream_create(
	    istream_mem_create(in->data, in->len), tpk, sk, require_header);
	struct ostream *os = ostream_buf_create(out);
	buf_reset(out);
	bool ok = stream_copy(is, os, err);
	ostream_free(os);
	istream_free(is);
	return ok;
}

static size_t sealed_size(size_t n)
{
	return TREES_HEADER_LEN + n / TREES_CHUNK * TREES_SEALED_CHUNK +
	    n % TREES_CHUNK + TREES_SEAL_EXTRA;
}

TEST(trees_stream_roundtrip_sizes)
{
	static const size_t sizes[] = { 0, 1, 8191, 8192, 8193, 3 * 8192,
		1 << 20 };
	test_keys();
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct buf enc = BUF_INIT, dec = BUF_INIT, err = BUF_INIT;
		unsigned char *p = sample(sizes[i]);
		seal(p, sizes[i], &enc);
		CHECK(enc.len == sealed_size(sizes[i]));
		CHECK_MEM(enc.data, 7, "\xee\xff\xcc\0\0\0\1", 7);
		CHECK(unseal(&enc, tsk, true, &dec, &err));
		CHECK_MEM(dec.data, dec.len, p, sizes[i]);
		free(p);
		buf_free(&enc);
		buf_free(&dec);
		buf_free(&err);
	}
}

TEST(trees_stream_empty_is_header_and_empty_box)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, err = BUF_INIT;
	unsigned char plain[1];
	test_keys();
	seal(NULL, 0, &enc);
	CHECK(enc.len == 55);
	CHECK(crypto_box_seal_open(plain, (unsigned char *)enc.data + 7, 48,
	    tpk, tsk) == 0);
	CHECK(unseal(&enc, tsk, true, &dec, &err));
	CHECK(dec.len == 0);
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&err);
}

static void expect_refused(const struct buf *enc, size_t len, const char *why)
{
	struct buf cut = BUF_INIT, dec = BUF_INIT, err = BUF_INIT;
	buf_add(&cut, enc->data, len);
	CHECK(!unseal(&cut, tsk, true, &dec, &err));
	CHECK(strstr(buf_cstr(&err), why) != NULL);
	buf_free(&cut);
	buf_free(&dec);
	buf_free(&err);
}

TEST(trees_stream_truncation_refused)
{
	struct buf enc = BUF_INIT;
	size_t n = 3 * 8192 + 100;
	unsigned char *p = sample(n);
	test_keys();
	seal(p, n, &enc);
	for (size_t k = 0; k <= 3; k++)
		expect_refused(&enc, 7 + k * TREES_SEALED_CHUNK, "truncated");
	expect_refused(&enc, 7 + 100, "cannot be decrypted");
	expect_refused(&enc, 7 + TREES_SEALED_CHUNK + 5000, "cannot be decrypted");
	expect_refused(&enc, 7 + 3 * TREES_SEALED_CHUNK + 20, "truncated chunk");
	expect_refused(&enc, enc.len - 1, "cannot be decrypted");
	expect_refused(&enc, 5, "truncated header");
	expect_refused(&enc, 0, "no header");
	/* A multiple of the chunk size still ends with an empty box. */
	buf_reset(&enc);
	seal(p, 2 * 8192, &enc);
	expect_refused(&enc, 7 + 2 * TREES_SEALED_CHUNK, "final chunk missing");
	free(p);
	buf_free(&enc);
}

TEST(trees_stream_tampering_refused)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, err = BUF_INIT;
	size_t n = 2 * 8192 + 10;
	unsigned char *p = sample(n);
	test_keys();
	seal(p, n, &enc);
	size_t spots[] = { 7, 7 + 40, 7 + 8000, 7 + TREES_SEALED_CHUNK + 1,
		enc.len - 1 };
	for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
		enc.data[spots[i]] ^= 0x01;
		CHECK(!unseal(&enc, tsk, true, &dec, &err));
		enc.data[spots[i]] ^= 0x01;
	}
	enc.data[6] = 2;
	CHECK(!unseal(&enc, tsk, false, &dec, &err));
	CHECK(strstr(buf_cstr(&err), "unsupported version 2") != NULL);
	enc.data[6] = 1;
	/* Without the magic the bytes are plaintext, unless a header is required. */
	enc.data[0] = 'X';
	CHECK(!unseal(&enc, tsk, true, &dec, &err));
	CHECK(unseal(&enc, tsk, false, &dec, &err));
	CHECK_MEM(dec.data, dec.len, enc.data, enc.len);
	enc.data[0] = (char)0xee;
	CHECK(unseal(&enc, tsk, true, &dec, &err));
	CHECK_MEM(dec.data, dec.len, p, n);
	free(p);
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&err);
}

TEST(trees_stream_wrong_key_refused)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, err = BUF_INIT;
	unsigned char pk2[TREES_PK_LEN], sk2[TREES_SK_LEN];
	test_keys();
	crypto_box_keypair(pk2, sk2);
	seal((const unsigned char *)"hello", 5, &enc);
	CHECK(!unseal(&enc, sk2, true, &dec, &err));
	CHECK(dec.len == 0);
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&err);
}

TEST(trees_stream_short_plaintext_passes)
{
	struct buf in = BUF_INIT, dec = BUF_INIT, err = BUF_INIT;
	test_keys();
	buf_add(&in, "\xee\xff", 2);     /* shorter than the magic */
	CHECK(unseal(&in, tsk, false, &dec, &err));
	CHECK_MEM(dec.data, dec.len, "\xee\xff", 2);
	buf_reset(&in);
	CHECK(unseal(&in, tsk, false, &dec, &err));
	CHECK(dec.len == 0);
	buf_free(&in);
	buf_free(&dec);
	buf_free(&err);
}

/* The whole storage stack: compress -> encrypt -> file and back. */
TEST(trees_stream_full_stack_roundtrip)
{
	static const enum compress_algo algos[] = { COMPRESS_XZ, COMPRESS_ZSTD,
		COMPRESS_NONE };
	size_t n = 100000;
	unsigned char *p = sample(n);
	test_keys();
	for (size_t i = 0; i < 3; i++) {
		struct buf enc = BUF_INIT, dec = BUF_INIT, err = BUF_INIT;
		struct ostream *os = compress_ostream_create(trees_ostream_create(
		    ostream_buf_create(&enc), tpk), algos[i], 6, n);
		CHECK(write_pieces(os, p, n));
		ostream_free(os);
		struct istream *is = decompress_istream_create(trees_istream_create(
		    istream_mem_create(enc.data, enc.len), tpk, tsk, true));
		os = ostream_buf_create(&dec);
		CHECK(stream_copy(is, os, &err));
		CHECK_STR(buf_cstr(&err), "");
		CHECK_MEM(dec.data, dec.len, p, n);
		ostream_free(os);
		istream_free(is);
		buf_free(&enc);
		buf_free(&dec);
		buf_free(&err);
	}
	free(p);
}

/* Checks the layout with libsodium alone, independent of our reader. */
TEST(trees_stream_layout_opens_chunk_by_chunk)
{
	struct buf enc = BUF_INIT;
	size_t n = 2 * 8192 + 5, off = TREES_HEADER_LEN, got = 0;
	unsigned char *p = sample(n), plain[TREES_CHUNK];
	test_keys();
	seal(p, n, &enc);
	while (off < enc.len) {
		size_t c = enc.len - off < TREES_SEALED_CHUNK ? enc.len - off :
		    TREES_SEALED_CHUNK;
		CHECK(crypto_box_seal_open(plain, (unsigned char *)enc.data + off,
		    c, tpk, tsk) == 0);
		CHECK_MEM(plain, c - TREES_SEAL_EXTRA, p + got, c - TREES_SEAL_EXTRA);
		got += c - TREES_SEAL_EXTRA;
		off += c;
	}
	CHECK(got == n);
	free(p);
	buf_free(&enc);
}

/* A failing sink's error reaches the top of the stack, and stays. */
TEST(trees_stream_sink_error_propagates)
{
	test_keys();
	struct ostream *os = compress_ostream_create(
	    trees_ostream_create(ostream_fd_create(-1), tpk), COMPRESS_ZSTD, 3, 0);
	CHECK(!ostream_write(os, "x", 1) || !ostream_finish(os));
	CHECK(strstr(ostream_error(os), "Bad file descriptor") != NULL);
	CHECK(!ostream_write(os, "y", 1));
	ostream_free(os);

	struct istream *is = trees_istream_create(istream_fd_create(-1), tpk,
	    tsk, false);
	unsigned char b[10];
	CHECK(istream_read(is, b, sizeof b) == -1);
	CHECK(strstr(istream_error(is), "Bad file descriptor") != NULL);
	istream_free(is);
}
