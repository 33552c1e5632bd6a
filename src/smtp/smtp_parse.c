#include "smtp/smtp_parse.h"

#include "common/str.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include <unistr.h>

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 5322 atext, plus UTF-8 octets (checked as a whole later). */
static bool is_atext(unsigned char c)
{
	return is_alnum(c) || c >= 0x80 || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* RFC 5321 qtextSMTP. */
static bool is_qtext(unsigned char c)
{
	return (c >= 32 && c <= 126 && c != '"' && c != '\\') || c >= 0x80;
}

/* Appends c to dst (size dstsz, length *n); false when full. */
static bool put(char *dst, size_t dstsz, size_t *n, char c)
{
	if (*n + 1 >= dstsz)
		return false;
	dst[(*n)++] = c;
	dst[*n] = '\0';
	return true;
}

/* sub-domain *("." sub-domain), labels of 1..63 octets that neither start
 * nor end with '-'. */
static bool parse_labels(const char **pp, char *dst, size_t dstsz, size_t *n)
{
	const char *p = *pp;
	for (;;) {
		const char *start = p;
		while (is_alnum((unsigned char)*p) || *p == '-' ||
		    (unsigned char)*p >= 0x80) {
			if (!put(dst, dstsz, n, *p))
				return false;
			p++;
		}
		size_t len = (size_t)(p - start);
		if (len == 0 || len > 63 || *start == '-' || p[-1] == '-')
			return false;
		if (*p != '.')
			break;
		if (!put(dst, dstsz, n, '.'))
			return false;
		p++;
	}
	*pp = p;
	return true;
}

static bool valid_general_literal(const char *c, size_t len)
{
	const char *colon = memchr(c, ':', len);
	if (colon == NULL || colon == c || colon + 1 == c + len)
		return false;
	for (const char *p = c; p < colon; p++)
		if (!is_alnum((unsigned char)*p) && *p != '-')
			return false;
	if (colon[-1] == '-')
		return false;
	for (const char *p = colon + 1; p < c + len; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 33 || ch > 126 || ch == '[' || ch == '\\' || ch == ']')
			return false;
	}
	return true;
}

/* "[" (IPv4 / "IPv6:" IPv6 / tag ":" dcontent) "]" */
static bool valid_literal(const char *c, size_t len)
{
	char tmp[64];
	unsigned char bin[16];
	if (len >= 5 && strncasecmp(c, "IPv6:", 5) == 0) {
		if (len - 5 >= sizeof(tmp))
			return false;
		memcpy(tmp, c + 5, len - 5);
		tmp[len - 5] = '\0';
		return inet_pton(AF_INET6, tmp, bin) == 1;
	}
	if (len > 0 && c[0] >= '0' && c[0] <= '9') {
		if (len >= sizeof(tmp))
			return false;
		memcpy(tmp, c, len);
		tmp[len] = '\0';
		return inet_pton(AF_INET, tmp, bin) == 1;
	}
	return valid_general_literal(c, len);
}

static bool parse_domain(const char **pp, char *dst, size_t dstsz)
{
	size_t n = 0;
	dst[0] = '\0';
	const char *p = *pp;
	if (*p != '[')
		return parse_labels(pp, dst, dstsz, &n);
	const char *close = strchr(p, ']');
	if (close == NULL || (size_t)(close - p) + 2 > dstsz ||
	    !valid_literal(p + 1, (size_t)(close - p - 1)))
		return false;
	memcpy(dst, p, (size_t)(close - p) + 1);
	dst[close - p + 1] = '\0';
	*pp = close + 1;
	return true;
}

/* A-d-l ":" before the mailbox: parsed and ignored (RFC 5321 4.1.2). */
static bool skip_source_route(const char **pp)
{
	char scratch[SMTP_DOMAIN_MAX + 1];
	const char *p = *pp;
	for (;;) {
		if (*p != '@')
			return false;
		p++;
		if (!parse_domain(&p, scratch, sizeof(scratch)))
			return false;
		if (*p == ':')
			break;
		if (*p != ',')
			return false;
		p++;
	}
	*pp = p + 1;
	return true;
}

static bool parse_quoted(const char **pp, char *dst, size_t dstsz)
{
	size_t n = 0;
	const char *p = *pp + 1;
	dst[0] = '\0';
	for (;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*++p;
			if (c < 32 || c > 126)
				return false;
		} else if (!is_qtext(c)) {
			return false;
		}
		if (!put(dst, dstsz, &n, (char)c))
			return false;
	}
	*pp = p + 1;
	return true;
}

static bool parse_dot_string(const char **pp, char *dst, size_t dstsz)
{
	size_t n = 0;
	const char *p = *pp;
	dst[0] = '\0';
	for (;;) {
		const char *start = p;
		while (is_atext((unsigned char)*p)) {
			if (!put(dst, dstsz, &n, *p))
				return false;
			p++;
		}
		if (p == start)
			return false;
		if (*p != '.')
			break;
		if (!put(dst, dstsz, &n, '.'))
			return false;
		p++;
	}
	*pp = p;
	return true;
}

static bool is_dot_string(const char *s)
{
	const char *p = s;
	char tmp[SMTP_LOCAL_MAX + 1];
	return parse_dot_string(&p, tmp, sizeof(tmp)) && *p == '\0';
}

