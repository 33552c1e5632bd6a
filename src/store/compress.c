#include "store/compress.h"

#include <string.h>

#include "common/xmalloc.h"
#include "store/compress_int.h"
#include "store/stream.h"

static const unsigned char xz_magic[] = { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 };
static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

bool compress_algo_parse(const char *name, enum compress_algo *out)
{
	static const enum compress_algo all[] = {
		COMPRESS_NONE, COMPRESS_XZ, COMPRESS_ZSTD };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(name, compress_algo_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

const char *compress_algo_name(enum compress_algo algo)
{
	switch (algo) {
	case COMPRESS_XZ:   return "xz";
	case COMPRESS_ZSTD: return "zstd";
	case COMPRESS_NONE: break;
	}
	return "none";
}

enum compress_algo compress_sniff(const void *head, size_t n)
{
	if (n >= sizeof xz_magic && memcmp(head, xz_magic, sizeof xz_magic) == 0)
		return COMPRESS_XZ;
	if (n >= sizeof zstd_magic &&
	    memcmp(head, zstd_magic, sizeof zstd_magic) == 0)
		return COMPRESS_ZSTD;
	return COMPRESS_NONE;
}

struct ostream *compress_ostream_create(struct ostream *next,
    enum compress_algo algo, int level, uint64_t size_hint)
{
	switch (algo) {
	case COMPRESS_XZ:   return xz_ostream_create(next, level, size_hint);
	case COMPRESS_ZSTD: return zstd_ostream_create(next, level, size_hint);
	case COMPRESS_NONE: break;
	}
	return next;
}

static bool failed_write(struct ostream *os, const void *p, size_t n)
{
	(void)p;
	(void)n;
	return ostream_fail(os, "compress: stream not set up");
}

static bool failed_finish(struct ostream *os)
{
	return ostream_fail(os, "compress: stream not set up");
}

static const struct ostream_ops failed_ops = {
	.write = failed_write, .finish = failed_finish,
};

struct ostream *compress_failed_ostream(struct ostream *next, const char *err)
{
	struct ostream *os = xmalloc(sizeof *os);
	ostream_init(os, &failed_ops, next);
	ostream_fail(os, "%s", err);
	return os;
}

/* ---- sniffing reader ---- */

struct sniff_istream {
	struct istream is;
	bool sniffed;
};

/* Puts the right decoder (or nothing) between this stage and its source. */
static ssize_t sniff_setup(struct sniff_istream *s)
{
	unsigned char head[sizeof xz_magic];
	ssize_t r = istream_pull(&s->is, head, sizeof head);
	if (r < 0)
		return -1;
	struct istream *src = istream_prefix_create(head, (size_t)r, s->is.prev);
	switch (compress_sniff(head, (size_t)r)) {
	case COMPRESS_XZ:   src = xz_istream_create(src); break;
	case COMPRESS_ZSTD: src = zstd_istream_create(src); break;
	case COMPRESS_NONE: break;
	}
	s->is.prev = src;
	s->sniffed = true;
	return 0;
}

static ssize_t sniff_read(struct istream *is, void *p, size_t n)
{
	struct sniff_istream *s = (struct sniff_istream *)is;
	if (!s->sniffed && sniff_setup(s) < 0)
		return -1;
	ssize_t r = istream_read(is->prev, p, n);
	return r < 0 ? istream_fail(is, "%s", istream_error(is->prev)) : r;
}

static const struct istream_ops sniff_ops = { .read = sniff_read };

struct istream *decompress_istream_create(struct istream *prev)
{
	struct sniff_istream *s = xmalloc(sizeof *s);
	istream_init(&s->is, &sniff_ops, prev);
	s->sniffed = false;
	return &s->is;
}
