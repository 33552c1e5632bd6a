/* Streams in the trees file format (see store/trees.h). Interoperates with
 * riseup's plugin: its writer always ends with a short chunk (an empty
 * 48-byte box when the plaintext is a multiple of 8192 bytes, including
 * the empty message), and its reader fails when that chunk is missing. */
#include "store/trees.h"

#include <string.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "store/stream.h"

static const unsigned char trees_magic[TREES_MAGIC_LEN] = { 0xee, 0xff, 0xcc };

bool trees_has_magic(const void *head, size_t n)
{
	return n >= TREES_MAGIC_LEN &&
	    memcmp(head, trees_magic, TREES_MAGIC_LEN) == 0;
}

/* ---- writer ---- */

struct trees_ostream {
	struct ostream os;
	unsigned char pk[TREES_PK_LEN];
	size_t len;
	unsigned char plain[TREES_CHUNK];
	unsigned char sealed[TREES_SEALED_CHUNK];
};

static bool trees_seal_chunk(struct trees_ostream *s)
{
	if (crypto_box_seal(s->sealed, s->plain, s->len, s->pk) != 0)
		return ostream_fail(&s->os, "trees: sealing a chunk failed");
	size_t n = s->len + TREES_SEAL_EXTRA;
	s->len = 0;
	return ostream_forward(&s->os, s->sealed, n);
}

static bool trees_ostream_write(struct ostream *os, const void *p, size_t n)
{
	struct trees_ostream *s = (struct trees_ostream *)os;
	const unsigned char *c = p;
	while (n > 0) {
		size_t take = sizeof s->plain - s->len;
		if (take > n)
			take = n;
		memcpy(s->plain + s->len, c, take);
		s->len += take;
		c += take;
		n -= take;
		if (s->len == sizeof s->plain && !trees_seal_chunk(s))
			return false;
	}
	return true;
}

static bool trees_ostream_finish(struct ostream *os)
{
	/* Always a final short chunk, even an empty one. */
	if (!trees_seal_chunk((struct trees_ostream *)os))
		return false;
	if (ostream_finish(os->next))
		return true;
	return ostream_fail(os, "%s", ostream_error(os->next));
}

static void trees_ostream_free(struct ostream *os)
{
	struct trees_ostream *s = (struct trees_ostream *)os;
	sodium_memzero(s->plain, sizeof s->plain);
}

static const struct ostream_ops trees_ostream_ops = {
	.write = trees_ostream_write, .finish = trees_ostream_finish,
	.free = trees_ostream_free,
};

struct ostream *trees_ostream_create(struct ostream *next,
    const unsigned char pk[TREES_PK_LEN])
{
	struct trees_ostream *s = xmalloc(sizeof *s);
	unsigned char header[TREES_HEADER_LEN] = { 0xee, 0xff, 0xcc, 0, 0, 0,
		TREES_VERSION };
	ostream_init(&s->os, &trees_ostream_ops, next);
	memcpy(s->pk, pk, sizeof s->pk);
	s->len = 0;
	/* A failure here is sticky: the first write reports it. */
	ostream_forward(&s->os, header, sizeof header);
	return &s->os;
}

/* ---- reader ---- */

enum trees_mode { TREES_DETECT, TREES_DECRYPT, TREES_PLAIN };

struct trees_istream {
	struct istream is;
	enum trees_mode mode;
	bool require_header, final_seen;
	uint64_t chunks;
	unsigned char pk[TREES_PK_LEN];
	unsigned char sk[TREES_SK_LEN];
	size_t pos, len;
	unsigned char plain[TREES_CHUNK];
	unsigned char sealed[TREES_SEALED_CHUNK];
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Reads the header and picks the mode: 0 or -1. */
static ssize_t trees_detect(struct trees_istream *s)
{
	unsigned char head[TREES_HEADER_LEN];
	ssize_t r = istream_pull(&s->is, head, sizeof head);
	if (r < 0)
		return -1;
	if (trees_has_magic(head, (size_t)r)) {
		if (r < TREES_HEADER_LEN)
			return istream_fail(&s->is, "trees: truncated header");
		if (be32(head + TREES_MAGIC_LEN) != TREES_VERSION)
			return istream_fail(&s->is, "trees: unsupported version %u",
			    (unsigned)be32(head + TREES_MAGIC_LEN));
		s->mode = TREES_DECRYPT;
		return 0;
	}
	if (s->require_header)
		return istream_fail(&s->is, "not a trees file (no header)");
	/* Plaintext: hand the sniffed bytes back in front of the rest. */
	s->is.prev = istream_prefix_create(head, (size_t)r, s->is.prev);
	s->mode = TREES_PLAIN;
	return 0;
}

/* Reads and opens the next sealed chunk into plain: 0 or -1. */
static ssize_t trees_next_chunk(struct trees_istream *s)
{
	ssize_t r = istream_pull(&s->is, s->sealed, sizeof s->sealed);
	if (r < 0)
		return -1;
	if (r == 0)
		return istream_fail(&s->is, "trees: truncated file (final chunk "
		    "missing after chunk %llu)", (unsigned long long)s->chunks);
	if (r < TREES_SEAL_EXTRA)
		return istream_fail(&s->is, "trees: truncated chunk %llu",
		    (unsigned long long)s->chunks + 1);
	if (crypto_box_seal_open(s->plain, s->sealed, (size_t)r, s->pk,
	    s->sk) != 0)
		return istream_fail(&s->is, "trees: chunk %llu cannot be "
		    "decrypted (wrong key, damaged or truncated)",
		    (unsigned long long)s->chunks + 1);
	s->chunks++;
	s->pos = 0;
	s->len = (size_t)r - TREES_SEAL_EXTRA;
	/* Only a short chunk ends the file; read_full saw the end already. */
	s->final_seen = r < (ssize_t)sizeof s->sealed;
	return 0;
}

static ssize_t trees_istream_read(struct istream *is, void *p, size_t n)
{
	struct trees_istream *s = (struct trees_istream *)is;
	if (s->mode == TREES_DETECT && trees_detect(s) < 0)
		return -1;
	if (s->mode == TREES_PLAIN) {
		ssize_t r = istream_read(is->prev, p, n);
		return r < 0 ? istream_fail(is, "%s", istream_error(is->prev)) : r;
	}
	while (s->pos == s->len) {
		if (s->final_seen)
			return 0;
		if (trees_next_chunk(s) < 0)
			return -1;
	}
	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(p, s->plain + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void trees_istream_free(struct istream *is)
{
	struct trees_istream *s = (struct trees_istream *)is;
	sodium_memzero(s->sk, sizeof s->sk);
	sodium_memzero(s->plain, sizeof s->plain);
}

static const struct istream_ops trees_istream_ops = {
	.read = trees_istream_read, .free = trees_istream_free,
};

struct istream *trees_istream_create(struct istream *prev,
    const unsigned char pk[TREES_PK_LEN],
    const unsigned char sk[TREES_SK_LEN], bool require_header)
{
	struct trees_istream *s = xmalloc(sizeof *s);
	istream_init(&s->is, &trees_istream_ops, prev);
	s->mode = TREES_DETECT;
	s->require_header = require_header;
	s->final_seen = false;
	s->chunks = 0;
	s->pos = s->len = 0;
	memcpy(s->pk, pk, sizeof s->pk);
	memcpy(s->sk, sk, sizeof s->sk);
	return &s->is;
}
