/* Header output: field filtering for IMAP and folded header writing. */
#include "mail/header.h"

#include <stdint.h>
#include <string.h>

#define FOLD_AT 78

static bool name_listed(const struct hdr_field *f, const char *const *names,
    size_t nnames)
{
	for (size_t i = 0; i < nnames; i++)
		if (hdr_name_is(f, names[i]))
			return true;
	return false;
}

void hdr_filter(const char *hdr, size_t len, const char *const *names,
    size_t nnames, bool exclude, struct buf *out)
{
	struct hdr_iter it;
	struct hdr_field f;
	hdr_iter_init(&it, hdr, len);
	while (hdr_next(&it, &f)) {
		if (name_listed(&f, names, nnames) == exclude)
			continue;
		buf_add(out, f.line, f.line_len);
		if (f.line_len == 0 || f.line[f.line_len - 1] != '\n')
			buf_addstr(out, "\r\n");
	}
	buf_addstr(out, "\r\n");
}

size_t hdr_strip(const char *hdr, size_t len, const char *const *names,
    size_t nnames, struct buf *out)
{
	struct hdr_iter it;
	struct hdr_field f;
	size_t copied = 0, dropped = 0;
	hdr_iter_init(&it, hdr, len);
	it.max_fields = SIZE_MAX;
	it.max_field_len = SIZE_MAX;
	while (hdr_next(&it, &f)) {
		if (!name_listed(&f, names, nnames))
			continue;
		size_t off = (size_t)(f.line - hdr);
		buf_add(out, hdr + copied, off - copied);
		copied = off + f.line_len;
		dropped++;
	}
	buf_add(out, hdr + copied, len - copied);
	return dropped;
}

/* Length of the next word of v including the white space before it. */
static size_t word_len(const char *v)
{
	size_t i = 0;
	while (v[i] == ' ' || v[i] == '\t')
		i++;
	while (v[i] != '\0' && v[i] != ' ' && v[i] != '\t')
		i++;
	return i;
}

void hdr_append_folded(struct buf *out, const char *name, const char *value)
{
	size_t start = out->len;
	buf_printf(out, "%s:", name);
	size_t col = out->len - start;
	bool first = true;
	while (*value != '\0') {
		size_t n = word_len(value);
		bool ws = value[0] == ' ' || value[0] == '\t';
		if (!first && ws && col + n > FOLD_AT) {
			buf_addstr(out, "\r\n");
			col = 0;
		} else if (first && !ws) {
			buf_addch(out, ' ');
			col++;
		}
		size_t at = out->len;
		buf_add(out, value, n);
		for (size_t i = at; i < out->len; i++)
			if (out->data[i] == '\r' || out->data[i] == '\n')
				out->data[i] = ' ';
		col += n;
		value += n;
		first = false;
	}
	buf_addstr(out, "\r\n");
}
