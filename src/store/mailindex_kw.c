/* Keywords: IMAP flag keywords kept as a space-separated list. */
#include "store/mailindex_priv.h"

#include <string.h>
#include <strings.h>

#define KEYWORD_MAX 100
#define KEYWORDS_MAX 4000

static bool atom_char(char c)
{
	return c > 0x20 && c < 0x7f && !strchr("(){%*\"\\]", c);
}

bool mi_keywords_valid(const char *kw, struct buf *err)
{
	if (kw == NULL)
		return true;
	if (strlen(kw) > KEYWORDS_MAX) {
		buf_addstr(err, "too many keywords");
		return false;
	}
	for (const char *p = kw; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ' ')
			n++;
		for (size_t i = 0; i < n; i++)
			if (!atom_char(p[i])) {
				buf_addstr(err, "invalid character in a keyword");
				return false;
			}
		if (n > KEYWORD_MAX) {
			buf_addstr(err, "keyword too long");
			return false;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return true;
}

/* Is the word w[0..n) in the list (case-insensitively)? */
static bool has_word(const char *list, size_t llen, const char *w, size_t n)
{
	for (size_t i = 0; i < llen;) {
		size_t m = 0;
		while (i + m < llen && list[i + m] != ' ')
			m++;
		if (m == n && strncasecmp(list + i, w, n) == 0)
			return true;
		i += m + 1;
	}
	return false;
}

/* Appends the words of src to out, skipping those in `skip` and those
 * already in out. */
static void add_words(struct buf *out, const char *src, const char *skip)
{
	size_t slen = skip ? strlen(skip) : 0;
	for (const char *p = src ? src : ""; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ' ')
			n++;
		if (n > 0 && !has_word(skip, slen, p, n) &&
		    !has_word(out->data, out->len, p, n)) {
			if (out->len > 0)
				buf_addch(out, ' ');
			buf_add(out, p, n);
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

void mi_keywords_apply(const char *cur, enum mailindex_store_op op,
    const char *kw, struct buf *out)
{
	buf_reset(out);
	switch (op) {
	case MAILINDEX_STORE_SET:
		add_words(out, kw, NULL);
		break;
	case MAILINDEX_STORE_ADD:
		add_words(out, cur, NULL);
		add_words(out, kw, NULL);
		break;
	case MAILINDEX_STORE_REMOVE:
		add_words(out, cur, kw);
		break;
	}
	if (out->data == NULL)
		buf_addstr(out, "");
}
