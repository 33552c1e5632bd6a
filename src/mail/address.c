#include "mail/address.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "common/xmalloc.h"

/* Inputs longer than this are refused before any Unicode work, so hostile
 * input costs little. Generous: NFC and case folding may shrink text. */
#define ADDR_INPUT_MAX 1024

#define IDN_FLAGS (IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | \
	IDN2_USE_STD3_ASCII_RULES)

static bool fail(struct buf *err, const char *why)
{
	buf_addstr(err, why);
	return false;
}

/* Invisible or layout characters have no place in an address; ZWNJ and
 * ZWJ are kept because some scripts need them. */
static bool is_bad_char(ucs4_t uc)
{
	if (uc == 0x200C || uc == 0x200D)
		return false;
	return uc_is_general_category(uc, UC_CATEGORY_C) ||
	    uc_is_general_category(uc, UC_CATEGORY_Z);
}

/* Common checks on raw input: size, UTF-8, no control/space/format
 * characters. what names the part for the message. */
static bool check_text(const char *in, const char *what, struct buf *err)
{
	size_t n = strlen(in);
	if (n == 0) {
		buf_printf(err, "empty %s", what);
		return false;
	}
	if (n > ADDR_INPUT_MAX) {
		buf_printf(err, "%s is far too long", what);
		return false;
	}
	const uint8_t *s = (const uint8_t *)in;
	if (u8_check(s, n) != NULL) {
		buf_printf(err, "%s is not valid UTF-8", what);
		return false;
	}
	for (const uint8_t *p = s; p < s + n;) {
		ucs4_t uc;
		p += u8_mbtouc(&uc, p, (size_t)(s + n - p));
		if (uc == ' ' || uc == '\t') {
			buf_printf(err, "space in %s", what);
			return false;
		}
		if (is_bad_char(uc)) {
			buf_printf(err, "control or invisible character in %s", what);
			return false;
		}
	}
	return true;
}

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool check_dots(const char *s, const char *what, struct buf *err)
{
	size_t n = strlen(s);
	if (s[0] == '.' || s[n - 1] == '.') {
		buf_printf(err, "leading or trailing dot in %s", what);
		return false;
	}
	if (strstr(s, "..") != NULL) {
		buf_printf(err, "consecutive dots in %s", what);
		return false;
	}
	return true;
}


/* Checks the A-label form: LDH labels of 1..63 octets, no edge hyphens,
 * at least two labels, a top-level label that is not all digits. */
static bool check_ascii_domain(const char *a, struct buf *err)
{
	size_t n = strlen(a);
	if (n > ADDR_DOMAIN_MAX)
		return fail(err, "domain is longer than 253 octets");
	if (!check_dots(a, "domain", err))
		return false;
	size_t labels = 0;
	const char *last = a;
	for (const char *p = a; *p;) {
		const char *end = strchr(p, '.');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > ADDR_LABEL_MAX)
			return fail(err, "domain label is longer than 63 octets");
		if (p[0] == '-' || p[len - 1] == '-')
			return fail(err, "domain label starts or ends with a hyphen");
		for (size_t i = 0; i < len; i++)
			if (!is_ldh(p[i]))
				return fail(err, "invalid character in domain");
		labels++;
		last = p;
		p += len + (end != NULL);
	}
	if (labels < 2)
		return fail(err, "domain needs at least two labels");
	if (strspn(last, "0123456789") == strlen(last))
		return fail(err, "IP addresses are not allowed as domain");
	return true;
}

bool addr_domain_ascii(const char *domain, struct buf *out, struct buf *err)
{
	if (!check_text(domain, "domain", err))
		return false;
	if (domain[0] == '[')
		return fail(err, "IP literals are not allowed as domain");
	if (!check_dots(domain, "domain", err))
		return false;
	/* libidn2's UTS#46 mapping silently drops some ASCII such as '_';
	 * two spellings must never meet in one domain, so refuse them here. */
	for (const unsigned char *p = (const unsigned char *)domain; *p; p++)
		if (*p < 0x80 && *p != '.' && !is_ldh((char)(*p | 0x20)))
			return fail(err, "invalid character in domain");
	char *ascii = NULL;
	int rc = idn2_to_ascii_8z(domain, &ascii, IDN_FLAGS);
	if (rc != IDN2_OK) {
		buf_printf(err, "invalid domain (%s)", idn2_strerror(rc));
		return false;
	}
	bool ok = check_ascii_domain(ascii, err);
	if (ok)
		buf_set(out, ascii);
	idn2_free(ascii);
	return ok;
}

