/* libFuzzer target: the backup archive (store/archive.h, archive_seal.h).
 * The first byte picks what the rest is:
 *   0: archive records, fed to the parser in pieces of the second byte's
 *      size; whatever parses must also parse whole, the same way.
 *   1: plaintext sealed under a fixed key and opened again: the round trip
 *      must give back the bytes; they then go through the parser.
 *   2: a whole backup file (header + chunks) opened with a fixed key.
 * The key is fixed so no Argon2id runs per input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/buf.h"
#include "store/archive.h"
#include "store/archive_seal.h"

static const unsigned char fixed_key[ARCHIVE_KEY_LEN] = { 7, 7, 7 };

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_backup: %s\n", what);
	abort();
}

static bool count_entry(void *ctx, const struct archive_entry *e, struct buf *err)
{
	(void)err;
	/* What the parser lets through must be safe to extract. */
	if (e->path[0] == '/' || strstr(e->path, "..") == e->path ||
	    e->mode > 07777)
		fail("unsafe entry passed the parser");
	(*(uint64_t *)ctx)++;
	return true;
}

static const struct archive_parse_ops ops = { NULL, count_entry, NULL, NULL, NULL };

static bool parse(const unsigned char *p, size_t n, size_t piece, uint64_t *entries)
{
	struct buf err = BUF_INIT;
	struct archive_parser *ap = archive_parser_new(&ops, entries);
	bool ok = true;
	for (size_t off = 0; ok && off < n; off += piece)
		ok = archive_parser_feed(ap, p + off, n - off < piece ? n - off : piece,
		    &err);
	ok = ok && archive_parser_finish(ap, &err);
	if (!ok && err.len == 0)
		fail("refused without a reason");
	archive_parser_free(ap);
	buf_free(&err);
	return ok;
}

static bool to_buf(void *ctx, const void *p, size_t n, struct buf *err)
{
	(void)err;
	buf_add(ctx, p, n);
	return true;
}

static void round_trip(const unsigned char *p, size_t n)
{
	struct buf sealed = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
	struct archive_header h, h2;
	archive_header_init(&h, ARCHIVE_FULL, NULL);
	struct archive_sealer *s = archive_sealer_new(&h, fixed_key, to_buf,
	    &sealed, &err);
	if (!archive_sealer_write(s, p, n, &err) || !archive_sealer_finish(s, &err))
		fail("sealing failed");
	archive_sealer_free(s);
	if (!archive_header_parse((unsigned char *)sealed.data, &h2, &err))
		fail("own header refused");
	struct archive_opener *o = archive_opener_new(&h2, fixed_key, to_buf, &plain);
	if (!archive_opener_feed(o, sealed.data + ARCHIVE_HEADER_LEN,
	    sealed.len - ARCHIVE_HEADER_LEN, &err) || !archive_opener_finish(o, &err))
		fail("own backup does not open");
	if (plain.len != n || (n > 0 && memcmp(plain.data, p, n) != 0))
		fail("round trip changed the bytes");
	archive_opener_free(o);
	uint64_t entries = 0;
	parse((unsigned char *)plain.data, plain.len, 4096, &entries);
	buf_free(&sealed);
	buf_free(&plain);
	buf_free(&err);
}

static void open_file(const unsigned char *p, size_t n)
{
	struct buf plain = BUF_INIT, err = BUF_INIT;
	struct archive_header h;
	if (n >= ARCHIVE_HEADER_LEN && archive_header_parse(p, &h, &err)) {
		struct archive_opener *o = archive_opener_new(&h, fixed_key, to_buf,
		    &plain);
		if (archive_opener_feed(o, p + ARCHIVE_HEADER_LEN,
		    n - ARCHIVE_HEADER_LEN, &err))
			archive_opener_finish(o, &err);
		archive_opener_free(o);
	}
	buf_free(&plain);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0)
		abort();
	if (size < 2)
		return 0;
	const unsigned char *p = data + 2;
	size_t n = size - 2;
	switch (data[0] % 3) {
	case 0: {
		uint64_t e1 = 0, e2 = 0;
		bool split = parse(p, n, (size_t)data[1] + 1, &e1);
		bool whole = parse(p, n, n ? n : 1, &e2);
		if (split != whole || (split && e1 != e2))
			fail("the split of the input changed the result");
		break;
	}
	case 1:
		round_trip(p, n);
		break;
	default:
		open_file(p, n);
		break;
	}
	return 0;
}
