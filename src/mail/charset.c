/* Charset conversion to UTF-8 through glibc iconv. */
#include "mail/encwords.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistr.h>

#include "common/xmalloc.h"

static const char replacement[] = "\xef\xbf\xbd";   /* U+FFFD */

void utf8_append_valid(const char *s, size_t n, struct buf *out)
{
	const uint8_t *p = (const uint8_t *)s;
	const uint8_t *end = p + n;
	while (p < end) {
		const uint8_t *bad = u8_check(p, (size_t)(end - p));
		size_t good = bad ? (size_t)(bad - p) : (size_t)(end - p);
		buf_add(out, p, good);
		if (bad == NULL)
			break;
		buf_addstr(out, replacement);
		p = bad + 1;
	}
}

/* Copies the charset name, without an RFC 2231 "*language", lowercased;
 * false if empty, too long or with characters no charset name has. */
static bool charset_name(const char *cs, size_t n, char *dst, size_t dstsz)
{
	const char *star = memchr(cs, '*', n);
	if (star)
		n = (size_t)(star - cs);
	if (n == 0 || n >= dstsz)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = cs[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.:+()", c) != NULL;
		if (!ok || c == '\0')
			return false;
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	dst[n] = '\0';
	return true;
}

static bool is_utf8_alias(const char *name)
{
	static const char *const names[] = {
		"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Runs cd over all input; EILSEQ and a truncated tail give U+FFFD. */
static void iconv_all(iconv_t cd, const char *in, size_t n, struct buf *out)
{
	char *ip = (char *)in;
	size_t ileft = n;
	while (ileft > 0) {
		buf_reserve(out, ileft * 4 + 16);
		char *op = out->data + out->len;
		size_t oleft = out->cap - out->len - 1;
		size_t rc = iconv(cd, &ip, &ileft, &op, &oleft);
		out->len = (size_t)(op - out->data);
		out->data[out->len] = '\0';
		if (rc != (size_t)-1 || errno == E2BIG)
			continue;
		buf_addstr(out, replacement);
		if (errno != EILSEQ)
			break;          /* EINVAL: incomplete sequence at the end */
		ip++;
		ileft--;
	}
}

/* glibc's UTF-8 encoder lets some values past U+10FFFF through (and odd
 * names such as "utf)8" map to it), so what iconv wrote is checked too. */
static void revalidate_from(struct buf *out, size_t start)
{
	size_t n = out->len - start;
	if (n == 0 || u8_check((const uint8_t *)out->data + start, n) == NULL)
		return;
	char *copy = xmemdup(out->data + start, n);
	out->len = start;
	out->data[start] = '\0';
	utf8_append_valid(copy, n, out);
	free(copy);
}

bool charset_to_utf8(const char *charset, size_t cslen, const char *in,
    size_t n, struct buf *out)
{
	char name[CHARSET_NAME_MAX + 1];
	if (!charset_name(charset, cslen, name, sizeof(name)))
		return false;
	if (is_utf8_alias(name)) {
		utf8_append_valid(in, n, out);
		return true;
	}
	iconv_t cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return false;
	size_t start = out->len;
	iconv_all(cd, in, n, out);
	iconv_close(cd);
	revalidate_from(out, start);
	return true;
}
