#include "t.h"

#include "mail/decode.h"

static void dec(enum cte e, const char *in, struct buf *out)
{
	buf_reset(out);
	cte_decode(e, in, strlen(in), out);
}

TEST(cte_names)
{
	CHECK(cte_parse(" Base64 (comment)", 17) == CTE_BASE64);
	CHECK(cte_parse("QUOTED-PRINTABLE", 16) == CTE_QP);
	CHECK(cte_parse("", 0) == CTE_7BIT);
	CHECK(cte_parse("x-uuencode", 10) == CTE_UNKNOWN);
	CHECK(cte_parse("\"8bit\"", 6) == CTE_UNKNOWN);
}

TEST(base64_tolerant)
{
	struct buf b = BUF_INIT;
	dec(CTE_BASE64, "aGVs\r\nbG8=\r\n", &b);
	CHECK_STR(b.data, "hello");
	dec(CTE_BASE64, "a G!V*s#bG8", &b);
	CHECK_STR(b.data, "hello");
	dec(CTE_BASE64, "aGk=aGk=", &b);   /* concatenated blocks */
	CHECK_STR(b.data, "hihi");
	dec(CTE_BASE64, "=====", &b);
	CHECK(b.len == 0);
	/* streaming in 1-byte pieces gives the same bytes */
	struct b64_dec d;
	b64_dec_init(&d);
	buf_reset(&b);
	const char *in = "AAEC/w==";
	for (size_t i = 0; in[i]; i++)
		b64_dec_feed(&d, in + i, 1, &b);
	CHECK_MEM(b.data, b.len, "\x00\x01\x02\xff", 4);
	buf_free(&b);
}

TEST(qp_rules_and_garbage)
{
	struct buf b = BUF_INIT;
	dec(CTE_QP, "caf=C3=A9 =\r\nsoft   \r\nnext=\nline", &b);
	CHECK_STR(b.data, "caf\xc3\xa9 soft\r\nnextline");
	dec(CTE_QP, "a=zzb=4=\n=", &b);
	CHECK_STR(b.data, "a=zzb=4");
	dec(CTE_QP, "x=3d=3D= \t \ny", &b);
	CHECK_STR(b.data, "x==y");
	dec(CTE_QP, "end=4", &b);
	CHECK_STR(b.data, "end=4");
	dec(CTE_QP, "tail   ", &b);
	CHECK_STR(b.data, "tail");
	struct qp_dec d;
	qp_dec_init(&d);
	buf_reset(&b);
	const char *in = "a=C3=\r\n=A9  \r\nb";
	for (size_t i = 0; in[i]; i++)
		qp_dec_feed(&d, in + i, 1, &b);
	qp_dec_finish(&d, &b);
	CHECK_STR(b.data, "a\xc3\xa9\r\nb");
	/* a huge run of spaces does not overflow the hold buffer */
	buf_reset(&b);
	qp_dec_init(&d);
	for (int i = 0; i < 1000; i++)
		qp_dec_feed(&d, " ", 1, &b);
	qp_dec_feed(&d, "x", 1, &b);
	qp_dec_finish(&d, &b);
	CHECK(b.len == 1001 && b.data[1000] == 'x');
	buf_free(&b);
}

TEST(passthrough_keeps_nul)
{
	struct buf b = BUF_INIT;
	cte_decode(CTE_BINARY, "a\0b", 3, &b);
	CHECK_MEM(b.data, b.len, "a\0b", 3);
	buf_free(&b);
}
