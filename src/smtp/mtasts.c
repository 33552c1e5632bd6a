/* RFC 8461 sections 3.1 (the TXT record), 3.2 (the policy) and 4.1 (MX
 * host matching), strictly as the ABNF says where a mistake could widen
 * what a policy allows, leniently about blank lines. */
#include "smtp/mtasts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WSP(c) ((c) == ' ' || (c) == '\t')

const char *mtasts_mode_name(enum mtasts_mode m)
{
	return m == MTASTS_ENFORCE ? "enforce" : m == MTASTS_TESTING ?
	    "testing" : "none";
}

/* One "name=value" field of the TXT record (after v=STSv1). */
static bool txt_field(const char *f, size_t n, char id[MTASTS_ID_MAX + 1],
    bool *have_id)
{
	const char *eq = memchr(f, '=', n);
	if (eq == NULL || eq == f || eq + 1 == f + n)
		return false;
	size_t klen = (size_t)(eq - f), vlen = n - klen - 1;
	const char *v = eq + 1;
	if (klen > 32 || !isalnum((unsigned char)f[0]))
		return false;
	for (size_t i = 0; i < klen; i++)
		if (!isalnum((unsigned char)f[i]) && !strchr("_-.", f[i]))
			return false;
	if (klen == 2 && memcmp(f, "id", 2) == 0) {
		if (*have_id || vlen > MTASTS_ID_MAX)
			return false;
		for (size_t i = 0; i < vlen; i++)
			if (!isalnum((unsigned char)v[i]))
				return false;
		memcpy(id, v, vlen);
		id[vlen] = '\0';
		*have_id = true;
		return true;
	}
	for (size_t i = 0; i < vlen; i++)
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == '=' || v[i] == ';')
			return false;
	return true;
}

enum mtasts_txt mtasts_txt_parse(const char *txt, size_t len,
    char id[MTASTS_ID_MAX + 1])
{
	static const char v[] = "v=STSv1";
	if (len < sizeof v - 1 || memcmp(txt, v, sizeof v - 1) != 0)
		return MTASTS_TXT_OTHER;
	size_t i = sizeof v - 1;
	bool have_id = false, fields = false;
	while (i < len) {
		while (i < len && WSP(txt[i]))
			i++;
		if (i == len || txt[i] != ';')
			return MTASTS_TXT_INVALID;
		i++;
		while (i < len && WSP(txt[i]))
			i++;
		if (i == len)
			break;       /* a final ";" */
		size_t start = i;
		while (i < len && txt[i] != ';' && !WSP(txt[i]))
			i++;
		if (!txt_field(txt + start, i - start, id, &have_id))
			return MTASTS_TXT_INVALID;
		fields = true;
	}
	return fields && have_id ? MTASTS_TXT_VALID : MTASTS_TXT_INVALID;
}

/* A domain name, or "*." and one: labels of letters, digits and '-'. */
static bool valid_pattern(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n >= MTASTS_PATTERN_MAX - 2)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if ((isalnum(c) || c == '-') && ++label <= 63) {
			if (label == 1 && c == '-')
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && s[n - 1] != '-';
}

static bool field_is(const char *k, size_t klen, const char *name)
{
	return klen == strlen(name) && memcmp(k, name, klen) == 0;
}

static bool parse_max_age(const char *v, size_t n, uint32_t *out)
{
	if (n == 0 || n > 10)
		return false;
	unsigned long long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return false;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	*out = x > MTASTS_MAX_AGE ? MTASTS_MAX_AGE : (uint32_t)x;
	return true;
}

struct seen { bool version, mode, max_age; };

