/* GTUBE found whole, split at every point, and not found when broken. */
#include <string.h>

#include "filter/gtube.h"
#include "t.h"

static bool scan(const char *msg, size_t step)
{
	struct gtube g;
	gtube_init(&g);
	size_t n = strlen(msg);
	for (size_t off = 0; off < n; off += step)
		gtube_feed(&g, msg + off, n - off < step ? n - off : step);
	return g.found;
}

TEST(gtube_found_in_any_pieces)
{
	const char *m = "Subject: x\r\n\r\nhello " GTUBE_STRING " bye\r\n";
	for (size_t step = 1; step < strlen(m) + 2; step++)
		CHECK(scan(m, step));
	CHECK(scan(GTUBE_STRING, 1000));
}

TEST(gtube_not_found)
{
	char broken[] = "xx " GTUBE_STRING " yy";
	broken[20] = '!';
	for (size_t step = 1; step < 80; step += 7)
		CHECK(!scan(broken, step));
	CHECK(!scan("", 1));
	/* the string cut in two by other bytes */
	CHECK(!scan("XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE\r\n-STANDARD-ANTI-UBE-TEST-"
	    "EMAIL*C.34X", 5));
}
