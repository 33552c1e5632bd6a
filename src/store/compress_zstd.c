/* zstd stages (libzstd streaming API). */
#include <string.h>

#include <zstd.h>

#include "common/xmalloc.h"
#include "store/compress_int.h"
#include "store/stream.h"

#define ZSTD_LEVEL_DEFAULT 3
/* Window sized to the message: 128 KiB .. 2 MiB (level 3's own window). */
#define ZSTD_WLOG_MIN 17
#define ZSTD_WLOG_MAX 21
/* Frames we read may come from elsewhere: allow 32 MiB windows, no more. */
#define ZSTD_WLOG_READ_MAX 25

/* ---- encoder ---- */

struct zstd_ostream {
	struct ostream os;
	ZSTD_CCtx *cctx;
	unsigned char out[COMPRESS_IOBUF];
};

static bool zstd_run(struct zstd_ostream *s, ZSTD_inBuffer *in,
    ZSTD_EndDirective mode)
{
	for (;;) {
		ZSTD_outBuffer out = { s->out, sizeof s->out, 0 };
		size_t left = ZSTD_compressStream2(s->cctx, &out, in, mode);
		if (ZSTD_isError(left))
			return ostream_fail(&s->os, "zstd: %s", ZSTD_getErrorName(left));
		if (out.pos > 0 && !ostream_forward(&s->os, s->out, out.pos))
			return false;
		bool drained = mode == ZSTD_e_end ? left == 0 :
		    in->pos == in->size && out.pos < out.size;
		if (drained)
			return true;
	}
}

static bool zstd_write(struct ostream *os, const void *p, size_t n)
{
	ZSTD_inBuffer in = { p, n, 0 };
	return zstd_run((struct zstd_ostream *)os, &in, ZSTD_e_continue);
}

static bool zstd_finish(struct ostream *os)
{
	ZSTD_inBuffer in = { NULL, 0, 0 };
	if (!zstd_run((struct zstd_ostream *)os, &in, ZSTD_e_end))
		return false;
	if (ostream_finish(os->next))
		return true;
	return ostream_fail(os, "%s", ostream_error(os->next));
}

static void zstd_ostream_free(struct ostream *os)
{
	ZSTD_freeCCtx(((struct zstd_ostream *)os)->cctx);
}

static const struct ostream_ops zstd_ostream_ops = {
	.write = zstd_write, .finish = zstd_finish, .free = zstd_ostream_free,
};

static int zstd_window_log(uint64_t size_hint)
{
	int wlog = ZSTD_WLOG_MIN;
	if (size_hint == 0)
		return ZSTD_WLOG_MAX;
	while (wlog < ZSTD_WLOG_MAX && ((uint64_t)1 << wlog) < size_hint)
		wlog++;
	return wlog;
}

struct ostream *zstd_ostream_create(struct ostream *next, int level,
    uint64_t size_hint)
{
	if (level == COMPRESS_LEVEL_DEFAULT)
		level = ZSTD_LEVEL_DEFAULT;
	if (level < 1 || level > ZSTD_maxCLevel())
		return compress_failed_ostream(next, "zstd: invalid level");
	struct zstd_ostream *s = xmalloc(sizeof *s);
	ostream_init(&s->os, &zstd_ostream_ops, next);
	s->cctx = ZSTD_createCCtx();
	if (s->cctx == NULL)
		xoom();
	size_t r = ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_windowLog,
		    zstd_window_log(size_hint));
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_checksumFlag, 1);
	if (ZSTD_isError(r))
		ostream_fail(&s->os, "zstd: %s", ZSTD_getErrorName(r));
	return &s->os;
}

/* ---- decoder ---- */

struct zstd_istream {
	struct istream is;
	ZSTD_DCtx *dctx;
	ZSTD_inBuffer in;
	size_t frame_left;      /* 0 between frames */
	bool in_eof;
	unsigned char inbuf[COMPRESS_IOBUF];
};

static ssize_t zstd_read(struct istream *is, void *p, size_t n)
{
	struct zstd_istream *s = (struct zstd_istream *)is;
	ZSTD_outBuffer out = { p, n, 0 };
	for (;;) {
		if (s->in.pos == s->in.size && !s->in_eof) {
			ssize_t r = istream_read(is->prev, s->inbuf, sizeof s->inbuf);
			if (r < 0)
				return istream_fail(is, "%s", istream_error(is->prev));
			s->in_eof = r == 0;
			s->in.src = s->inbuf;
			s->in.size = (size_t)r;
			s->in.pos = 0;
		}
		size_t before = s->in.pos;
		size_t left = ZSTD_decompressStream(s->dctx, &out, &s->in);
		if (ZSTD_isError(left))
			return istream_fail(is, "zstd: %s", ZSTD_getErrorName(left));
		/* A call without progress only hints at the next frame's size. */
		if (s->in.pos > before || out.pos > 0)
			s->frame_left = left;
		if (out.pos > 0)
			return (ssize_t)out.pos;
		if (s->in_eof && s->in.pos == s->in.size) {
			if (s->frame_left != 0)
				return istream_fail(is, "zstd: truncated data");
			return 0;
		}
	}
}

static void zstd_istream_free(struct istream *is)
{
	ZSTD_freeDCtx(((struct zstd_istream *)is)->dctx);
}

static const struct istream_ops zstd_istream_ops = {
	.read = zstd_read, .free = zstd_istream_free,
};

struct istream *zstd_istream_create(struct istream *prev)
{
	struct zstd_istream *s = xmalloc(sizeof *s);
	istream_init(&s->is, &zstd_istream_ops, prev);
	memset(&s->in, 0, sizeof s->in);
	s->frame_left = 0;
	s->in_eof = false;
	s->dctx = ZSTD_createDCtx();
	if (s->dctx == NULL)
		xoom();
	size_t r = ZSTD_DCtx_setParameter(s->dctx, ZSTD_d_windowLogMax,
	    ZSTD_WLOG_READ_MAX);
	if (ZSTD_isError(r))
		istream_fail(&s->is, "zstd: %s", ZSTD_getErrorName(r));
	return &s->is;
}
