/* DKIM canonicalisation: the RFC 6376 3.4.5 example, the empty-body rules,
 * l= and streaming in pieces of every size. */
#include "t.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "mailauth/dkim_canon.h"

/* The example of RFC 6376 3.4.5. */
static const char ex_hdr[] = "A: X\r\nB : Y\t\r\n\tZ  \r\n";
static const char ex_body[] = " C \r\nD \t E\r\n\r\n\r\n";

static void sha256(const void *p, size_t n, unsigned char *out)
{
	unsigned len;
	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

/* Body hash of body fed in pieces of step bytes. */
static bool body_hash(enum dkim_canon c, const char *body, size_t n,
    size_t step, uint64_t limit, unsigned char *out, uint64_t *total)
{
	struct dkim_body b;
	unsigned len;
	if (!dkim_body_init(&b, c, EVP_sha256(), limit))
		return false;
	for (size_t off = 0; off < n; off += step)
		dkim_body_feed(&b, body + off, n - off < step ? n - off : step);
	bool ok = dkim_body_final(&b, out, &len, total) && len == 32;
	dkim_body_free(&b);
	return ok;
}

static bool body_is(enum dkim_canon c, const char *body, const char *want)
{
	unsigned char got[EVP_MAX_MD_SIZE], exp[32];
	uint64_t total;
	sha256(want, strlen(want), exp);
	for (size_t step = 1; step <= strlen(body) + 1; step++)
		if (!body_hash(c, body, strlen(body), step, DKIM_NO_LIMIT, got,
		    &total) || memcmp(got, exp, 32) != 0 || total != strlen(want))
			return false;
	return true;
}

TEST(dkim_canon_rfc6376_example_headers)
{
	const char *names[] = { "a", "b" };
	struct buf out = BUF_INIT;
	dkim_canon_headers(DKIM_CANON_RELAXED, ex_hdr, strlen(ex_hdr), names, 2,
	    NULL, &out);
	CHECK_STR(buf_cstr(&out), "a:X\r\nb:Y Z\r\n");
	buf_reset(&out);
	dkim_canon_headers(DKIM_CANON_SIMPLE, ex_hdr, strlen(ex_hdr), names, 2,
	    NULL, &out);
	CHECK_STR(buf_cstr(&out), ex_hdr);
	buf_free(&out);
}

TEST(dkim_canon_rfc6376_example_body)
{
	CHECK(body_is(DKIM_CANON_RELAXED, ex_body, " C\r\nD E\r\n"));
	CHECK(body_is(DKIM_CANON_SIMPLE, ex_body, " C \r\nD \t E\r\n"));
}

TEST(dkim_canon_empty_and_unterminated_bodies)
{
	CHECK(body_is(DKIM_CANON_SIMPLE, "", "\r\n"));
	CHECK(body_is(DKIM_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n"));
	CHECK(body_is(DKIM_CANON_RELAXED, "", ""));
	CHECK(body_is(DKIM_CANON_RELAXED, " \t\r\n\r\n  \r\n", ""));
	CHECK(body_is(DKIM_CANON_SIMPLE, "abc", "abc\r\n"));
	CHECK(body_is(DKIM_CANON_RELAXED, "abc  ", "abc\r\n"));
	/* Blank lines inside the body stay; bare LF counts as CRLF. */
	CHECK(body_is(DKIM_CANON_RELAXED, "a\n\n \nb\n\n", "a\r\n\r\n\r\nb\r\n"));
	/* A CR not before LF is content. */
	CHECK(body_is(DKIM_CANON_SIMPLE, "a\rb\r", "a\rb\r\r\n"));
	CHECK(body_is(DKIM_CANON_RELAXED, "a \r b", "a \r b\r\n"));
	/* NUL bytes are content, not terminators. */
	unsigned char got[EVP_MAX_MD_SIZE], exp[32];
	uint64_t total;
	sha256("a\0b\r\n", 5, exp);
	CHECK(body_hash(DKIM_CANON_SIMPLE, "a\0b", 3, 1, DKIM_NO_LIMIT, got,
	    &total) && memcmp(got, exp, 32) == 0);
}

TEST(dkim_canon_length_limit)
{
	unsigned char got[EVP_MAX_MD_SIZE], exp[32];
	uint64_t total;
	sha256(" C\r\nD", 5, exp);
	CHECK(body_hash(DKIM_CANON_RELAXED, ex_body, strlen(ex_body), 3, 5, got,
	    &total));
	CHECK(memcmp(got, exp, 32) == 0);
	CHECK(total == 9);
	sha256("", 0, exp);
	CHECK(body_hash(DKIM_CANON_SIMPLE, "x\r\n", 3, 1, 0, got, &total) &&
	    memcmp(got, exp, 32) == 0 && total == 3);
}

TEST(dkim_canon_large_body_streams)
{
	/* 3 MiB of lines with trailing spaces, in odd pieces: equals the hash
	 * of the same text canonicalised at once (relaxed drops the spaces). */
	size_t n = 3 << 20;
	char *body = malloc(n), *want = malloc(n);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		body[i] = i % 64 == 63 ? '\n' : i % 64 >= 60 ? ' ' : 'a' + i % 26;
		if (i % 64 == 63) {
			want[w++] = '\r';
			want[w++] = '\n';
		} else if (i % 64 < 60) {
			want[w++] = body[i];
		}
	}
	unsigned char got[EVP_MAX_MD_SIZE], exp[32];
	uint64_t total;
	sha256(want, w, exp);
	CHECK(body_hash(DKIM_CANON_RELAXED, body, n, 4093, DKIM_NO_LIMIT, got,
	    &total) && memcmp(got, exp, 32) == 0 && total == w);
	free(body);
	free(want);
}

TEST(dkim_canon_field_forms)
{
	struct buf out = BUF_INIT;
	dkim_canon_field(DKIM_CANON_RELAXED, "SUBJECT :\t  a\r\n  b  ", 20,
	    true, &out);
	CHECK_STR(buf_cstr(&out), "subject:a b\r\n");
	buf_reset(&out);
	dkim_canon_field(DKIM_CANON_SIMPLE, "X: a\n b", 7, false, &out);
	CHECK_STR(buf_cstr(&out), "X: a\r\n b");
	buf_reset(&out);
	dkim_canon_field(DKIM_CANON_RELAXED, "Empty:", 6, false, &out);
	CHECK_STR(buf_cstr(&out), "empty:");
	buf_free(&out);
}

TEST(dkim_canon_selects_bottom_up)
{
	const char *h = "To: 1\r\nFrom: a\r\nTo: 2\r\nFrom: b\r\n\r\n";
	const char *names[] = { "to", "From", "from", "From", "cc" };
	struct buf out = BUF_INIT;
	dkim_canon_headers(DKIM_CANON_RELAXED, h, strlen(h), names, 5, NULL, &out);
	CHECK_STR(buf_cstr(&out), "to:2\r\nfrom:b\r\nfrom:a\r\n");
	buf_reset(&out);
	dkim_canon_headers(DKIM_CANON_RELAXED, h, strlen(h), names, 2,
	    strstr(h, "From: b"), &out);
	CHECK_STR(buf_cstr(&out), "to:2\r\nfrom:a\r\n");
	buf_free(&out);
}
