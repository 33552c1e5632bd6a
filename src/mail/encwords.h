/* Charset conversion to UTF-8 (glibc iconv), RFC 2047 encoded words and
 * RFC 2231 parameter values. All output is valid UTF-8. */
#ifndef AMB_MAIL_ENCWORDS_H
#define AMB_MAIL_ENCWORDS_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define CHARSET_NAME_MAX 64

/* Appends in (in charset) as UTF-8; invalid sequences become U+FFFD.
 * False, with out untouched, for an unknown or malformed charset name.
 * An RFC 2231 language suffix ("utf-8*en") is ignored. */
bool charset_to_utf8(const char *charset, size_t cslen, const char *in,
    size_t n, struct buf *out);

/* Appends s, replacing each invalid UTF-8 sequence with U+FFFD. */
void utf8_append_valid(const char *s, size_t n, struct buf *out);

/* Decodes an unstructured header value: encoded words (B and Q) become
 * UTF-8, white space between adjacent encoded words is dropped, adjacent
 * words in one charset are joined before conversion (so a character split
 * across words survives), malformed words or unknown charsets are left as
 * written. Raw 8-bit text is taken as UTF-8. NUL, CR and LF become spaces. */
void ew_decode(const char *s, size_t n, struct buf *out);

/* Appends UTF-8 text s as RFC 2047 B-encoded words of at most 75
 * characters, split on character boundaries and separated by
 * spaces, for header values we write (hdr_append_folded folds them). */
void ew_encode(const char *s, struct buf *out);

/* One segment of an RFC 2231 parameter value, in continuation order. */
struct rfc2231_seg {
	const char *s;
	size_t n;
	bool extended;     /* name*N*=: percent-encoded (first one with
	                      charset'language' prefix) */
};
/* Joins segments into one UTF-8 value appended to out. */
void rfc2231_join(const struct rfc2231_seg *segs, size_t nsegs,
    struct buf *out);

#endif
