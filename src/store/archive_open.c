/* Reading a backup file: secretstream chunks, then zstd (archive_seal.h). */
#include "store/archive_seal.h"

#include <string.h>

#include <zstd.h>

#include "common/xmalloc.h"
#include "store/archive_be.h"
#include "store/archive_seal_int.h"

/* The writer's windows are far smaller; this bounds a hostile frame's
 * demand to 16 MiB. */
#define ZSTD_WINDOW_LOG_MAX 24

struct archive_opener {
	crypto_secretstream_xchacha20poly1305_state st;
	ZSTD_DCtx *z;
	unsigned char hdr[ARCHIVE_HEADER_LEN];
	bool started, final, frame_done, failed;
	unsigned char *in;          /* u32 length, then a sealed chunk */
	size_t have, want;
	unsigned char *plain, *zout;
	size_t zcap;
	uint64_t chunks;
	archive_sink_fn *sink;
	void *ctx;
};

static bool open_fail(struct archive_opener *o, struct buf *err, const char *why)
{
	if (err->len == 0)
		buf_addstr(err, why);
	o->failed = true;
	return false;
}

struct archive_opener *archive_opener_new(const struct archive_header *h,
    const unsigned char key[ARCHIVE_KEY_LEN], archive_sink_fn *sink, void *ctx)
{
	struct archive_opener *o = xcalloc(1, sizeof *o);
	o->sink = sink;
	o->ctx = ctx;
	archive_header_encode(h, o->hdr);
	crypto_secretstream_xchacha20poly1305_init_pull(&o->st, h->ss_header, key);
	o->in = xmalloc(4 + ARCHIVE_SEALED_MAX);
	o->plain = xmalloc(ARCHIVE_CHUNK_MAX);
	o->zcap = ZSTD_DStreamOutSize();
	o->zout = xmalloc(o->zcap);
	o->want = 4;
	o->z = ZSTD_createDCtx();
	if (o->z == NULL)
		xoom();
	ZSTD_DCtx_setParameter(o->z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
	return o;
}

static bool decompress(struct archive_opener *o, size_t n, struct buf *err)
{
	if (n > 0 && o->frame_done)
		return open_fail(o, err, "backup is damaged: data after the "
		    "compressed stream");
	ZSTD_inBuffer in = { o->plain, n, 0 };
	ZSTD_outBuffer out;
	do {
		out = (ZSTD_outBuffer){ o->zout, o->zcap, 0 };
		size_t r = ZSTD_decompressStream(o->z, &out, &in);
		if (ZSTD_isError(r))
			return open_fail(o, err, "backup is damaged: bad compressed data");
		if (out.pos > 0 && !o->sink(o->ctx, o->zout, out.pos, err))
			return open_fail(o, err, "stopped");
		if (r == 0) {
			o->frame_done = true;
			if (in.pos < in.size)
				return open_fail(o, err, "backup is damaged: data after "
				    "the compressed stream");
		}
	} while (in.pos < in.size || out.pos == out.size);
	return true;
}

static bool open_chunk(struct archive_opener *o, struct buf *err)
{
	unsigned long long mlen;
	unsigned char tag;
	if (crypto_secretstream_xchacha20poly1305_pull(&o->st, o->plain, &mlen,
	    &tag, o->in + 4, o->want - 4, o->started ? NULL : o->hdr,
	    o->started ? 0 : sizeof o->hdr) != 0)
		return open_fail(o, err, o->started ?
		    "backup is damaged: a chunk fails authentication" :
		    "wrong passphrase, or the backup is damaged");
	o->started = true;
	o->chunks++;
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		o->final = true;
	else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
		return open_fail(o, err, "backup is damaged: unexpected chunk tag");
	o->have = 0;
	o->want = 4;
	return decompress(o, (size_t)mlen, err);
}

bool archive_opener_feed(struct archive_opener *o, const void *p, size_t n,
    struct buf *err)
{
	const unsigned char *d = p;
	while (n > 0) {
		if (o->failed)
			return open_fail(o, err, "backup reader already failed");
		if (o->final)
			return open_fail(o, err, "backup is damaged: data after the "
			    "final chunk");
		size_t k = o->want - o->have;
		if (k > n)
			k = n;
		memcpy(o->in + o->have, d, k);
		o->have += k;
		d += k;
		n -= k;
		if (o->have < o->want)
			break;
		if (o->want == 4) {
			size_t clen = (size_t)archive_be_get(o->in, 4);
			if (clen < crypto_secretstream_xchacha20poly1305_ABYTES ||
			    clen > ARCHIVE_SEALED_MAX)
				return open_fail(o, err, "backup is damaged: bad chunk length");
			o->want = 4 + clen;
		} else if (!open_chunk(o, err)) {
			return false;
		}
	}
	return true;
}

bool archive_opener_started(const struct archive_opener *o)
{
	return o->started;
}

bool archive_opener_finish(struct archive_opener *o, struct buf *err)
{
	if (o->failed)
		return open_fail(o, err, "backup reader failed");
	if (!o->final || o->have > 0)
		return open_fail(o, err, "backup is truncated (no final chunk)");
	if (!o->frame_done)
		return open_fail(o, err, "backup is damaged: compressed stream "
		    "does not end");
	return true;
}

void archive_opener_free(struct archive_opener *o)
{
	if (o == NULL)
		return;
	sodium_memzero(&o->st, sizeof o->st);
	ZSTD_freeDCtx(o->z);
	free(o->in);
	free(o->plain);
	free(o->zout);
	free(o);
}
