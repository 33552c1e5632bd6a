/* The text of a message the classifier looks at, and the GTUBE test. */
#include "filter/bayes.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "mail/casefold.h"
#include "mail/encwords.h"
#include "mail/header.h"
#include "mail/mime.h"

/* Hostile nesting and part counts cost little here: only the text is
 * wanted, never the structure. */
static const struct mime_limits text_limits = { 16, 1000, 64 * 1024 };

/* Decoded text of a text/plain or text/html part, at most about cap bytes
 * (the encoded body is cut first, so a huge part is never decoded whole:
 * base64 and quoted-printable never shrink text more than fourfold). */
static void part_text(const struct mime_tree *t, const struct mime_part *p,
    size_t cap, struct buf *out)
{
	struct mime_part cut = *p;
	if (cut.body_len / 4 > cap)
		cut.body_len = cap * 4;
	mime_part_decoded(t, &cut, out);
}

/* Where the content of a <style> or <script> element at s[i] (just after
 * its '<') ends: at its closing tag, or the end. i itself otherwise. */
static size_t skip_element(const char *s, size_t n, size_t i)
{
	static const char *const names[] = { "style", "script" };
	for (size_t k = 0; k < 2; k++) {
		size_t len = strlen(names[k]);
		if (n - i <= len || strncasecmp(s + i, names[k], len) != 0 ||
		    isalnum((unsigned char)s[i + len]))
			continue;
		for (size_t j = i + len; j + len + 2 <= n; j++)
			if (s[j] == '<' && s[j + 1] == '/' &&
			    strncasecmp(s + j + 2, names[k], len) == 0)
				return j + 1;
		return n;
	}
	return i;
}

/* HTML without its tags, entities, styles and scripts, so markup is not
 * mistaken for words; the text between tags stays. */
static void strip_html(const char *s, size_t n, struct buf *out)
{
	bool tag = false, entity = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (tag) {
			tag = c != '>';
		} else if (c == '<') {
			tag = true;
			i = skip_element(s, n, i + 1) - 1;
			buf_addch(out, ' ');
		} else if (entity) {
			entity = c != ';' && c != ' ' && c != '<';
		} else if (c == '&') {
			entity = true;
			buf_addch(out, ' ');
		} else {
			buf_addch(out, c);
		}
	}
}

static bool is_text_part(const struct mime_part *p, bool *html)
{
	*html = mime_ctype_is(&p->ct, "text", "html");
	return *html || mime_ctype_is(&p->ct, "text", "plain");
}

static void walk(const struct mime_tree *t, const struct mime_part *p,
    struct buf *out)
{
	bool html;
	for (; p != NULL && out->len < BAYES_TEXT_MAX; p = p->next) {
		if (p->kind != MIME_LEAF) {
			walk(t, p->child, out);
		} else if (is_text_part(p, &html)) {
			struct buf raw = BUF_INIT;
			part_text(t, p, BAYES_TEXT_MAX - out->len, &raw);
			if (html)
				strip_html(buf_cstr(&raw), raw.len, out);
			else
				buf_add(out, buf_cstr(&raw), raw.len);
			buf_addch(out, '\n');
			buf_free(&raw);
		}
	}
}

/* A header field's words, each with prefix ("s:" ...): every ASCII byte
 * that cannot be in a word becomes one separator and a new prefix. */
static void header_words(const char *hdr, size_t len, const char *name,
    const char *prefix, struct buf *out)
{
	struct buf v = BUF_INIT, dec = BUF_INIT;
	if (hdr_get(hdr, len, name, &v)) {
		ew_decode(buf_cstr(&v), v.len, &dec);
		bool sep = true;
		for (size_t i = 0; i < dec.len; i++) {
			unsigned char c = (unsigned char)dec.data[i];
			bool word = c >= 0x80 || c == '$' || isalnum(c);
			if (word && sep)
				buf_addstr(out, prefix);
			buf_addch(out, word ? (char)c : ' ');
			sep = !word;
		}
		buf_addch(out, '\n');
	}
	buf_free(&v);
	buf_free(&dec);
}

static void fold(const char *s, size_t n, struct buf *out)
{
	utf8_casefold(s, n, out);
}

void bayes_message_text(const char *msg, size_t len, struct buf *out)
{
	struct mime_tree *t = mime_parse(msg, len, &text_limits);
	struct buf raw = BUF_INIT;
	const char *hdr = msg + t->root->hdr_off;
	header_words(hdr, t->root->hdr_len, "Subject", "s:", &raw);
	header_words(hdr, t->root->hdr_len, "From", "f:", &raw);
	walk(t, t->root, &raw);
	if (raw.len > BAYES_TEXT_MAX)
		raw.len = BAYES_TEXT_MAX;
	fold(buf_cstr(&raw), raw.len, out);
	buf_free(&raw);
	mime_tree_free(t);
}

bool bayes_text_has_gtube(const char *text, size_t len)
{
	char folded[sizeof BAYES_GTUBE];
	for (size_t i = 0; i < sizeof folded; i++)
		folded[i] = (char)tolower((unsigned char)BAYES_GTUBE[i]);
	return memmem(text, len, folded, sizeof folded - 1) != NULL;
}
