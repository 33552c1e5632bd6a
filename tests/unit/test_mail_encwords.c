#include "t.h"

#include "mail/encwords.h"

static const char *ew(const char *in, struct buf *out)
{
	buf_reset(out);
	ew_decode(in, strlen(in), out);
	return buf_cstr(out);
}

TEST(ew_basic_b_and_q)
{
	struct buf b = BUF_INIT;
	CHECK_STR(ew("=?UTF-8?B?Y2Fmw6k=?=", &b), "caf\xc3\xa9");
	CHECK_STR(ew("=?iso-8859-1?q?caf=E9_au_lait?=", &b),
	    "caf\xc3\xa9 au lait");
	CHECK_STR(ew("plain =?utf-8?q?x?= =?utf-8?q?y?=  end", &b),
	    "plain xy  end");
	CHECK_STR(ew("=?utf-8*en?q?lang?=", &b), "lang");
	CHECK_STR(ew("=?windows-1252?Q?=80?=", &b), "\xe2\x82\xac");
	buf_free(&b);
}

TEST(ew_split_multibyte_joined)
{
	struct buf b = BUF_INIT;
	/* "é" = C3 A9 split over two words */
	CHECK_STR(ew("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=", &b), "caf\xc3\xa9");
	/* different charsets: white space still dropped, each converted */
	CHECK_STR(ew("=?utf-8?q?a?=\r\n =?iso-8859-1?q?=E9?=", &b),
	    "a\xc3\xa9");
	buf_free(&b);
}

TEST(ew_malformed_left_alone)
{
	struct buf b = BUF_INIT;
	CHECK_STR(ew("=?utf-8?q?unterminated", &b), "=?utf-8?q?unterminated");
	CHECK_STR(ew("=?bogus-charset-x?q?a?=", &b), "=?bogus-charset-x?q?a?=");
	CHECK_STR(ew("=?utf-8?x?a?=", &b), "=?utf-8?x?a?=");
	CHECK_STR(ew("=??q?a?=", &b), "=??q?a?=");
	CHECK_STR(ew("=?utf-8//TRANSLIT?q?a?=", &b), "=?utf-8//TRANSLIT?q?a?=");
	CHECK_STR(ew("a=?", &b), "a=?");
	CHECK_STR(ew("=?utf-8?q?a b?=", &b), "=?utf-8?q?a b?=");
	buf_free(&b);
}

TEST(ew_output_is_safe_utf8)
{
	struct buf b = BUF_INIT;
	CHECK_STR(ew("bad \xff\xfe utf8", &b), "bad \xef\xbf\xbd\xef\xbf\xbd utf8");
	CHECK_STR(ew("=?utf-8?q?a=00b=0D=0Ac?=", &b), "a b  c");
	CHECK_STR(ew("=?utf-8?b?/w==?=", &b), "\xef\xbf\xbd");
	CHECK_STR(ew("=?utf-16be?b?AEEA?=", &b), "A\xef\xbf\xbd");
	const char nul[] = "x\0y";
	buf_reset(&b);
	ew_decode(nul, 3, &b);
	CHECK_STR(b.data, "x y");
	buf_free(&b);
}

TEST(charset_conversion)
{
	struct buf b = BUF_INIT;
	CHECK(charset_to_utf8("KOI8-R", 6, "\xf0\xd2", 2, &b));
	CHECK_STR(b.data, "\xd0\x9f\xd1\x80");
	buf_reset(&b);
	CHECK(!charset_to_utf8("no-such-cs", 10, "x", 1, &b));
	CHECK(!charset_to_utf8("", 0, "x", 1, &b));
	CHECK(!charset_to_utf8("a\0b", 3, "x", 1, &b));
	CHECK(b.len == 0);
	buf_free(&b);
}

TEST(rfc2231_segments)
{
	struct buf b = BUF_INIT;
	struct rfc2231_seg one[] = { { "iso-8859-1'en'caf%E9%20x", 24, true } };
	rfc2231_join(one, 1, &b);
	CHECK_STR(b.data, "caf\xc3\xa9 x");
	buf_reset(&b);
	struct rfc2231_seg cont[] = {
		{ "utf-8''a%C3", 11, true }, { "%A9b", 4, true },
		{ "%20lit", 6, false },
	};
	rfc2231_join(cont, 3, &b);
	CHECK_STR(b.data, "a\xc3\xa9" "b%20lit");
	buf_reset(&b);
	struct rfc2231_seg bogus[] = { { "x-bogus''%41%zz", 15, true } };
	rfc2231_join(bogus, 1, &b);
	CHECK_STR(b.data, "A%zz");
	buf_free(&b);
}

TEST(ew_hostile_is_linear)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 200000; i++)
		buf_addstr(&in, "=?a?q?x");
	ew_decode(in.data, in.len, &out);
	CHECK(out.len == in.len);
	buf_reset(&in);
	buf_addstr(&in, "=?utf-8?q?");
	for (int i = 0; i < 3000; i++)
		buf_addch(&in, 'y');
	buf_addstr(&in, "?=");
	buf_reset(&out);
	ew_decode(in.data, in.len, &out);
	CHECK(out.len == in.len);   /* over-long word left as written */
	buf_free(&in);
	buf_free(&out);
}

TEST(charset_output_always_valid)
{
	/* glibc maps "utf)8" to UTF-8 and passes F5.. sequences through */
	struct buf b = BUF_INIT;
	bool ok = charset_to_utf8("utf)8", 5, "a\xf5\xa9\xab\xac" "b", 6, &b);
	CHECK(!ok || strcmp(buf_cstr(&b), "a\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd" "b") == 0);
	buf_free(&b);
}