/* One "key: value" line; the value has no trailing whitespace. */
static bool policy_field(const char *k, size_t klen, const char *v,
    size_t vlen, struct mtasts_policy *p, struct seen *s, struct buf *err)
{
	if (field_is(k, klen, "version")) {
		if (!s->version && !(vlen == 5 && memcmp(v, "STSv1", 5) == 0)) {
			buf_printf(err, "version is not STSv1");
			return false;
		}
		s->version = true;
	} else if (field_is(k, klen, "mode") && !s->mode) {
		s->mode = true;
		if (vlen == 7 && memcmp(v, "enforce", 7) == 0)
			p->mode = MTASTS_ENFORCE;
		else if (vlen == 7 && memcmp(v, "testing", 7) == 0)
			p->mode = MTASTS_TESTING;
		else if (vlen == 4 && memcmp(v, "none", 4) == 0)
			p->mode = MTASTS_NONE;
		else {
			buf_printf(err, "unknown mode");
			return false;
		}
	} else if (field_is(k, klen, "max_age") && !s->max_age) {
		s->max_age = true;
		if (!parse_max_age(v, vlen, &p->max_age)) {
			buf_printf(err, "malformed max_age");
			return false;
		}
	} else if (field_is(k, klen, "mx")) {
		if (!valid_pattern(v, vlen)) {
			buf_printf(err, "malformed mx pattern");
			return false;
		}
		if (p->nmx < MTASTS_MAX_MX) {
			char *d = p->mx[p->nmx++];
			for (size_t i = 0; i < vlen; i++)
				d[i] = (char)tolower((unsigned char)v[i]);
			d[vlen] = '\0';
		}
	}
	return true;
}

static bool valid_key(const char *k, size_t n)
{
	if (n == 0 || n > 32 || !isalnum((unsigned char)k[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && !strchr("_-.", k[i]))
			return false;
	return true;
}

static bool policy_line(const char *l, size_t n, struct mtasts_policy *p,
    struct seen *s, struct buf *err)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)l[i] < 0x20 && l[i] != '\t') ||
		    (unsigned char)l[i] >= 0x7f) {
			buf_printf(err, "control or 8-bit character");
			return false;
		}
	const char *colon = memchr(l, ':', n);
	if (colon == NULL || !valid_key(l, (size_t)(colon - l))) {
		buf_printf(err, "malformed line");
		return false;
	}
	const char *v = colon + 1, *end = l + n;
	while (v < end && WSP(*v))
		v++;
	while (end > v && WSP(end[-1]))
		end--;
	return policy_field(l, (size_t)(colon - l), v, (size_t)(end - v), p, s,
	    err);
}

bool mtasts_policy_parse(const char *text, size_t len,
    struct mtasts_policy *p, struct buf *err)
{
	struct seen s = { false, false, false };
	memset(p, 0, sizeof *p);
	if (len > MTASTS_POLICY_MAX) {
		buf_printf(err, "policy too long");
		return false;
	}
	for (size_t i = 0; i < len; ) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - i;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		if (n > 0 && !policy_line(text + i, n, p, &s, err))
			return false;
		i = end + 1;
	}
	if (!s.version || !s.mode || !s.max_age) {
		buf_printf(err, "missing %s", !s.version ? "version" :
		    !s.mode ? "mode" : "max_age");
		return false;
	}
	if (p->mode != MTASTS_NONE && p->nmx == 0) {
		buf_printf(err, "no mx");
		return false;
	}
	return true;
}

static bool pattern_match(const char *pat, const char *host, size_t hlen)
{
	if (pat[0] != '*')
		return strlen(pat) == hlen && strncasecmp(pat, host, hlen) == 0;
	/* "*.example.com": one label, then ".example.com". */
	size_t slen = strlen(pat + 1);
	if (hlen <= slen || strncasecmp(host + hlen - slen, pat + 1, slen) != 0)
		return false;
	size_t label = hlen - slen;
	return label > 0 && memchr(host, '.', label) == NULL;
}

bool mtasts_mx_match(const struct mtasts_policy *p, const char *host)
{
	size_t hlen = strlen(host);
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0)
		return false;
	for (size_t i = 0; i < p->nmx; i++)
		if (pattern_match(p->mx[i], host, hlen))
			return true;
	return false;
}
