/* A strict-enough HTTP/1.x response reader for talking to one local
 * filter or fetching an MTA-STS policy; nothing here follows redirects
 * or keeps connections. */
#include "filter/http.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/str.h"

static bool host_char(char c, bool v6)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' ||
	    (!v6 && c == '_') || (v6 && c == ':');
}

/* Digits only, 1..max. */
static bool parse_uint(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool http_url_parse(const char *url, char host[HTTP_HOST_MAX + 1],
    unsigned *port, struct buf *path)
{
	if (strncasecmp(url, "http://", 7) != 0)
		return false;
	const char *a = url + 7;
	size_t alen = strcspn(a, "/?#");
	const char *h = a, *colon;
	size_t hlen;
	bool v6 = a[0] == '[';
	if (v6) {
		const char *close = memchr(a, ']', alen);
		if (close == NULL)
			return false;
		h = a + 1;
		hlen = (size_t)(close - h);
		colon = close + 1 < a + alen ? close + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return false;
	} else {
		colon = memchr(a, ':', alen);
		hlen = colon ? (size_t)(colon - a) : alen;
	}
	if (hlen == 0 || hlen > HTTP_HOST_MAX)
		return false;
	for (size_t i = 0; i < hlen; i++)
		if (!host_char(h[i], v6))
			return false;
	uint64_t p = 80;
	if (colon != NULL && (!parse_uint(colon + 1, (size_t)(a + alen - colon - 1),
	    65535, &p) || p == 0))
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (unsigned)p;
	buf_reset(path);
	const char *rest = a + alen;
	if (*rest != '/')
		buf_addch(path, '/');
	for (; *rest != '\0' && *rest != '#'; rest++) {
		if ((unsigned char)*rest <= 0x20 || *rest == 0x7f)
			return false;
		buf_addch(path, *rest);
	}
	return true;
}

/* The line at p[*off..n) without its end; false if there is no end. */
static bool next_line(const char *p, size_t n, size_t *off, const char **line,
    size_t *len)
{
	const char *lf = memchr(p + *off, '\n', n - *off);
	if (lf == NULL)
		return false;
	*line = p + *off;
	*len = (size_t)(lf - *line);
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	*off = (size_t)(lf - p) + 1;
	return true;
}

static bool field_is(const char *line, size_t len, const char *name,
    const char **val, size_t *vlen)
{
	size_t k = strlen(name);
	if (len <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return false;
	*val = line + k + 1;
	*vlen = len - k - 1;
	while (*vlen > 0 && (**val == ' ' || **val == '\t')) {
		(*val)++;
		(*vlen)--;
	}
	while (*vlen > 0 && ((*val)[*vlen - 1] == ' ' || (*val)[*vlen - 1] == '\t'))
		(*vlen)--;
	return true;
}

static bool decode_chunked(const char *p, size_t n, size_t off, struct buf *out)
{
	for (;;) {
		const char *line;
		size_t len;
		if (!next_line(p, n, &off, &line, &len))
			return false;
		size_t hex = 0;
		uint64_t size = 0;
		while (hex < len && isxdigit((unsigned char)line[hex])) {
			if (size > (UINT64_MAX >> 4))
				return false;
			size = size << 4 | (uint64_t)str_hex_digit(line[hex]);
			hex++;
		}
		if (hex == 0 || (hex < len && line[hex] != ';' && line[hex] != ' '))
			return false;
		if (size == 0)
			return true;         /* trailers are not needed */
		if (size > n - off)
			return false;
		buf_add(out, p + off, (size_t)size);
		off += (size_t)size;
		if (!next_line(p, n, &off, &line, &len) || len != 0)
			return false;
	}
}

bool http_response_parse(const char *p, size_t n, struct http_response *r,
    struct buf *tmp)
{
	size_t off = 0, len;
	const char *line;
	uint64_t status;
	if (!next_line(p, n, &off, &line, &len) || len < 12 ||
	    memcmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) ||
	    line[8] != ' ' || !parse_uint(line + 9, 3, 999, &status) ||
	    status < 100 || status > 599 || (len > 12 && line[12] != ' '))
		return false;
	bool chunked = false, have_cl = false, have_ct = false;
	uint64_t cl = 0;
	r->ctype = "";
	r->ctype_len = 0;
	for (;;) {
		if (!next_line(p, n, &off, &line, &len))
			return false;
		if (len == 0)
			break;
		const char *v;
		size_t vlen;
		uint64_t x;
		if (field_is(line, len, "Content-Length", &v, &vlen)) {
			if (!parse_uint(v, vlen, UINT64_MAX / 2, &x) ||
			    (have_cl && x != cl))
				return false;
			cl = x;
			have_cl = true;
		} else if (field_is(line, len, "Transfer-Encoding", &v, &vlen)) {
			chunked = vlen == 7 && strncasecmp(v, "chunked", 7) == 0;
			if (!chunked)
				return false;
		} else if (field_is(line, len, "Content-Type", &v, &vlen)) {
			if (have_ct && (vlen != r->ctype_len ||
			    memcmp(v, r->ctype, vlen) != 0))
				return false;
			have_ct = true;
			r->ctype = v;
			r->ctype_len = vlen;
		}
	}
	r->status = (unsigned)status;
	r->delimited = chunked || have_cl;
	buf_reset(tmp);
	if (chunked) {
		if (!decode_chunked(p, n, off, tmp))
			return false;
		r->body = tmp->data ? tmp->data : "";
		r->body_len = tmp->len;
	} else {
		if (have_cl && cl > n - off)
			return false;
		r->body = p + off;
		r->body_len = have_cl ? (size_t)cl : n - off;
	}
	return true;
}
