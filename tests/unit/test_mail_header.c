#include "t.h"

#include <stdlib.h>

#include "common/xmalloc.h"
#include "mail/header.h"

TEST(hdr_iterates_folded_and_obs_fields)
{
	const char *m = "From foo@bar Mon Jan 1\n"       /* mbox line: skipped */
	    "Subject : Hello\r\n\tworld \r\n"
	    "X-Empty:\r\n"
	    "To: a@b\r\n\r\nbody\r\nX-Not: header\r\n";
	struct hdr_iter it;
	struct hdr_field f;
	struct buf b = BUF_INIT;
	hdr_iter_init(&it, m, strlen(m));
	CHECK(hdr_next(&it, &f));
	CHECK(hdr_name_is(&f, "subject"));
	CHECK_MEM(f.value, f.value_len, " Hello\r\n\tworld ", 15);
	hdr_unfold(f.value, f.value_len, &b);
	CHECK_STR(buf_cstr(&b), "Hello\tworld");
	CHECK(hdr_next(&it, &f) && hdr_name_is(&f, "X-Empty") && f.value_len == 0);
	CHECK(hdr_next(&it, &f) && hdr_name_is(&f, "TO"));
	CHECK(!hdr_next(&it, &f));
	CHECK(hdr_count(m, strlen(m), "x-not") == 0);
	buf_free(&b);
}

TEST(hdr_lookup_and_nul_bytes)
{
	const char m[] = "A: 1\nB: x\0y\nb: second\n";
	struct buf b = BUF_INIT;
	CHECK(hdr_get(m, sizeof(m) - 1, "b", &b));
	CHECK_MEM(b.data, b.len, "x y", 3);
	CHECK(hdr_count(m, sizeof(m) - 1, "B") == 2);
	CHECK(!hdr_get(m, sizeof(m) - 1, "C", &b));
	CHECK(!hdr_get("", 0, "A", &b));
	buf_free(&b);
}

TEST(hdr_limits_fields_and_size)
{
	struct buf m = BUF_INIT;
	for (int i = 0; i < 20; i++)
		buf_printf(&m, "X-%d: v\n", i);
	struct hdr_iter it;
	struct hdr_field f;
	hdr_iter_init(&it, m.data, m.len);
	it.max_fields = 5;
	int n = 0;
	while (hdr_next(&it, &f))
		n++;
	CHECK(n == 5 && it.over_limit);

	/* one 1 MB line is skipped by a smaller limit, the next field kept */
	buf_reset(&m);
	buf_addstr(&m, "Long: ");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_addch(&m, 'a');
	buf_addstr(&m, "\nShort: s\n");
	hdr_iter_init(&it, m.data, m.len);
	it.max_field_len = 1000;
	CHECK(hdr_next(&it, &f) && hdr_name_is(&f, "short"));
	buf_free(&m);
}

TEST(msg_split_variants)
{
	struct msg_split s;
	msg_split("A: b\r\n\r\nbody", 13, &s);
	CHECK(s.has_blank && s.body_off == 8);
	msg_split("A: b\n\nbody", 10, &s);
	CHECK(s.has_blank && s.body_off == 6);
	msg_split("A: b\n", 5, &s);
	CHECK(!s.has_blank && s.hdr_len == 5);
	msg_split("\r\nbody", 6, &s);
	CHECK(s.has_blank && s.body_off == 2);
	msg_split("", 0, &s);
	CHECK(!s.has_blank && s.hdr_len == 0);
	msg_split("A: b\r\r\nC: d\n\n", 13, &s);
	CHECK(s.has_blank && s.body_off == 13);
}

TEST(hdr_scan_streams_byte_by_byte)
{
	const char *m = "Subject: x\r\n folded\r\nTo: y\r\n\r\nbody\r\n";
	struct hdr_scan s;
	hdr_scan_init(&s, 1024);
	size_t used = 0, i;
	enum hdr_scan_rc rc = HDR_SCAN_MORE;
	for (i = 0; rc == HDR_SCAN_MORE && m[i]; i++)
		rc = hdr_scan_feed(&s, m + i, 1, &used);
	CHECK(rc == HDR_SCAN_DONE);
	CHECK(s.hdr_len == strlen(m) - 6);
	CHECK(hdr_scan_feed(&s, "x", 1, &used) == HDR_SCAN_DONE && used == 0);

	hdr_scan_init(&s, 16);
	rc = hdr_scan_feed(&s, m, strlen(m), &used);
	CHECK(rc == HDR_SCAN_TOOBIG && used == 16);

	hdr_scan_init(&s, 1024);
	CHECK(hdr_scan_feed(&s, "A: b\n", 5, &used) == HDR_SCAN_MORE);
	CHECK(hdr_scan_eof(&s) == HDR_SCAN_DONE && s.hdr_len == 5);
}

