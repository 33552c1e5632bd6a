/* Case folding for matching (SEARCH, the spam classifier). */
#include "mail/casefold.h"

#include <stdlib.h>
#include <unicase.h>
#include <uninorm.h>

#include "mail/encwords.h"

static void fold_unicode(const char *s, size_t n, struct buf *out)
{
	size_t len = 0;
	uint8_t *f = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL,
	    &len);
	if (f != NULL)
		buf_add(out, f, len);
	else
		buf_add(out, s, n);
	free(f);
}

static bool is_ascii(char c)
{
	return (unsigned char)c < 0x80;
}

/* Mail text is mostly ASCII, whose case folding is plain lower-casing
 * and which NFC leaves alone, while u8_casefold costs several times
 * more per character. So ASCII runs are lower-cased here and only the
 * rest goes to libunistring. A cut just before an ASCII character is
 * safe (it never combines with what precedes it); the last ASCII
 * character before non-ASCII goes with the non-ASCII part, since a
 * combining mark may follow it. */
static void fold_valid(const char *s, size_t n, struct buf *out)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && is_ascii(s[j]))
			j++;
		if (j < n && j > i)
			j--;        /* it may take the combining mark after it */
		if (j > i) {
			for (size_t k = i; k < j; k++)
				buf_addch(out, s[k] >= 'A' && s[k] <= 'Z' ?
				    (char)(s[k] + 32) : s[k]);
			i = j;
			continue;
		}
		/* Up to an ASCII character followed by ASCII, or the last one. */
		while (j < n && !(is_ascii(s[j]) && (j + 1 == n || is_ascii(s[j + 1]))))
			j++;
		fold_unicode(s + i, j - i, out);
		i = j;
	}
}

void utf8_casefold(const char *s, size_t n, struct buf *out)
{
	struct buf valid = BUF_INIT;
	utf8_append_valid(s, n, &valid);
	fold_valid(buf_cstr(&valid), valid.len, out);
	buf_free(&valid);
}
