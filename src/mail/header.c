/* Header field iteration, unfolding and lookup (RFC 5322 2.2, 3.6 and the
 * obs-syntax of 4.5). */
#include "mail/header.h"

#include <string.h>
#include <strings.h>

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* End of the line starting at pos: index after its LF, or len. */
static size_t line_end(const char *p, size_t len, size_t pos)
{
	const char *nl = memchr(p + pos, '\n', len - pos);
	return nl ? (size_t)(nl - p) + 1 : len;
}

static bool is_blank_line(const char *p, size_t len, size_t pos)
{
	if (p[pos] == '\n')
		return true;
	return p[pos] == '\r' && pos + 1 < len && p[pos + 1] == '\n';
}

/* A field name is ftext (printable ASCII but ':'), then optional WSP
 * (obs-optional). Returns the name length, or 0 if the line is no field. */
static size_t field_name_len(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] > 32 && line[i] < 127 && line[i] != ':')
		i++;
	size_t name = i;
	while (i < n && is_wsp(line[i]))
		i++;
	if (name == 0 || i >= n || line[i] != ':')
		return 0;
	return name;
}

void hdr_iter_init(struct hdr_iter *it, const char *hdr, size_t len)
{
	memset(it, 0, sizeof(*it));
	it->p = hdr;
	it->len = len;
	it->max_fields = HDR_MAX_FIELDS_DEFAULT;
	it->max_field_len = HDR_MAX_FIELD_LEN_DEFAULT;
}

/* End of the field starting at pos: its first line and every folded
 * continuation line. */
static size_t field_end(const char *p, size_t len, size_t pos)
{
	size_t end = line_end(p, len, pos);
	while (end < len && is_wsp(p[end]))
		end = line_end(p, len, end);
	return end;
}

static void fill_field(const char *line, size_t n, size_t name_len,
    struct hdr_field *f)
{
	f->line = line;
	f->line_len = n;
	f->name = line;
	f->name_len = name_len;
	const char *colon = memchr(line, ':', n);
	size_t voff = (size_t)(colon - line) + 1;
	size_t vend = n;
	if (vend > voff && line[vend - 1] == '\n')
		vend--;
	if (vend > voff && line[vend - 1] == '\r')
		vend--;
	f->value = line + voff;
	f->value_len = vend - voff;
}

bool hdr_next(struct hdr_iter *it, struct hdr_field *f)
{
	while (it->pos < it->len && !is_blank_line(it->p, it->len, it->pos)) {
		size_t start = it->pos;
		size_t end = field_end(it->p, it->len, start);
		it->pos = end;
		const char *line = it->p + start;
		size_t n = end - start;
		size_t name_len = field_name_len(line, n);
		if (name_len == 0 || n > it->max_field_len)
			continue;
		if (it->count >= it->max_fields) {
			it->over_limit = true;
			it->pos = it->len;
			return false;
		}
		it->count++;
		fill_field(line, n, name_len, f);
		return true;
	}
	return false;
}

bool hdr_name_is(const struct hdr_field *f, const char *name)
{
	size_t n = strlen(name);
	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

void hdr_unfold(const char *value, size_t len, struct buf *out)
{
	size_t i = 0;
	while (i < len && (is_wsp(value[i]) || value[i] == '\r' ||
	    value[i] == '\n'))
		i++;
	while (len > i && (is_wsp(value[len - 1]) || value[len - 1] == '\r' ||
	    value[len - 1] == '\n'))
		len--;
	buf_reserve(out, len - i);
	for (; i < len; i++) {
		char c = value[i];
		if (c == '\n')
			continue;
		if (c == '\r' && i + 1 < len && value[i + 1] == '\n')
			continue;
		buf_addch(out, (c == '\0' || c == '\r') ? ' ' : c);
	}
}

bool hdr_find(const char *hdr, size_t len, const char *name,
    struct hdr_field *f)
{
	struct hdr_iter it;
	hdr_iter_init(&it, hdr, len);
	while (hdr_next(&it, f))
		if (hdr_name_is(f, name))
			return true;
	return false;
}

bool hdr_get(const char *hdr, size_t len, const char *name, struct buf *out)
{
	struct hdr_field f;
	buf_reset(out);
	if (!hdr_find(hdr, len, name, &f))
		return false;
	hdr_unfold(f.value, f.value_len, out);
	return true;
}

size_t hdr_count(const char *hdr, size_t len, const char *name)
{
	struct hdr_iter it;
	struct hdr_field f;
	size_t n = 0;
	hdr_iter_init(&it, hdr, len);
	while (hdr_next(&it, &f))
		if (hdr_name_is(&f, name))
			n++;
	return n;
}