static void make_mailbox(struct smtp_addr *a)
{
	size_t n = 0;
	const size_t sz = sizeof(a->mailbox);
	a->mailbox[0] = '\0';
	if (is_dot_string(a->local)) {
		for (const char *p = a->local; *p; p++)
			put(a->mailbox, sz, &n, *p);
	} else {
		put(a->mailbox, sz, &n, '"');
		for (const char *p = a->local; *p; p++) {
			if (*p == '"' || *p == '\\')
				put(a->mailbox, sz, &n, '\\');
			put(a->mailbox, sz, &n, *p);
		}
		put(a->mailbox, sz, &n, '"');
	}
	put(a->mailbox, sz, &n, '@');
	for (const char *p = a->domain; *p; p++)
		put(a->mailbox, sz, &n, *p);
}

static bool has_non_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* Local part up to '@', or the bare <postmaster>. */
static enum smtp_path_result parse_local(const char **pp, unsigned flags,
    struct smtp_addr *a)
{
	const char *p = *pp;
	char tmp[SMTP_DOMAIN_MAX + 1];   /* roomy: the length check is below */
	bool ok = *p == '"' ? parse_quoted(&p, tmp, sizeof(tmp))
	                    : parse_dot_string(&p, tmp, sizeof(tmp));
	if (!ok)
		return SMTP_PATH_SYNTAX;
	if ((size_t)(p - *pp) > SMTP_LOCAL_MAX)
		return SMTP_PATH_TOO_LONG;
	memcpy(a->local, tmp, strlen(tmp) + 1);
	if (*p == '>' && (flags & SMTP_PATH_ALLOW_POSTMASTER) &&
	    **pp != '"' && strcasecmp(a->local, "postmaster") == 0) {
		a->postmaster = true;
		memcpy(a->mailbox, "postmaster", sizeof("postmaster"));
	}
	*pp = p;
	return SMTP_PATH_OK;
}

enum smtp_path_result smtp_parse_path(const char *s, unsigned flags,
    struct smtp_addr *a, const char **end)
{
	memset(a, 0, sizeof(*a));
	const char *p = s;
	if (*p++ != '<')
		return SMTP_PATH_SYNTAX;
	if (*p == '>' && (flags & SMTP_PATH_ALLOW_NULL)) {
		a->null = true;
		*end = p + 1;
		return SMTP_PATH_OK;
	}
	if (*p == '@' && !skip_source_route(&p))
		return SMTP_PATH_SYNTAX;
	const char *mbox = p;
	enum smtp_path_result r = parse_local(&p, flags, a);
	if (r != SMTP_PATH_OK)
		return r;
	if (!a->postmaster) {
		if (*p++ != '@')
			return SMTP_PATH_SYNTAX;
		if (!parse_domain(&p, a->domain, sizeof(a->domain)))
			return strlen(a->domain) + 1 >= sizeof(a->domain)
			    ? SMTP_PATH_TOO_LONG : SMTP_PATH_SYNTAX;
		make_mailbox(a);
	}
	if (*p != '>')
		return SMTP_PATH_SYNTAX;
	if ((size_t)(p - s) + 1 > SMTP_PATH_MAX)
		return SMTP_PATH_TOO_LONG;
	size_t mlen = (size_t)(p - mbox);
	if (has_non_ascii(mbox, mlen)) {
		if (!(flags & SMTP_PATH_ALLOW_UTF8))
			return SMTP_PATH_NON_ASCII;
		if (u8_check((const uint8_t *)mbox, mlen) != NULL)
			return SMTP_PATH_SYNTAX;
		a->utf8 = true;
	}
	*end = p + 1;
	return SMTP_PATH_OK;
}

static bool valid_key(const char *k)
{
	if (!is_alnum((unsigned char)*k))
		return false;
	for (; *k; k++)
		if (!is_alnum((unsigned char)*k) && *k != '-')
			return false;
	return true;
}

static bool valid_value(const char *v)
{
	if (*v == '\0')
		return false;
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c < 33 || c == '=' || c == 127)
			return false;
	}
	return true;
}

int smtp_parse_params(char *s, struct smtp_param *out, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(s, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if (n == max)
			return -1;
		char *eq = strchr(tok, '=');
		if (eq != NULL)
			*eq = '\0';
		if (!valid_key(tok) || (eq != NULL && !valid_value(eq + 1)))
			return -1;
		out[n].key = tok;
		out[n].value = eq != NULL ? eq + 1 : NULL;
		n++;
	}
	return n;
}

bool smtp_xtext_decode(const char *in, char *dst, size_t dstsz)
{
	size_t n = 0;
	dst[0] = '\0';
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == '+') {
			int hi = str_hex_digit(p[1]), lo = hi < 0 ? -1 : str_hex_digit(p[2]);
			if (lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return false;
			p += 2;
		} else if ((unsigned char)c < 33 || (unsigned char)c > 126 ||
		    c == '=') {
			return false;
		}
		if (!put(dst, dstsz, &n, c))
			return false;
	}
	return true;
}

bool smtp_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	size_t n = 0;
	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		unsigned d = (unsigned)(s[n] - '0');
		if (n == 20 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (n == 0 || s[n] != '\0')
		return false;
	*v = x;
	return true;
}

bool smtp_valid_helo(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 32 || c == 127)
			return false;
	}
	return s[0] != '[' || s[len - 1] == ']';
}

const char *smtp_match_verb(const char *s, const char *verb)
{
	size_t n = strlen(verb);
	if (strncasecmp(s, verb, n) != 0)
		return NULL;
	if (s[n] == '\0')
		return s + n;
	if (s[n] == ' ')
		return s + n + 1;
	return NULL;
}