bool addr_canon_domain(const char *in, struct buf *out, struct buf *err)
{
	struct buf ascii = BUF_INIT, again = BUF_INIT;
	char *u = NULL;
	bool ok = false;
	if (!addr_domain_ascii(in, &ascii, err))
		goto done;
	int rc = idn2_to_unicode_8z8z(buf_cstr(&ascii), &u, 0);
	if (rc != IDN2_OK) {
		buf_printf(err, "invalid domain (%s)", idn2_strerror(rc));
		goto done;
	}
	/* A bogus A-label decodes to text that does not encode back to it. */
	struct buf ignored = BUF_INIT;
	bool back = addr_domain_ascii(u, &again, &ignored);
	buf_free(&ignored);
	if (!back || strcmp(buf_cstr(&again), buf_cstr(&ascii)) != 0) {
		fail(err, "invalid A-label in domain");
		goto done;
	}
	if (strlen(u) > ADDR_DOMAIN_MAX) {
		fail(err, "domain is longer than 253 octets");
		goto done;
	}
	buf_set(out, u);
	ok = true;
done:
	idn2_free(u);
	buf_free(&ascii);
	buf_free(&again);
	return ok;
}

/* RFC 5322 atext, ASCII part. */
static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

bool addr_canon_local(const char *in, struct buf *out, struct buf *err)
{
	if (in[0] == '"')
		return fail(err, "quoted local parts are not supported");
	if (!check_text(in, "local part", err))
		return false;
	if (!check_dots(in, "local part", err))
		return false;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p == '@')
			return fail(err, "more than one '@'");
		if (*p < 0x80 && *p != '.' && !is_atext(*p))
			return fail(err, "invalid character in local part");
	}
	size_t len = 0;
	uint8_t *low = u8_tolower((const uint8_t *)in, strlen(in), NULL,
	    UNINORM_NFC, NULL, &len);
	if (low == NULL)
		return fail(err, "local part cannot be normalised");
	bool ok = len <= ADDR_LOCAL_MAX;
	if (ok) {
		buf_reset(out);
		buf_add(out, low, len);
	} else {
		fail(err, "local part is longer than 64 octets");
	}
	free(low);
	return ok;
}

bool addr_canon(const char *in, struct buf *out, struct buf *err)
{
	const char *at = strrchr(in, '@');
	if (at == NULL)
		return fail(err, "missing '@'");
	if (at == in)
		return fail(err, "empty local part");
	if (strlen(in) > ADDR_INPUT_MAX)
		return fail(err, "address is far too long");
	struct buf local = BUF_INIT, dom = BUF_INIT;
	bool ok = false;
	char *lp = xstrndup(in, (size_t)(at - in));
	if (!addr_canon_local(lp, &local, err) ||
	    !addr_canon_domain(at + 1, &dom, err))
		goto done;
	if (local.len + 1 + dom.len > ADDR_MAX) {
		fail(err, "address is longer than 254 octets");
		goto done;
	}
	buf_reset(out);
	buf_printf(out, "%s@%s", buf_cstr(&local), buf_cstr(&dom));
	ok = true;
done:
	free(lp);
	buf_free(&local);
	buf_free(&dom);
	return ok;
}

bool addr_split(const char *addr, struct buf *local, struct buf *domain)
{
	const char *at = strrchr(addr, '@');
	if (at == NULL)
		return false;
	buf_reset(local);
	buf_add(local, addr, (size_t)(at - addr));
	buf_set(domain, at + 1);
	return true;
}

bool addr_split_tag(const char *local, struct buf *base, struct buf *tag)
{
	const char *plus = strchr(local, '+');
	buf_reset(base);
	buf_reset(tag);
	if (plus == NULL) {
		buf_addstr(base, local);
		return false;
	}
	buf_add(base, local, (size_t)(plus - local));
	buf_addstr(tag, plus + 1);
	return true;
}

void addr_quote(struct buf *out, const char *s, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);
	buf_addch(out, '\'');
	for (size_t i = 0; i < n && i < max;) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, p + i, n - i);
		if (uc != 0xFFFD && !is_bad_char(uc) && uc != '\'' && uc != '\\') {
			buf_add(out, p + i, (size_t)k);
			i += (size_t)k;
		} else {
			buf_printf(out, "\\x%02x", p[i]);
			i++;
		}
	}
	if (n > max)
		buf_addstr(out, "...");
	buf_addch(out, '\'');
}
