#include "t.h"

#include <stdio.h>

#include "mail/address.h"

/* Canonical form of in, or "!" if it is refused (the reason must be set). */
static const char *canon(bool (*fn)(const char *, struct buf *, struct buf *),
    const char *in)
{
	static char res[512];
	struct buf out = BUF_INIT, err = BUF_INIT;
	if (fn(in, &out, &err)) {
		snprintf(res, sizeof res, "%s", buf_cstr(&out));
		CHECK(err.len == 0);
	} else {
		snprintf(res, sizeof res, "!");
		CHECK(err.len > 0);
	}
	buf_free(&out);
	buf_free(&err);
	return res;
}

static const char *reason(const char *in)
{
	static char res[256];
	struct buf out = BUF_INIT, err = BUF_INIT;
	if (addr_canon(in, &out, &err))
		snprintf(res, sizeof res, "accepted");
	else
		snprintf(res, sizeof res, "%s", buf_cstr(&err));
	buf_free(&out);
	buf_free(&err);
	return res;
}

static char *repeat(char c, size_t n, const char *suffix)
{
	static char s[8192];
	memset(s, c, n);
	snprintf(s + n, sizeof s - n, "%s", suffix);
	return s;
}

TEST(address_canonical_forms)
{
	CHECK_STR(canon(addr_canon, "Alice@Example.TEST"), "alice@example.test");
	CHECK_STR(canon(addr_canon, "a.b+Tag@x.example"), "a.b+tag@x.example");
	CHECK_STR(canon(addr_canon, "o'neil!#$%&*/=?^_`{|}~-@ex.am"),
	    "o'neil!#$%&*/=?^_`{|}~-@ex.am");
	/* IDN: U-labels, A-labels and case/width variants meet in one form. */
	CHECK_STR(canon(addr_canon, "Jörg@Bücher.Example"), "jörg@bücher.example");
	CHECK_STR(canon(addr_canon, "jörg@xn--bcher-kva.example"),
	    "jörg@bücher.example");
	CHECK_STR(canon(addr_canon, "jörg@XN--BCHER-KVA.example"),
	    "jörg@bücher.example");
	CHECK_STR(canon(addr_canon_domain, "ＥＸＡＭＰＬＥ.com"), "example.com");
	CHECK_STR(canon(addr_canon_domain, "faß.de"), "faß.de");
	/* NFC: o + combining diaeresis equals precomposed ö. */
	CHECK_STR(canon(addr_canon_local, "JO\xcc\x88RG"), "jörg");
	CHECK_STR(canon(addr_canon_local, "ΔΙΑ"), "δια");
	CHECK_STR(canon(addr_canon, "a@b@example.com"), "!");
}

TEST(address_domain_ascii_form)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	CHECK(addr_domain_ascii("bücher.example", &out, &err));
	CHECK_STR(buf_cstr(&out), "xn--bcher-kva.example");
	CHECK(addr_domain_ascii("Mail.Example.COM", &out, &err));
	CHECK_STR(buf_cstr(&out), "mail.example.com");
	CHECK(!addr_domain_ascii("a..b", &out, &err));
	buf_free(&out);
	buf_free(&err);
}

