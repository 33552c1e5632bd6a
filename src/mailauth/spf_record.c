#include "mailauth/spf_record.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/xmalloc.h"
#include "mailauth/spf_macro.h"

static bool is_version(const char *s, size_t n)
{
	return n >= 6 && strncasecmp(s, "v=spf1", 6) == 0 &&
	    (n == 6 || s[6] == ' ');
}

enum spf_select spf_record_select(const struct spf_txt *txt, size_t n,
    size_t *which)
{
	size_t found = 0;
	for (size_t i = 0; i < n; i++) {
		if (txt[i].data == NULL || !is_version(txt[i].data, txt[i].len))
			continue;
		if (found++ == 0)
			*which = i;
	}
	return found == 0 ? SPF_SELECT_NONE :
	    found == 1 ? SPF_SELECT_ONE : SPF_SELECT_MANY;
}

static const struct {
	const char *name;
	enum spf_mech mech;
} mechs[] = {
	{ "all", SPF_MECH_ALL }, { "include", SPF_MECH_INCLUDE },
	{ "a", SPF_MECH_A }, { "mx", SPF_MECH_MX }, { "ptr", SPF_MECH_PTR },
	{ "ip4", SPF_MECH_IP4 }, { "ip6", SPF_MECH_IP6 },
	{ "exists", SPF_MECH_EXISTS },
};

/* A CIDR length: 1*DIGIT without leading zeros, at most max. */
static bool parse_cidr(const char *s, size_t n, int max, int *out)
{
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Strips a dual-cidr-length ("/N", "//M", "/N//M") from the end of s[0..n)
 * into t; *n becomes the length of what precedes it. */
static bool strip_dual_cidr(char *s, size_t *n, struct spf_term *t)
{
	size_t end = *n, j = end;
	while (j > 0 && isdigit((unsigned char)s[j - 1]))
		j--;
	if (j < end && j >= 2 && s[j - 1] == '/' && s[j - 2] == '/') {
		if (!parse_cidr(s + j, end - j, 128, &t->cidr6))
			return false;
		end = j - 2;
		j = end;
		while (j > 0 && isdigit((unsigned char)s[j - 1]))
			j--;
	}
	if (j < end && j >= 1 && s[j - 1] == '/') {
		if (!parse_cidr(s + j, end - j, 32, &t->cidr4))
			return false;
		end = j - 1;
	}
	*n = end;
	s[end] = '\0';
	return true;
}

/* ":" domain-spec, required or optional; NUL-terminates the spec. */
static bool take_spec(char *rest, size_t n, bool required,
    struct spf_term *t)
{
	if (n == 0)
		return !required;
	if (rest[0] != ':' || !spf_domain_spec_valid(rest + 1, n - 1))
		return false;
	rest[n] = '\0';
	t->spec = rest + 1;
	return true;
}

static bool parse_ip(char *rest, size_t n, int family, struct spf_term *t)
{
	if (n < 2 || rest[0] != ':')
		return false;
	rest[n] = '\0';
	char *slash = strchr(rest, '/');
	int *cidr = family == AF_INET ? &t->cidr4 : &t->cidr6;
	if (slash != NULL) {
		size_t len = (size_t)(rest + n - slash - 1);
		if (!parse_cidr(slash + 1, len, family == AF_INET ? 32 : 128,
		    cidr))
			return false;
		*slash = '\0';
	}
	return inet_pton(family, rest + 1, t->addr) == 1;
}

static bool parse_mech(char *rest, size_t n, struct spf_term *t)
{
	switch (t->mech) {
	case SPF_MECH_ALL:
		return n == 0;
	case SPF_MECH_INCLUDE:
	case SPF_MECH_EXISTS:
		return take_spec(rest, n, true, t);
	case SPF_MECH_PTR:
		return take_spec(rest, n, false, t);
	case SPF_MECH_A:
	case SPF_MECH_MX:
		if (!strip_dual_cidr(rest, &n, t))
			return false;
		return take_spec(rest, n, false, t);
	case SPF_MECH_IP4:
		return parse_ip(rest, n, AF_INET, t);
	case SPF_MECH_IP6:
		return parse_ip(rest, n, AF_INET6, t);
	}
	return false;
}

static bool set_modifier(const char **slot, char *value, size_t n,
    struct buf *err, const char *name)
{
	if (*slot != NULL) {
		buf_printf(err, "%s appears twice", name);
		return false;
	}
	if (!spf_domain_spec_valid(value, n)) {
		buf_printf(err, "bad %s domain", name);
		return false;
	}
	value[n] = '\0';
	*slot = value;
	return true;
}

/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
static size_t name_len(const char *s, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	size_t i = 1;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
	    s[i] == '_' || s[i] == '.'))
		i++;
	return i;
}

