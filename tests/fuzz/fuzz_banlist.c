/* The ban list file: never crashes; whatever it keeps is canonical,
 * unexpired, unique, and reads back the same after formatting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/banlist.h"

static struct banlist a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;
	banlist_parse((const char *)data, size, 1000, &a);
	for (size_t i = 0; i < a.n; i++) {
		char canon[BAN_ADDR_MAX];
		if (a.v[i].until <= 1000 || !ban_addr_canon(a.v[i].addr, canon) ||
		    strcmp(canon, a.v[i].addr) != 0 ||
		    banlist_find(&a, a.v[i].addr) != &a.v[i])
			abort();
	}
	banlist_format(&a, &out);
	banlist_parse(out.data ? out.data : "", out.len, 1000, &b);
	if (b.n != a.n || memcmp(a.v, b.v, a.n * sizeof a.v[0]) != 0)
		abort();
	buf_free(&out);
	return 0;
}