TEST(hdr_unfold_empty_is_string)
{
	struct buf b = BUF_INIT;
	hdr_unfold(" \r\n ", 4, &b);
	CHECK(b.len == 0 && buf_cstr(&b)[0] == '\0');
	char *s = buf_detach(&b);
	CHECK(strlen(s) == 0);
	free(s);
}

TEST(hdr_filter_fields)
{
	const char *h = "From: a\r\nTo: b\r\n  c\r\nSubject: s\nX: y";
	const char *names[] = { "to", "x" };
	struct buf b = BUF_INIT;
	hdr_filter(h, strlen(h), names, 2, false, &b);
	CHECK_STR(b.data, "To: b\r\n  c\r\nX: y\r\n\r\n");
	buf_reset(&b);
	hdr_filter(h, strlen(h), names, 2, true, &b);
	CHECK_STR(b.data, "From: a\r\nSubject: s\n\r\n");
	buf_reset(&b);
	hdr_filter("", 0, names, 2, false, &b);
	CHECK_STR(b.data, "\r\n");
	buf_free(&b);
}

static void strip(const char *h, size_t len, const char *want,
    size_t wantlen, size_t n)
{
	static const char *const names[] = { "X-Spam", "X-Spam-Score" };
	struct buf b = BUF_INIT;
	buf_addstr(&b, "<");
	CHECK(hdr_strip(h, len, names, 2, &b) == n);
	buf_addstr(&b, ">");
	CHECK_MEM(b.data, b.len, want, wantlen);
	buf_free(&b);
}
/* literals, so NUL bytes count */
#define STRIP(h, want, n) strip(h, sizeof(h) - 1, want, sizeof(want) - 1, n)

TEST(hdr_strip_fields)
{
	STRIP("X-Spam: No\r\nFrom: a\r\nx-spam-score:\r\n -100\r\n"
	    "X-Spam-Status: No\r\nX-Spam : no\r\nSubject: X-Spam: no\r\n"
	    "X-Spam: last", "<From: a\r\nX-Spam-Status: No\r\n"
	    "Subject: X-Spam: no\r\n>", 4);
	STRIP("", "<>", 0);
	/* bare LF ends a field too; a line that is no field stays */
	STRIP("x-SPAM: a\nno colon\r\nTo: b\r\n", "<no colon\r\nTo: b\r\n>", 1);
	/* stops at the body */
	STRIP("A: 1\r\n\r\nX-Spam: body\r\n", "<A: 1\r\n\r\nX-Spam: body\r\n>", 0);
	/* NUL bytes are copied through */
	STRIP("A: \0\r\nX-Spam: \0\r\n", "<A: \0\r\n>", 1);
	/* a field over the usual limits is dropped all the same */
	struct buf big = BUF_INIT;
	buf_addstr(&big, "X-Spam: ");
	for (int i = 0; i < 2 * 1024 * 1024 / 8; i++)
		buf_addstr(&big, "no\r\n no");
	buf_addstr(&big, "\r\nTo: b\r\n");
	strip(big.data, big.len, "<To: b\r\n>", 9, 1);
	buf_reset(&big);
	for (int i = 0; i < 20000; i++)
		buf_addstr(&big, "X-Spam: n\r\n");
	strip(big.data, big.len, "<>", 2, 20000);
	buf_free(&big);
}

TEST(hdr_folded_writing)
{
	struct buf b = BUF_INIT;
	hdr_append_folded(&b, "Received", "from mx.example.org (mx.example.org "
	    "[192.0.2.10]) by mail.example.test with ESMTPS id 4Zx1 for "
	    "<bob@example.test>; Mon, 23 Nov 2026 12:30:55 +0100");
	CHECK_STR(b.data, "Received: from mx.example.org (mx.example.org "
	    "[192.0.2.10]) by\r\n mail.example.test with ESMTPS id 4Zx1 for "
	    "<bob@example.test>; Mon, 23 Nov\r\n 2026 12:30:55 +0100\r\n");
	buf_reset(&b);
	hdr_append_folded(&b, "X-Evil", "a\r\nBcc: injected");
	CHECK_STR(b.data, "X-Evil: a  Bcc: injected\r\n");
	buf_reset(&b);
	char longword[200];
	memset(longword, 'w', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	hdr_append_folded(&b, "X", longword);
	CHECK(b.len == 3 + 199 + 2);
	struct hdr_field f;
	CHECK(hdr_find(b.data, b.len, "x", &f) && f.value_len == 200);
	buf_free(&b);
}