static bool parse_term(char *s, size_t n, struct spf_record *rec,
    struct buf *err)
{
	char qual = '\0';
	if (strchr("+-~?", s[0]) != NULL) {
		qual = s[0];
		s++;
		n--;
	}
	size_t nl = name_len(s, n);
	if (nl == 0) {
		buf_addstr(err, "term does not start with a name");
		return false;
	}
	if (qual == '\0' && nl < n && s[nl] == '=') {
		char *value = s + nl + 1;
		size_t vn = n - nl - 1;
		if (nl == 8 && strncasecmp(s, "redirect", 8) == 0)
			return set_modifier(&rec->redirect, value, vn, err,
			    "redirect");
		if (nl == 3 && strncasecmp(s, "exp", 3) == 0)
			return set_modifier(&rec->exp, value, vn, err, "exp");
		if (!spf_macro_valid(value, vn, true)) {
			buf_addstr(err, "bad macro in unknown modifier");
			return false;
		}
		return true;             /* unknown modifiers are ignored */
	}
	struct spf_term t = { .qual = qual ? qual : '+', .cidr4 = 32,
	    .cidr6 = 128 };
	size_t m;
	for (m = 0; m < sizeof mechs / sizeof mechs[0]; m++)
		if (strlen(mechs[m].name) == nl &&
		    strncasecmp(s, mechs[m].name, nl) == 0)
			break;
	if (m == sizeof mechs / sizeof mechs[0]) {
		buf_addstr(err, "unknown mechanism");
		return false;
	}
	t.mech = mechs[m].mech;
	if (!parse_mech(s + nl, n - nl, &t)) {
		buf_printf(err, "bad %s mechanism", mechs[m].name);
		return false;
	}
	rec->terms = xreallocarray(rec->terms, rec->nterms + 1,
	    sizeof *rec->terms);
	rec->terms[rec->nterms++] = t;
	return true;
}

bool spf_record_parse(const char *txt, size_t len, struct spf_record *rec,
    struct buf *err)
{
	memset(rec, 0, sizeof *rec);
	if (len > SPF_RECORD_MAX) {
		buf_addstr(err, "record too long");
		return false;
	}
	if (!is_version(txt, len)) {
		buf_addstr(err, "not an SPF record");
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)txt[i];
		if (c < 0x20 || c > 0x7e) {
			buf_addstr(err, "control or non-ASCII byte in record");
			return false;
		}
	}
	rec->text = xmalloc(len + 1);
	memcpy(rec->text, txt, len);
	rec->text[len] = '\0';
	char *p = rec->text + 6, *end = rec->text + len;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		char *q = p;
		while (q < end && *q != ' ')
			q++;
		if (q > p) {
			*q = '\0';      /* terms are split on spaces only */
			if (!parse_term(p, (size_t)(q - p), rec, err)) {
				spf_record_free(rec);
				return false;
			}
		}
		p = q + 1;
	}
	return true;
}

void spf_record_free(struct spf_record *rec)
{
	free(rec->text);
	free(rec->terms);
	memset(rec, 0, sizeof *rec);
}
