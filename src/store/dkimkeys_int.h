/* Helpers shared by the files of the DKIM key store. */
#ifndef AMB_DKIMKEYS_INT_H
#define AMB_DKIMKEYS_INT_H
#include "store/dkimkeys.h"

struct dkimkeys_expiry {
	const char *dir;
	long long now;
	struct buf *err;
};

/* Lower-case letters, digits, '-', '_', '.' (no "..", no leading '.' or
 * '-'), 1..max octets: safe in a file name. */
bool dkimkeys_name_ok(const char *s, size_t max);
/* dir "/" domain name, into out (reset first). */
void dkimkeys_path(const char *dir, const char *domain, const char *name,
    struct buf *out);
void dkimkeys_key_path(const char *dir, const char *domain,
    const char *selector, struct buf *out);
/* Gives path to the owner of dir when running as root. */
bool dkimkeys_give(const char *dir, const char *path, struct buf *err);

#endif
