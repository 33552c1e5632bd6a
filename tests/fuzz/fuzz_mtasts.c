/* MTA-STS record and policy parsers: never crash on any bytes; what a
 * policy keeps is well-formed, and a host matches only a kept pattern. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	char id[MTASTS_ID_MAX + 1];
	struct mtasts_policy pol;
	struct buf err = BUF_INIT;
	if (mtasts_txt_parse((const char *)p, n, id) == MTASTS_TXT_VALID &&
	    (id[0] == '\0' || strlen(id) > MTASTS_ID_MAX))
		abort();
	if (mtasts_policy_parse((const char *)p, n, &pol, &err)) {
		if (pol.nmx > MTASTS_MAX_MX || pol.max_age > MTASTS_MAX_AGE ||
		    (pol.mode != MTASTS_NONE && pol.nmx == 0))
			abort();
		for (size_t i = 0; i < pol.nmx; i++) {
			if (strlen(pol.mx[i]) >= MTASTS_PATTERN_MAX)
				abort();
			/* A literal pattern matches itself. */
			if (pol.mx[i][0] != '*' && !mtasts_mx_match(&pol, pol.mx[i]))
				abort();
		}
		/* The input's last line as a host name. */
		const char *nl = memrchr(p, '\n', n);
		size_t off = nl ? (size_t)(nl - (const char *)p) + 1 : 0;
		char host[300];
		size_t hl = n - off < sizeof host - 1 ? n - off : sizeof host - 1;
		memcpy(host, p + off, hl);
		host[hl] = '\0';
		mtasts_mx_match(&pol, host);
	}
	buf_free(&err);
	return 0;
}
