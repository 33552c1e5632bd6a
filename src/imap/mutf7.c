/* Modified UTF-7 codec. Written by hand because iconv has no modified
 * UTF-7 and the strict checks (RFC 3501 5.1.3) are the point; UTF-8
 * validation and decoding come from libunistring. */
#include "imap/mutf7.h"

#include "common/str.h"

#include <stdint.h>
#include <string.h>
#include <unistr.h>

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Undoes a partial append; returns false for the caller's failure path. */
static bool
truncate_to(struct buf *out, size_t len)
{
	out->len = len;
	if (out->data)
		out->data[len] = '\0';
	return false;
}

bool
imap_utf8_valid(const char *s, size_t len)
{
	return memchr(s, '\0', len) == NULL &&
	    u8_check((const uint8_t *)s, len) == NULL;
}

static bool
is_direct(ucs4_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* Base64 of UTF-16BE units, flushed with zero padding bits. */
struct b64_state {
	uint32_t bits;
	int nbits;
};

static void
b64_put16(struct b64_state *st, struct buf *out, uint16_t u)
{
	st->bits = (st->bits << 16) | u;
	st->nbits += 16;
	while (st->nbits >= 6) {
		st->nbits -= 6;
		buf_addch(out, b64[(st->bits >> st->nbits) & 0x3f]);
	}
	st->bits &= (1u << st->nbits) - 1;
}

static void
b64_flush(struct b64_state *st, struct buf *out)
{
	if (st->nbits > 0)
		buf_addch(out, b64[(st->bits << (6 - st->nbits)) & 0x3f]);
	st->bits = 0;
	st->nbits = 0;
	buf_addch(out, '-');
}

bool
imap_mutf7_encode(const char *utf8, size_t len, struct buf *out)
{
	const uint8_t *p = (const uint8_t *)utf8, *end = p + len;
	struct b64_state st = { 0, 0 };
	bool shifted = false;
	size_t start = out->len;

	if (!imap_utf8_valid(utf8, len))
		return false;
	while (p < end) {
		ucs4_t c;
		int k = u8_mbtouc(&c, p, (size_t)(end - p));

		p += k;
		if (c < 0x20 || c == 0x7f)
			goto fail;
		if (is_direct(c)) {
			if (shifted) {
				b64_flush(&st, out);
				shifted = false;
			}
			if (c == '&')
				buf_addstr(out, "&-");
			else
				buf_addch(out, (char)c);
			continue;
		}
		if (!shifted) {
			buf_addch(out, '&');
			shifted = true;
		}
		if (c >= 0x10000) {
			c -= 0x10000;
			b64_put16(&st, out, (uint16_t)(0xd800 | (c >> 10)));
			b64_put16(&st, out, (uint16_t)(0xdc00 | (c & 0x3ff)));
		} else {
			b64_put16(&st, out, (uint16_t)c);
		}
	}
	if (shifted)
		b64_flush(&st, out);
	return true;
fail:
	return truncate_to(out, start);
}

/* Decodes one shift sequence body (between '&' and '-') into out. */
static bool
decode_shifted(const char *s, size_t n, struct buf *out)
{
	uint32_t bits = 0;
	int nbits = 0;
	uint16_t high = 0;
	uint8_t tmp[4];

	for (size_t i = 0; i < n; i++) {
		int v = str_b64_digit((unsigned char)s[i], ',');

		if (v < 0)
			return false;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		uint16_t u = (uint16_t)(bits >> nbits);
		bits &= (1u << nbits) - 1;
		ucs4_t c;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (high)
				return false;
			high = u;
			continue;
		}
		if (u >= 0xdc00 && u <= 0xdfff) {
			if (!high)
				return false;
			c = 0x10000 + (((ucs4_t)high - 0xd800) << 10) + (u - 0xdc00);
			high = 0;
		} else {
			if (high || is_direct(u))
				return false;
			c = u;
		}
		if (c < 0x20 || c == 0x7f)
			return false;
		int k = u8_uctomb(tmp, c, sizeof(tmp));
		if (k <= 0)
			return false;
		buf_add(out, tmp, (size_t)k);
	}
	/* Leftover bits must be padding: fewer than 6 and all zero. */
	return high == 0 && nbits < 6 && bits == 0;
}

bool
imap_mutf7_decode(const char *s, size_t len, struct buf *out)
{
	size_t start = out->len;
	bool prev_shift = false;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			goto fail;
		if (c != '&') {
			buf_addch(out, (char)c);
			i++;
			prev_shift = false;
			continue;
		}
		const char *dash = memchr(s + i + 1, '-', len - i - 1);
		if (!dash)
			goto fail;
		size_t n = (size_t)(dash - (s + i + 1));
		if (n == 0) {
			buf_addch(out, '&');
			prev_shift = false;
		} else {
			/* Two adjacent shift sequences must have been one. */
			if (prev_shift || !decode_shifted(s + i + 1, n, out))
				goto fail;
			prev_shift = true;
		}
		i += n + 2;
	}
	return true;
fail:
	return truncate_to(out, start);
}
