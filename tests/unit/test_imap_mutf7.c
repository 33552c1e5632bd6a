/* Modified UTF-7 both ways, strict decoding, and the UTF-8 check. */
#include "t.h"

#include "common/buf.h"
#include "imap/mutf7.h"

static void
check_encode(const char *utf8, const char *want)
{
	struct buf b = BUF_INIT;

	CHECK(imap_mutf7_encode(utf8, strlen(utf8), &b));
	CHECK_STR(buf_cstr(&b), want);
	buf_reset(&b);
	CHECK(imap_mutf7_decode(want, strlen(want), &b));
	CHECK_STR(buf_cstr(&b), utf8);
	buf_free(&b);
}

static bool
decodes(const char *s)
{
	struct buf b = BUF_INIT;
	bool ok = imap_mutf7_decode(s, strlen(s), &b);

	CHECK(ok || b.len == 0);
	buf_free(&b);
	return ok;
}

TEST(imap_mutf7_round_trip)
{
	check_encode("INBOX", "INBOX");
	check_encode("Tom & Jerry", "Tom &- Jerry");
	check_encode("Entw\xc3\xbcrfe", "Entw&APw-rfe");
	/* RFC 3501 5.1.3 example: ~peter/mail/台北/日本語 */
	check_encode("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	/* Outside the BMP: surrogate pair (U+1F600). */
	check_encode("x\xf0\x9f\x98\x80y", "x&2D3eAA-y");
	check_encode("", "");
}

TEST(imap_mutf7_encode_rejects)
{
	struct buf b = BUF_INIT;

	CHECK(!imap_mutf7_encode("\xff", 1, &b));
	CHECK(!imap_mutf7_encode("\xc0\xaf", 2, &b));       /* overlong */
	CHECK(!imap_mutf7_encode("\xed\xa0\x80", 3, &b));   /* surrogate */
	CHECK(!imap_mutf7_encode("a\0b", 3, &b));
	CHECK(!imap_mutf7_encode("a\nb", 3, &b));
	CHECK(b.len == 0);
	buf_free(&b);
}

TEST(imap_mutf7_decode_strict)
{
	CHECK(decodes("&U,BTFw-"));
	CHECK(!decodes("&"));               /* unterminated */
	CHECK(!decodes("&U,BTFw"));
	CHECK(!decodes("&AGE-"));           /* 'a' needlessly encoded */
	CHECK(!decodes("&U,BTFw-&ZeVnLIqe-"));  /* adjacent shifts */
	CHECK(!decodes("&2D0-"));           /* lone high surrogate */
	CHECK(!decodes("&3gA-"));           /* lone low surrogate */
	CHECK(!decodes("&U,BTF2-"));        /* non-zero padding bits */
	CHECK(!decodes("&U,B*Fw-"));        /* not modified base64 */
	CHECK(!decodes("&U/BTFw-"));        /* '/' is not in the alphabet */
	CHECK(!decodes("caf\xc3\xa9"));     /* 8-bit */
	CHECK(!decodes("a\tb"));
	CHECK(!decodes("&AAA-"));           /* U+0000 */
	CHECK(decodes("&-&-"));
}

TEST(imap_utf8_validity)
{
	CHECK(imap_utf8_valid("caf\xc3\xa9", 5));
	CHECK(imap_utf8_valid("", 0));
	CHECK(!imap_utf8_valid("\xc3", 1));
	CHECK(!imap_utf8_valid("\xf4\x90\x80\x80", 4));    /* > U+10FFFF */
	CHECK(!imap_utf8_valid("\xe0\x80\xaf", 3));        /* overlong */
	CHECK(!imap_utf8_valid("a\0", 2));
}
