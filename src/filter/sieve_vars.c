/* Variables (RFC 5229): names are case-insensitive; ${name} and ${N}
 * expand in strings; values are capped at SIEVE_MAX_VARLEN bytes, cut
 * on a character boundary. */
#include "filter/sieve_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"

void sv_vars_free(struct sv_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->name[i]);
		buf_free(&v->val[i]);
	}
	for (size_t i = 0; i < 10; i++)
		buf_free(&v->match[i]);
	v->n = 0;
}

static bool is_ident_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && c >= '0' && c <= '9');
}

bool sv_var_name_ok(const char *name)
{
	if (!is_ident_char(name[0], true) || strlen(name) > 64)
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!is_ident_char(*p, false))
			return false;
	return true;
}

/* Length of s cut to at most max bytes without splitting a character. */
static size_t cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static ssize_t find_var(const struct sv_vars *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcasecmp(v->name[i], name))
			return (ssize_t)i;
	return -1;
}

bool sv_var_set(struct sv_vars *v, const char *name, const char *val,
    size_t len)
{
	ssize_t i = find_var(v, name);
	if (i < 0) {
		if (v->n >= SIEVE_MAX_VARS)
			return false;
		i = (ssize_t)v->n++;
		v->name[i] = xstrdup(name);
		buf_init(&v->val[i]);
	}
	buf_set(&v->val[i], "");
	buf_add(&v->val[i], val, cut_utf8(val, len, SIEVE_MAX_VARLEN));
	return true;
}

const struct buf *sv_var_get(const struct sv_vars *v, const char *name)
{
	ssize_t i = find_var(v, name);
	return i < 0 ? NULL : &v->val[i];
}

/* The value ${...} at s stands for, or NULL when s does not start a
 * variable reference (it is then copied as written); *used is its
 * length. Unknown variables are empty. */
static const char *ref_value(const struct sv_vars *v, const char *s,
    size_t *used, size_t *vlen)
{
	static const char empty[] = "";
	if (s[0] != '$' || s[1] != '{')
		return NULL;
	const char *close = strchr(s + 2, '}');
	size_t n = close ? (size_t)(close - s - 2) : 0;
	if (close == NULL || n == 0 || n > 64)
		return NULL;
	char name[65];
	memcpy(name, s + 2, n);
	name[n] = '\0';
	*used = n + 3;
	*vlen = 0;
	if (strspn(name, "0123456789") == n) {
		unsigned long k = strtoul(name, NULL, 10);
		if (k < v->nmatch && k < 10) {
			*vlen = v->match[k].len;
			return buf_cstr((struct buf *)&v->match[k]);
		}
		return empty;
	}
	if (!sv_var_name_ok(name))
		return NULL;
	const struct buf *b = sv_var_get(v, name);
	if (b == NULL)
		return empty;
	*vlen = b->len;
	return buf_cstr((struct buf *)b);
}

void sv_expand(const struct sv_vars *v, const char *s, struct buf *out)
{
	buf_set(out, "");
	if (!v->on) {
		buf_addstr(out, s);
		return;
	}
	while (*s && out->len < SIEVE_MAX_STRING) {
		size_t used, vlen;
		const char *val = ref_value(v, s, &used, &vlen);
		if (val == NULL) {
			buf_addch(out, *s++);
			continue;
		}
		buf_add(out, val, vlen);
		s += used;
	}
	if (out->len > SIEVE_MAX_STRING) {
		out->len = cut_utf8(out->data, out->len, SIEVE_MAX_STRING);
		out->data[out->len] = '\0';
	}
}

static void map_case(struct buf *b, size_t n, bool upper)
{
	for (size_t i = 0; i < n && i < b->len; i++) {
		char c = b->data[i];
		if (upper && c >= 'a' && c <= 'z')
			b->data[i] = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			b->data[i] = (char)(c - 'A' + 'a');
	}
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

void sv_modify(const struct sv_node *set, const char *in, size_t len,
    struct buf *out)
{
	buf_set(out, "");
	buf_add(out, in, len);
	if (sv_tag(set, ":lower") || sv_tag(set, ":upper"))
		map_case(out, out->len, sv_tag(set, ":upper") != NULL);
	if (sv_tag(set, ":lowerfirst") || sv_tag(set, ":upperfirst"))
		map_case(out, 1, sv_tag(set, ":upperfirst") != NULL);
	if (sv_tag(set, ":quotewildcard")) {
		struct buf q = BUF_INIT;
		for (size_t i = 0; i < out->len; i++) {
			if (strchr("*?\\", out->data[i]) && out->data[i] != '\0')
				buf_addch(&q, '\\');
			buf_addch(&q, out->data[i]);
		}
		buf_set(out, buf_cstr(&q));
		buf_free(&q);
	}
	if (sv_tag(set, ":length")) {
		size_t n = utf8_chars(out->data ? out->data : "", out->len);
		buf_set(out, "");
		buf_printf(out, "%zu", n);
	}
}
