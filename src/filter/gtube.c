#include "filter/gtube.h"

#include <string.h>

void gtube_init(struct gtube *g)
{
	memset(g, 0, sizeof *g);
}

void gtube_feed(struct gtube *g, const void *p, size_t n)
{
	const char *s = p;
	if (g->found || n == 0)
		return;
	/* A match straddling the previous piece: its tail, then our start. */
	char joint[2 * GTUBE_LEN];
	size_t head = n < GTUBE_LEN - 1 ? n : GTUBE_LEN - 1;
	memcpy(joint, g->tail, g->ntail);
	memcpy(joint + g->ntail, s, head);
	if (memmem(joint, g->ntail + head, GTUBE_STRING, GTUBE_LEN) != NULL ||
	    memmem(s, n, GTUBE_STRING, GTUBE_LEN) != NULL) {
		g->found = true;
		return;
	}
	/* Keep the last GTUBE_LEN - 1 bytes of tail + piece. */
	size_t keep = GTUBE_LEN - 1;
	if (n >= keep) {
		memcpy(g->tail, s + n - keep, keep);
		g->ntail = keep;
	} else {
		size_t total = g->ntail + n, drop = total > keep ? total - keep : 0;
		memmove(g->tail, g->tail + drop, g->ntail - drop);
		memcpy(g->tail + g->ntail - drop, s, n);
		g->ntail = total - drop;
	}
}
