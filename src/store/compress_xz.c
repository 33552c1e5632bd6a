/* xz stages (liblzma). The encoder's dictionary fits the message: preset
 * 6 alone would allocate ~94 MiB for every small mail. */
#include <string.h>

#include <lzma.h>

#include "common/xmalloc.h"
#include "store/compress_int.h"
#include "store/stream.h"

#define XZ_DICT_MIN ((uint32_t)64 << 10)
/* Mail gains little from a window past 1 MiB (attachments are base64), and
 * the encoder needs ~11x its dictionary: this caps it near 13 MiB. */
#define XZ_DICT_MAX ((uint32_t)1 << 20)
/* Enough for any preset's dictionary (9: 64 MiB) and the decoder state. */
#define XZ_DECODER_MEMLIMIT ((uint64_t)80 << 20)

static int xz_level(int level)
{
	return level == COMPRESS_LEVEL_DEFAULT ? (int)LZMA_PRESET_DEFAULT : level;
}

static bool xz_options(int level, uint64_t size_hint, lzma_options_lzma *opt)
{
	level = xz_level(level);
	if (level < 0 || level > 9 || lzma_lzma_preset(opt, (uint32_t)level))
		return false;
	uint32_t dict = XZ_DICT_MIN;
	while (size_hint > 0 && dict < size_hint && dict < XZ_DICT_MAX)
		dict <<= 1;
	if (size_hint == 0)
		dict = XZ_DICT_MAX;
	if (dict < opt->dict_size)
		opt->dict_size = dict;
	return true;
}

uint32_t compress_xz_dict_size(int level, uint64_t size_hint)
{
	lzma_options_lzma opt;
	return xz_options(level, size_hint, &opt) ? opt.dict_size : 0;
}

static void xz_filters(lzma_filter f[2], lzma_options_lzma *opt)
{
	f[0].id = LZMA_FILTER_LZMA2;
	f[0].options = opt;
	f[1].id = LZMA_VLI_UNKNOWN;
	f[1].options = NULL;
}

uint64_t compress_xz_encoder_memusage(int level, uint64_t size_hint)
{
	lzma_options_lzma opt;
	lzma_filter f[2];
	if (!xz_options(level, size_hint, &opt))
		return UINT64_MAX;
	xz_filters(f, &opt);
	return lzma_raw_encoder_memusage(f);
}

static const char *xz_strerror(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR:      return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "needs more memory than allowed";
	case LZMA_FORMAT_ERROR:   return "not xz data";
	case LZMA_OPTIONS_ERROR:  return "unsupported options";
	case LZMA_DATA_ERROR:     return "corrupt data";
	case LZMA_BUF_ERROR:      return "truncated data";
	default:                  return "internal error";
	}
}

/* ---- encoder ---- */

struct xz_ostream {
	struct ostream os;
	lzma_stream strm;
	unsigned char out[COMPRESS_IOBUF];
};

/* Runs the encoder over the pending input; forwards full output. */
static bool xz_run(struct xz_ostream *s, lzma_action action)
{
	for (;;) {
		s->strm.next_out = s->out;
		s->strm.avail_out = sizeof s->out;
		lzma_ret ret = lzma_code(&s->strm, action);
		size_t have = sizeof s->out - s->strm.avail_out;
		if (ret != LZMA_OK && ret != LZMA_STREAM_END)
			return ostream_fail(&s->os, "xz: %s", xz_strerror(ret));
		if (have > 0 && !ostream_forward(&s->os, s->out, have))
			return false;
		if (ret == LZMA_STREAM_END ||
		    (action == LZMA_RUN && s->strm.avail_in == 0 &&
		    s->strm.avail_out > 0))
			return true;
	}
}

static bool xz_write(struct ostream *os, const void *p, size_t n)
{
	struct xz_ostream *s = (struct xz_ostream *)os;
	s->strm.next_in = p;
	s->strm.avail_in = n;
	return xz_run(s, LZMA_RUN);
}

static bool xz_finish(struct ostream *os)
{
	struct xz_ostream *s = (struct xz_ostream *)os;
	s->strm.next_in = NULL;
	s->strm.avail_in = 0;
	if (!xz_run(s, LZMA_FINISH))
		return false;
	if (ostream_finish(os->next))
		return true;
	return ostream_fail(os, "%s", ostream_error(os->next));
}

static void xz_ostream_free(struct ostream *os)
{
	lzma_end(&((struct xz_ostream *)os)->strm);
}

static const struct ostream_ops xz_ostream_ops = {
	.write = xz_write, .finish = xz_finish, .free = xz_ostream_free,
};

struct ostream *xz_ostream_create(struct ostream *next, int level,
    uint64_t size_hint)
{
	lzma_options_lzma opt;
	lzma_filter f[2];
	if (!xz_options(level, size_hint, &opt))
		return compress_failed_ostream(next, "xz: invalid level (0-9)");
	struct xz_ostream *s = xmalloc(sizeof *s);
	ostream_init(&s->os, &xz_ostream_ops, next);
	s->strm = (lzma_stream)LZMA_STREAM_INIT;
	xz_filters(f, &opt);
	lzma_ret ret = lzma_stream_encoder(&s->strm, f, LZMA_CHECK_CRC64);
	if (ret != LZMA_OK)
		ostream_fail(&s->os, "xz: %s", xz_strerror(ret));
	return &s->os;
}

/* ---- decoder ---- */

struct xz_istream {
	struct istream is;
	lzma_stream strm;
	bool in_eof, done;
	unsigned char in[COMPRESS_IOBUF];
};

static ssize_t xz_read(struct istream *is, void *p, size_t n)
{
	struct xz_istream *s = (struct xz_istream *)is;
	if (s->done)
		return 0;
	s->strm.next_out = p;
	s->strm.avail_out = n;
	for (;;) {
		if (s->strm.avail_in == 0 && !s->in_eof) {
			ssize_t r = istream_read(is->prev, s->in, sizeof s->in);
			if (r < 0)
				return istream_fail(is, "%s", istream_error(is->prev));
			s->in_eof = r == 0;
			s->strm.next_in = s->in;
			s->strm.avail_in = (size_t)r;
		}
		lzma_ret ret = lzma_code(&s->strm, s->in_eof ? LZMA_FINISH : LZMA_RUN);
		size_t have = n - s->strm.avail_out;
		if (ret == LZMA_STREAM_END)
			s->done = true;
		else if (ret != LZMA_OK)
			return istream_fail(is, "xz: %s", xz_strerror(ret));
		if (have > 0 || s->done)
			return (ssize_t)have;
	}
}

static void xz_istream_free(struct istream *is)
{
	lzma_end(&((struct xz_istream *)is)->strm);
}

static const struct istream_ops xz_istream_ops = {
	.read = xz_read, .free = xz_istream_free,
};

struct istream *xz_istream_create(struct istream *prev)
{
	struct xz_istream *s = xmalloc(sizeof *s);
	istream_init(&s->is, &xz_istream_ops, prev);
	s->strm = (lzma_stream)LZMA_STREAM_INIT;
	s->in_eof = s->done = false;
	/* Concatenated streams and stream padding, as xz(1) accepts. */
	lzma_ret ret = lzma_stream_decoder(&s->strm, XZ_DECODER_MEMLIMIT,
	    LZMA_CONCATENATED);
	if (ret != LZMA_OK)
		istream_fail(&s->is, "xz: %s", xz_strerror(ret));
	return &s->is;
}
