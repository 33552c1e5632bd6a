/* Sequence sets: parsing, '*', reversed ranges, overflow, resolution,
 * iteration and the compact UID-set form. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "imap/seqset.h"

static bool
parse(struct imap_seqset *s, const char *str)
{
	return imap_seqset_parse(s, str, strlen(str), true);
}

static void
check_format(const struct imap_seqset *s, const char *want)
{
	struct buf b = BUF_INIT;

	imap_seqset_format(s, &b);
	CHECK_STR(buf_cstr(&b), want);
	buf_free(&b);
}

TEST(imap_seqset_parse_valid)
{
	struct imap_seqset s;

	imap_seqset_init(&s);
	CHECK(parse(&s, "1:4,7,9:*"));
	CHECK(s.n == 3 && s.r[2].lo == 9 && s.r[2].hi == IMAP_SEQ_STAR);
	check_format(&s, "1:4,7,9:*");
	CHECK(parse(&s, "4294967295"));
	CHECK(s.r[0].lo == 4294967295u);
	CHECK(parse(&s, "*"));
	CHECK(parse(&s, "$") && s.saved);
	check_format(&s, "$");
	CHECK(!imap_seqset_parse(&s, "$", 1, false));
	imap_seqset_free(&s);
}

TEST(imap_seqset_parse_invalid)
{
	struct imap_seqset s;
	const char *bad[] = { "", "0", "1:0", "4294967296", "99999999999999999999",
		"1,", ",1", "1,,2", "1:", ":1", "1:2:3", "-1", "1 2", "a", "$,1",
		"1:*:2", "01", "*1", "1$" };

	imap_seqset_init(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!CHECK(!parse(&s, bad[i])))
			fprintf(stderr, "  accepted: '%s'\n", bad[i]);
		CHECK(s.n == 0);
	}
	/* NUL inside the counted bytes. */
	CHECK(!imap_seqset_parse(&s, "1\0002", 3, false));
	imap_seqset_free(&s);
}

TEST(imap_seqset_contains_with_star)
{
	struct imap_seqset s;

	imap_seqset_init(&s);
	CHECK(parse(&s, "5:3,10:*"));
	CHECK(imap_seqset_contains(&s, 4, 20));
	CHECK(!imap_seqset_contains(&s, 6, 20));
	CHECK(imap_seqset_contains(&s, 15, 20));
	CHECK(!imap_seqset_contains(&s, 21, 20));
	/* "10:*" with max 7 means 7:10. */
	CHECK(imap_seqset_contains(&s, 7, 7));
	CHECK(!imap_seqset_contains(&s, 0, 7));
	imap_seqset_free(&s);
}

TEST(imap_seqset_resolve_and_iterate)
{
	struct imap_seqset s;
	struct imap_seqset_iter it = { 0, 0 };
	uint32_t v, got[16];
	size_t n = 0;

	imap_seqset_init(&s);
	CHECK(parse(&s, "9:7,1,3:2,*,8,100:200"));
	CHECK(imap_seqset_resolve(&s, 10) == 7);     /* 1,2,3,7,8,9,10 */
	check_format(&s, "1:3,7:10");
	while (imap_seqset_next(&s, &it, &v) && n < 16)
		got[n++] = v;
	CHECK(n == 7 && got[0] == 1 && got[3] == 7 && got[6] == 10);
	/* Empty mailbox: nothing, even for "*". */
	CHECK(parse(&s, "1:*"));
	CHECK(imap_seqset_resolve(&s, 0) == 0 && s.n == 0);
	/* Whole 32-bit range does not overflow. */
	CHECK(parse(&s, "1:*"));
	CHECK(imap_seqset_resolve(&s, UINT32_MAX) == UINT32_MAX);
	memset(&it, 0, sizeof(it));
	CHECK(parse(&s, "4294967294:*"));
	imap_seqset_resolve(&s, UINT32_MAX);
	n = 0;
	while (imap_seqset_next(&s, &it, &v))
		n++;
	CHECK(n == 2);
	imap_seqset_free(&s);
}

TEST(imap_seqset_build_uid_set)
{
	struct imap_seqset s, c;
	uint32_t uids[] = { 1, 2, 3, 5, 6, 9, 9, UINT32_MAX };

	imap_seqset_init(&s);
	for (size_t i = 0; i < sizeof(uids) / sizeof(uids[0]); i++)
		imap_seqset_add(&s, uids[i]);
	check_format(&s, "1:3,5:6,9,4294967295");
	imap_seqset_copy(&c, &s);
	check_format(&c, "1:3,5:6,9,4294967295");
	imap_seqset_free(&c);
	imap_seqset_free(&s);
}
