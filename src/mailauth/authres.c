/* Building Authentication-Results fields (RFC 8601 2.2). */
#include "mailauth/authres.h"

#include <string.h>

#include "mail/header.h"

/* RFC 2045 token characters. */
static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static bool is_token(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_token_char((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* local-part "@" domain-name with a dot-atom local part: written as is. */
static bool is_address(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (at == NULL || memchr(at + 1, '@', n - (size_t)(at - s) - 1) != NULL)
		return false;
	size_t ln = (size_t)(at - s);
	for (size_t i = 0; i < ln; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f ||
		    strchr("()<>@,;:\\\"[]", c) != NULL)
			return false;
	}
	return (ln == 0 || (s[0] != '.' && s[ln - 1] != '.')) &&
	    is_token(at + 1, n - ln - 1);
}

/* A value: token, address, or quoted string without control characters. */
static void add_pvalue(struct buf *b, const char *v)
{
	size_t n = strlen(v);
	if (is_token(v, n) || is_address(v, n)) {
		buf_add(b, v, n);
		return;
	}
	buf_addch(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\')
			buf_addch(b, '\\');
		buf_addch(b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	buf_addch(b, '"');
}

static void add_comment(struct buf *b, const char *text)
{
	buf_addstr(b, " (");
	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '(' || c == ')' || c == '\\')
			buf_addch(b, '\\');
		buf_addch(b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	buf_addch(b, ')');
}

void authres_init(struct authres *ar, const char *authserv_id)
{
	buf_init(&ar->val);
	ar->nresults = 0;
	add_pvalue(&ar->val, authserv_id);
	ar->id_len = ar->val.len;
}

void authres_free(struct authres *ar)
{
	buf_free(&ar->val);
	ar->nresults = 0;
}

void authres_method(struct authres *ar, const char *method,
    const char *result, const char *reason)
{
	buf_printf(&ar->val, "; %s=%s", method, result);
	if (reason != NULL && *reason != '\0' &&
	    strlen(reason) <= AUTHRES_VALUE_MAX)
		add_comment(&ar->val, reason);
	ar->nresults++;
}

void authres_prop(struct authres *ar, const char *ptype,
    const char *property, const char *value)
{
	if (value == NULL || strlen(value) > AUTHRES_VALUE_MAX)
		return;
	buf_printf(&ar->val, " %s.%s=", ptype, property);
	add_pvalue(&ar->val, value);
}

void authres_add_spf(struct authres *ar, enum spf_result r,
    const char *reason, const char *mailfrom, const char *helo)
{
	authres_method(ar, "spf", spf_result_name(r), reason);
	if (mailfrom != NULL && *mailfrom != '\0')
		authres_prop(ar, "smtp", "mailfrom", mailfrom);
	else if (helo != NULL && *helo != '\0')
		authres_prop(ar, "smtp", "helo", helo);
}

void authres_add_dkim(struct authres *ar, const char *result,
    const char *reason, const char *d, const char *s, const char *b)
{
	authres_method(ar, "dkim", result, reason);
	authres_prop(ar, "header", "d", d);
	authres_prop(ar, "header", "s", s);
	authres_prop(ar, "header", "b", b);
}

void authres_add_dmarc(struct authres *ar, const struct dmarc_verdict *v)
{
	struct buf why = BUF_INIT;
	if (v->result == DMARC_RESULT_PASS || v->result == DMARC_RESULT_FAIL)
		buf_printf(&why, "p=%s dis=%s", dmarc_policy_name(v->policy),
		    dmarc_policy_name(v->disposition));
	authres_method(ar, "dmarc", dmarc_result_name(v->result), why.data);
	if (v->from_domain != NULL && *v->from_domain != '\0')
		authres_prop(ar, "header", "from", v->from_domain);
	buf_free(&why);
}

void authres_finish(struct authres *ar, struct buf *out)
{
	if (ar->nresults == 0)
		buf_addstr(&ar->val, "; none");
	hdr_append_folded(out, "Authentication-Results", buf_cstr(&ar->val));
	ar->val.len = ar->id_len;
	ar->val.data[ar->id_len] = '\0';
	ar->nresults = 0;
}