TEST(address_rejects_hostile_input)
{
	CHECK_STR(reason(""), "missing '@'");
	CHECK_STR(reason("@example.com"), "empty local part");
	CHECK_STR(reason("user@"), "empty domain");
	CHECK_STR(reason("user"), "missing '@'");
	CHECK_STR(reason("us er@example.com"), "space in local part");
	CHECK_STR(reason("user@exa mple.com"), "space in domain");
	CHECK_STR(reason("us\ter@example.com"), "space in local part");
	CHECK_STR(reason("us\x01r@example.com"),
	    "control or invisible character in local part");
	CHECK_STR(reason("us\x7fr@example.com"),
	    "control or invisible character in local part");
	CHECK_STR(reason("us\xe2\x80\x8br@example.com"),   /* U+200B */
	    "control or invisible character in local part");
	CHECK_STR(reason("us\xe2\x80\xaer@example.com"),   /* U+202E */
	    "control or invisible character in local part");
	CHECK_STR(reason("us\xc2\x85r@example.com"),       /* U+0085 */
	    "control or invisible character in local part");
	CHECK_STR(reason("\xff@example.com"), "local part is not valid UTF-8");
	CHECK_STR(reason("a\xc3@example.com"), "local part is not valid UTF-8");
	CHECK_STR(reason("\xc0\xaf@example.com"), "local part is not valid UTF-8");
	CHECK_STR(reason("\xed\xa0\x80@example.com"), "local part is not valid UTF-8");
	CHECK_STR(reason("a@\xf4\x90\x80\x80.com"), "domain is not valid UTF-8");
	CHECK_STR(reason("\"a b\"@example.com"), "quoted local parts are not supported");
	CHECK_STR(reason(".a@example.com"), "leading or trailing dot in local part");
	CHECK_STR(reason("a.@example.com"), "leading or trailing dot in local part");
	CHECK_STR(reason("a..b@example.com"), "consecutive dots in local part");
	CHECK_STR(reason("a@.example.com"), "leading or trailing dot in domain");
	CHECK_STR(reason("a@example.com."), "leading or trailing dot in domain");
	CHECK_STR(reason("a@example..com"), "consecutive dots in domain");
	CHECK_STR(reason("a(b)@example.com"), "invalid character in local part");
	CHECK_STR(reason("a,b@example.com"), "invalid character in local part");
	CHECK_STR(reason("a\\b@example.com"), "invalid character in local part");
	CHECK_STR(reason("a@localhost"), "domain needs at least two labels");
	CHECK_STR(reason("a@[127.0.0.1]"), "IP literals are not allowed as domain");
	CHECK_STR(reason("a@[IPv6:::1]"), "IP literals are not allowed as domain");
	CHECK_STR(reason("a@127.0.0.1"), "IP addresses are not allowed as domain");
	CHECK_STR(reason("a@-ex.com"),
	    "invalid domain (string start/ends with forbidden hyphen)");
	CHECK_STR(reason("a@ex-.com"),
	    "invalid domain (string start/ends with forbidden hyphen)");
	/* libidn2 would map these to "example.com" */
	CHECK_STR(reason("a@ex_ample.com"), "invalid character in domain");
	CHECK_STR(reason("a@EX_AMPLE.com"), "invalid character in domain");
	CHECK_STR(reason("a@ex*ample.com"), "invalid character in domain");
	CHECK_STR(reason("a@xn--zz.com"),
	    "invalid domain (string contains invalid punycode data)");
	CHECK_STR(canon(addr_canon, "a@xn--a.com"), "!");
	/* full-width dots map to '.', and then make an empty label */
	CHECK_STR(canon(addr_canon, "a@ex\xe3\x80\x82\xe3\x80\x82" "com"), "!");
}

TEST(address_length_limits)
{
	CHECK_STR(canon(addr_canon_local, repeat('a', 64, "")), repeat('a', 64, ""));
	CHECK_STR(reason(repeat('a', 65, "@example.com")),
	    "local part is longer than 64 octets");
	/* 32 two-octet characters fit; 33 do not. */
	char s[200];
	for (int i = 0; i < 33; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	s[66] = '\0';
	CHECK_STR(canon(addr_canon_local, s), "!");
	s[64] = '\0';
	CHECK_STR(canon(addr_canon_local, s), s);
	CHECK_STR(reason(repeat('a', 5000, "@example.com")), "address is far too long");

	char label63[64], dom[300];
	memset(label63, 'b', 63);
	label63[63] = '\0';
	snprintf(dom, sizeof dom, "%s.com", label63);
	CHECK_STR(canon(addr_canon_domain, dom), dom);
	snprintf(dom, sizeof dom, "b%s.com", label63);
	CHECK_STR(canon(addr_canon_domain, dom), "!");
	/* 4 * 63 + 3 dots = 255 > 253 */
	snprintf(dom, sizeof dom, "%s.%s.%s.%s", label63, label63, label63, label63);
	CHECK_STR(canon(addr_canon_domain, dom), "!");
	/* 3 * 63 + 61 + 3 = 253 is the largest domain */
	snprintf(dom, sizeof dom, "%s.%s.%s.%.61s", label63, label63, label63, label63);
	CHECK_STR(canon(addr_canon_domain, dom), dom);
	/* a full address of 64 + 1 + 63 + 1 + 63 + 1 + 62 = 255 octets is one too many */
	snprintf(dom, sizeof dom, "%s@%s.%s.%s", repeat('a', 64, ""), label63,
	    label63, label63);
	dom[64 + 1 + 63 + 1 + 63 + 1 + 62] = '\0';
	CHECK_STR(reason(dom), "address is longer than 254 octets");
}

TEST(address_split_helpers)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	CHECK(addr_split("user+x@example.com", &a, &b));
	CHECK_STR(buf_cstr(&a), "user+x");
	CHECK_STR(buf_cstr(&b), "example.com");
	CHECK(!addr_split("nodomain", &a, &b));
	CHECK(addr_split_tag("user+a+b", &a, &b));
	CHECK_STR(buf_cstr(&a), "user");
	CHECK_STR(buf_cstr(&b), "a+b");
	CHECK(addr_split_tag("user+", &a, &b));
	CHECK_STR(buf_cstr(&b), "");
	CHECK(!addr_split_tag("user", &a, &b));
	CHECK_STR(buf_cstr(&a), "user");
	buf_reset(&a);
	addr_quote(&a, "a'\x01\xff\xc3\xa9z", 100);
	CHECK_STR(buf_cstr(&a), "'a\\x27\\x01\\xff\xc3\xa9z'");
	buf_reset(&a);
	addr_quote(&a, "abcdef", 3);
	CHECK_STR(buf_cstr(&a), "'abc...'");
	buf_free(&a);
	buf_free(&b);
}
