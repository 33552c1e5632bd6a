/* The optional filters of inbound mail (clamd, rspamd). */
#include "daemon/lookup_verdict.h"

void lookup_filter_start(struct vjob *j)
{
	vjob_decide(j);
}

void lookup_filter_free(struct vjob *j)
{
	(void)j;
}
