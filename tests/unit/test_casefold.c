/* utf8_casefold's ASCII fast path must give exactly what folding the
 * whole string with libunistring gives. */
#include "t.h"

#include <stdlib.h>
#include <unicase.h>
#include <uninorm.h>

#include "mail/casefold.h"

static void reference(const char *s, size_t n, struct buf *out)
{
	size_t len = 0;
	uint8_t *f = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL,
	    &len);
	buf_add(out, f, len);
	free(f);
}

static bool same_as_reference(const char *s, size_t n)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	utf8_casefold(s, n, &a);
	reference(s, n, &b);
	bool eq = a.len == b.len && memcmp(buf_cstr(&a), buf_cstr(&b), a.len) == 0;
	buf_free(&a);
	buf_free(&b);
	return eq;
}

TEST(utf8_casefold_matches_libunistring)
{
	/* Pieces where a cut in the wrong place would change the result:
	 * combining marks after ASCII, characters that fold to several,
	 * Hangul jamo that compose, the Kelvin sign, dotted I. */
	static const char *const pieces[] = {
		"a", "Z", "e", " ", ".", "\xcc\x81" /* U+0301 */,
		"\xcc\xa3" /* U+0323 */, "\xc3\x9f" /* sharp s */,
		"\xce\xa3" /* Sigma */, "\xc4\xb0" /* I dot */,
		"\xe2\x84\xaa" /* Kelvin */, "\xe1\x84\x80" /* jamo L */,
		"\xe1\x85\xa1" /* jamo V */, "\xef\xac\x80" /* ff ligature */,
		"\xc3\x89" /* E acute */, "K", "\r\n",
	};
	const size_t np = sizeof pieces / sizeof pieces[0];
	CHECK(same_as_reference("", 0));
	CHECK(same_as_reference("Plain ASCII Text, 123!", 22));
	srand(7);
	for (int round = 0; round < 3000; round++) {
		struct buf s = BUF_INIT;
		int len = rand() % 12;
		for (int k = 0; k < len; k++)
			buf_addstr(&s, pieces[(size_t)rand() % np]);
		if (!same_as_reference(buf_cstr(&s), s.len)) {
			CHECK(!"fold differs");
			buf_free(&s);
			break;
		}
		buf_free(&s);
	}
	/* Invalid UTF-8 is replaced first, then folded the same way. */
	struct buf out = BUF_INIT;
	utf8_casefold("AB\xff\xc3(", 5, &out);
	CHECK(out.len > 0 && memcmp(out.data, "ab", 2) == 0);
	buf_free(&out);
}
