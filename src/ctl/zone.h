/* The records of the configured instance, for `mailboxctl dns` and
 * `mailboxctl check`. */
#ifndef AMB_CTL_ZONE_H
#define AMB_CTL_ZONE_H
#include <stdbool.h>

#include "ctl/ctl.h"
#include "ctl/dnsrec.h"

struct ctl_zone {
	struct config *cfg;
	struct ub_ctx *ub;        /* the configured resolver */
	struct ctl_addrs addrs;   /* public addresses */
	struct dnsrecs recs;      /* the host's, then each domain's */
	struct buf domains;       /* A-label forms, each ending in '\0' */
	size_t ndomains;
	size_t *start;            /* recs of domain i: [start[i], start[i+1]);
	                           * the host's are [0, start[0]) */
	bool *has_dkim;           /* domain i has DKIM keys */
};

/* Loads the config, the domains (only domain when it is not NULL; it must
 * be one of the database's) and builds their records. False after
 * printing why. */
bool ctl_zone_load(struct ctl *ctl, const char *domain, struct ctl_zone *z);
void ctl_zone_free(struct ctl_zone *z);

#endif
