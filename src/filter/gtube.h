/* GTUBE, the Generic Test for Unsolicited Bulk Email: a message carrying
 * this string is spam by definition (SpamAssassin, rspamd). Found in a
 * stream fed in pieces of any size. */
#ifndef AMB_FILTER_GTUBE_H
#define AMB_FILTER_GTUBE_H
#include <stdbool.h>
#include <stddef.h>

#define GTUBE_STRING \
	"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
#define GTUBE_LEN (sizeof GTUBE_STRING - 1)

struct gtube {
	char tail[GTUBE_LEN];    /* the last bytes seen, for matches across pieces */
	size_t ntail;
	bool found;
};

void gtube_init(struct gtube *g);
void gtube_feed(struct gtube *g, const void *p, size_t n);

#endif
