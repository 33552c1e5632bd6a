/* Writing a backup file: zstd, then secretstream chunks (archive_seal.h). */
#include "store/archive_seal.h"

#include <string.h>

#include <zstd.h>

#include "common/xmalloc.h"
#include "store/archive_be.h"
#include "store/archive_seal_int.h"

#define ZSTD_LEVEL 3

struct archive_sealer {
	crypto_secretstream_xchacha20poly1305_state st;
	ZSTD_CCtx *z;
	unsigned char hdr[ARCHIVE_HEADER_LEN];
	bool first, failed;
	unsigned char *plain;       /* compressed bytes of the next chunk */
	size_t plen;
	unsigned char *sealed;      /* u32 length + sealed chunk */
	archive_sink_fn *sink;
	void *ctx;
};

static bool seal_fail(struct archive_sealer *s, struct buf *err, const char *why)
{
	if (err->len == 0)
		buf_addstr(err, why);
	s->failed = true;
	return false;
}

struct archive_sealer *archive_sealer_new(struct archive_header *h,
    const unsigned char key[ARCHIVE_KEY_LEN], archive_sink_fn *sink, void *ctx,
    struct buf *err)
{
	struct archive_sealer *s = xcalloc(1, sizeof *s);
	s->sink = sink;
	s->ctx = ctx;
	s->first = true;
	s->plain = xmalloc(ARCHIVE_CHUNK_MAX);
	s->sealed = xmalloc(4 + ARCHIVE_SEALED_MAX);
	crypto_secretstream_xchacha20poly1305_init_push(&s->st, h->ss_header, key);
	archive_header_encode(h, s->hdr);
	s->z = ZSTD_createCCtx();
	if (s->z == NULL)
		xoom();
	ZSTD_CCtx_setParameter(s->z, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(s->z, ZSTD_c_checksumFlag, 0);
	if (!sink(ctx, s->hdr, sizeof s->hdr, err)) {
		archive_sealer_free(s);
		return NULL;
	}
	return s;
}

static bool seal_chunk(struct archive_sealer *s, unsigned char tag,
    struct buf *err)
{
	unsigned long long clen;
	crypto_secretstream_xchacha20poly1305_push(&s->st, s->sealed + 4, &clen,
	    s->plain, s->plen, s->first ? s->hdr : NULL,
	    s->first ? sizeof s->hdr : 0, tag);
	s->first = false;
	s->plen = 0;
	archive_be_put(s->sealed, clen, 4);
	if (!s->sink(s->ctx, s->sealed, (size_t)clen + 4, err))
		return seal_fail(s, err, "write failed");
	return true;
}

/* One zstd call into the free part of the chunk buffer; a full buffer is
 * sealed first, so the chunk sealed last can always be tagged FINAL. */
static bool compress_step(struct archive_sealer *s, ZSTD_inBuffer *in,
    ZSTD_EndDirective mode, size_t *left, struct buf *err)
{
	if (s->plen == ARCHIVE_CHUNK_MAX &&
	    !seal_chunk(s, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, err))
		return false;
	ZSTD_outBuffer out = { s->plain, ARCHIVE_CHUNK_MAX, s->plen };
	size_t r = ZSTD_compressStream2(s->z, &out, in, mode);
	if (ZSTD_isError(r))
		return seal_fail(s, err, ZSTD_getErrorName(r));
	s->plen = out.pos;
	*left = r;
	return true;
}

bool archive_sealer_write(struct archive_sealer *s, const void *p, size_t n,
    struct buf *err)
{
	if (s->failed)
		return seal_fail(s, err, "backup writer already failed");
	ZSTD_inBuffer in = { p, n, 0 };
	size_t left;
	while (in.pos < in.size)
		if (!compress_step(s, &in, ZSTD_e_continue, &left, err))
			return false;
	return true;
}

bool archive_sealer_finish(struct archive_sealer *s, struct buf *err)
{
	if (s->failed)
		return seal_fail(s, err, "backup writer already failed");
	ZSTD_inBuffer in = { NULL, 0, 0 };
	size_t left = 1;
	while (left > 0)
		if (!compress_step(s, &in, ZSTD_e_end, &left, err))
			return false;
	return seal_chunk(s, crypto_secretstream_xchacha20poly1305_TAG_FINAL, err);
}

void archive_sealer_free(struct archive_sealer *s)
{
	if (s == NULL)
		return;
	sodium_memzero(&s->st, sizeof s->st);
	ZSTD_freeCCtx(s->z);
	free(s->plain);
	free(s->sealed);
	free(s);
}
