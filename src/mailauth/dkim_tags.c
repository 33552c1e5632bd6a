/* Tag-list parsing (RFC 6376 3.2):
 *   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  = ALPHA *ALNUMPUNC
 *   tag-value = [ tval *( 1*(WSP / FWS) tval ) ], tval = 1*VALCHAR
 * A bare LF counts as CRLF (messages read from files). */
#include "mailauth/dkim_tags.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_valchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnumpunc(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* Skips FWS at *pos. False if a line break is not followed by WSP (the
 * end of a folded line must continue the field). */
static bool skip_fws(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos;
	for (;;) {
		while (i < len && is_wsp(s[i]))
			i++;
		size_t brk = 0;
		if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n')
			brk = 2;
		else if (i < len && s[i] == '\n')
			brk = 1;
		else if (i < len && s[i] == '\r')
			return false;
		if (brk == 0)
			break;
		if (i + brk >= len || !is_wsp(s[i + brk]))
			return false;
		i += brk;
	}
	*pos = i;
	return true;
}

static bool parse_value(const char *s, size_t len, size_t *pos,
    size_t *vend, const char **why)
{
	size_t i = *pos, end = i;
	while (i < len && s[i] != ';') {
		size_t at = i;
		if (is_valchar((unsigned char)s[i])) {
			end = ++i;
		} else if (!skip_fws(s, len, &i) || i == at) {
			*why = "bad character in tag value";
			return false;
		}
	}
	*pos = i;
	*vend = end;
	return true;
}

static bool add_tag(struct dkim_tags *out, const char *name, size_t nlen,
    const char *s, size_t vstart, size_t vend, const char **why)
{
	for (size_t k = 0; k < out->n; k++)
		if (out->v[k].name_len == nlen &&
		    memcmp(out->v[k].name, name, nlen) == 0) {
			*why = "duplicate tag";
			return false;
		}
	if (out->n == DKIM_TAGS_MAX) {
		*why = "too many tags";
		return false;
	}
	struct dkim_tag *t = &out->v[out->n++];
	t->name = name;
	t->name_len = nlen;
	t->value = s + vstart;
	t->value_len = vend - vstart;
	t->value_off = vstart;
	return true;
}

static bool parse_spec(const char *s, size_t len, size_t *pos,
    struct dkim_tags *out, const char **why)
{
	size_t i = *pos, name = i;
	if (i >= len || !is_alpha((unsigned char)s[i])) {
		*why = "bad tag name";
		return false;
	}
	while (i < len && is_alnumpunc((unsigned char)s[i]))
		i++;
	size_t nlen = i - name;
	if (!skip_fws(s, len, &i) || i >= len || s[i] != '=') {
		*why = "tag without '='";
		return false;
	}
	i++;
	if (!skip_fws(s, len, &i)) {
		*why = "bad folding";
		return false;
	}
	size_t vstart = i, vend;
	if (!parse_value(s, len, &i, &vend, why))
		return false;
	*pos = i;
	return add_tag(out, s + name, nlen, s, vstart, vend, why);
}

bool dkim_tags_parse(const char *text, size_t len, struct dkim_tags *out,
    const char **why)
{
	size_t i = 0;
	out->n = 0;
	if (!skip_fws(text, len, &i)) {
		*why = "bad folding";
		return false;
	}
	while (i < len) {
		if (!parse_spec(text, len, &i, out, why))
			return false;
		if (i == len)
			break;
		i++;   /* the ';' */
		if (!skip_fws(text, len, &i)) {
			*why = "bad folding";
			return false;
		}
	}
	return true;
}

const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t,
    const char *name)
{
	size_t n = strlen(name);
	for (size_t k = 0; k < t->n; k++)
		if (t->v[k].name_len == n && memcmp(t->v[k].name, name, n) == 0)
			return &t->v[k];
	return NULL;
}

void dkim_tag_strip_fws(const struct dkim_tag *tag, struct buf *out)
{
	buf_reserve(out, tag->value_len);
	for (size_t k = 0; k < tag->value_len; k++) {
		char c = tag->value[k];
		if (!is_wsp(c) && c != '\r' && c != '\n')
			buf_addch(out, c);
	}
}

bool dkim_tag_base64(const struct dkim_tag *tag, unsigned char *out,
    size_t max, size_t *out_len)
{
	const char *end = NULL;
	if (sodium_base642bin(out, max, tag->value, tag->value_len, " \t\r\n",
	    out_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	return end == tag->value + tag->value_len;
}

bool dkim_tag_is(const struct dkim_tag *tag, const char *s)
{
	size_t n = strlen(s);
	return tag->value_len == n && strncasecmp(tag->value, s, n) == 0;
}

void dkim_base64_add(struct buf *out, const unsigned char *p, size_t n)
{
	size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	buf_reserve(out, cap);
	sodium_bin2base64(out->data + out->len, cap, p, n,
	    sodium_base64_VARIANT_ORIGINAL);
	out->len += cap - 1;
}
