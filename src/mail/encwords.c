/* RFC 2047 encoded words and RFC 2231 parameter values. */
#include "mail/encwords.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "mail/decode.h"

/* RFC 2047 allows 75 octets; real mail runs longer, but a bound keeps
 * hostile input ("=?a?q?xxx..." repeated) from costing quadratic time. */
#define EW_MAX_LEN 2048

struct ew {
	const char *cs;   size_t cslen;
	char enc;
	const char *text; size_t textlen;
	size_t len;       /* whole "=?...?=" */
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses "=?charset?X?text?=" at s; text may not hold white space. */
static bool ew_parse(const char *s, size_t n, struct ew *w)
{
	if (n < 8 || s[0] != '=' || s[1] != '?')
		return false;
	size_t i = 2;
	while (i < n && s[i] != '?' && !is_wsp(s[i]) && i - 2 <= CHARSET_NAME_MAX)
		i++;
	if (i == 2 || i + 2 >= n || s[i] != '?' || s[i + 2] != '?')
		return false;
	w->cs = s + 2;
	w->cslen = i - 2;
	w->enc = s[i + 1];
	if (strchr("BbQq", w->enc) == NULL || w->enc == '\0')
		return false;
	size_t t = i + 3;
	size_t j = t;
	if (n > EW_MAX_LEN)
		n = EW_MAX_LEN;
	while (j + 1 < n && !(s[j] == '?' && s[j + 1] == '=') && !is_wsp(s[j]))
		j++;
	if (j + 1 >= n || s[j] != '?')
		return false;
	w->text = s + t;
	w->textlen = j - t;
	w->len = j + 2;
	return true;
}

/* Adjacent words in one charset, decoded to bytes, not yet converted. */
struct ew_run {
	struct buf bytes;
	const char *cs; size_t cslen;
	const char *raw; size_t rawlen;   /* as written, for the fallback */
};

static void run_flush(struct ew_run *r, struct buf *out)
{
	if (r->raw == NULL)
		return;
	if (!charset_to_utf8(r->cs, r->cslen, r->bytes.data ? r->bytes.data : "",
	    r->bytes.len, out))
		utf8_append_valid(r->raw, r->rawlen, out);
	buf_reset(&r->bytes);
	r->raw = NULL;
}

static void run_add(struct ew_run *r, const char *at, const struct ew *w,
    struct buf *out)
{
	bool same = r->raw != NULL && r->cslen == w->cslen &&
	    strncasecmp(r->cs, w->cs, w->cslen) == 0;
	if (!same) {
		run_flush(r, out);
		r->cs = w->cs;
		r->cslen = w->cslen;
		r->raw = at;
	}
	r->rawlen = (size_t)(at + w->len - r->raw);
	if (w->enc == 'B' || w->enc == 'b') {
		struct b64_dec d;
		b64_dec_init(&d);
		b64_dec_feed(&d, w->text, w->textlen, &r->bytes);
	} else {
		hex_escapes_decode(w->text, w->textlen, '=', true, &r->bytes);
	}
}

/* Length of the plain run at s: up to white space or a possible word. */
static size_t plain_len(const char *s, size_t n)
{
	size_t i = 1;
	while (i < n && !is_wsp(s[i]) && s[i] != '=')
		i++;
	return i;
}

static void sanitize_from(struct buf *out, size_t from)
{
	for (size_t i = from; i < out->len; i++)
		if (out->data[i] == '\0' || out->data[i] == '\r' ||
		    out->data[i] == '\n')
			out->data[i] = ' ';
}

void ew_decode(const char *s, size_t n, struct buf *out)
{
	struct ew_run run = { BUF_INIT, NULL, 0, NULL, 0 };
	struct ew w;
	size_t start = out->len;
	size_t i = 0;
	while (i < n) {
		if (ew_parse(s + i, n - i, &w)) {
			run_add(&run, s + i, &w, out);
			i += w.len;
			continue;
		}
		size_t j = i;
		while (j < n && is_wsp(s[j]))
			j++;
		if (j > i && run.raw != NULL && ew_parse(s + j, n - j, &w)) {
			i = j;          /* white space between words goes */
			continue;
		}
		run_flush(&run, out);
		size_t len = j > i ? j - i : plain_len(s + i, n - i);
		utf8_append_valid(s + i, len, out);
		i += len;
	}
	run_flush(&run, out);
	buf_free(&run.bytes);
	sanitize_from(out, start);
}

void rfc2231_join(const struct rfc2231_seg *segs, size_t nsegs,
    struct buf *out)
{
	struct buf bytes = BUF_INIT;
	const char *cs = NULL;
	size_t cslen = 0;
	for (size_t k = 0; k < nsegs; k++) {
		const char *s = segs[k].s;
		size_t n = segs[k].n;
		const char *q1 = k == 0 && segs[k].extended ? memchr(s, '\'', n) : NULL;
		const char *q2 = q1 ? memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s)) : NULL;
		if (q2) {               /* charset'language'value */
			cs = s;
			cslen = (size_t)(q1 - s);
			n -= (size_t)(q2 + 1 - s);
			s = q2 + 1;
		}
		if (segs[k].extended)
			hex_escapes_decode(s, n, '%', false, &bytes);
		else
			buf_add(&bytes, s, n);
	}
	const char *data = bytes.data ? bytes.data : "";
	if (cs == NULL || !charset_to_utf8(cs, cslen, data, bytes.len, out))
		utf8_append_valid(data, bytes.len, out);
	buf_free(&bytes);
}

void ew_encode(const char *s, struct buf *out)
{
	size_t n = strlen(s);
	bool first = true;
	while (n > 0) {
		/* 45 bytes make 60 base64 characters: 72 with the framing. */
		size_t k = n < 45 ? n : 45;
		while (k < n && k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		if (k == 0)
			k = n < 45 ? n : 45;
		char b64[64];
		sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s, k,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_printf(out, "%s=?utf-8?b?%s?=", first ? "" : " ", b64);
		first = false;
		s += k;
		n -= k;
	}
}
