/* Message identifiers (RFC 5322 3.6.4) as used by Message-ID,
 * In-Reply-To and References, for threading and de-duplication. */
#ifndef AMB_MAIL_MSGID_H
#define AMB_MAIL_MSGID_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* Next "<id>" in s from *pos (comments and quoted strings skipped, obs
 * phrases between ids ignored). Sets out to the id without brackets and
 * white space (possibly empty, for "<>"); false when there are no more.
 * An unterminated "<id" runs to the end. */
bool msgid_next(const char *s, size_t n, size_t *pos, struct buf *out);

/* Appends a new unique "<time.random@domain>" (128 random bits). */
void msgid_generate(const char *domain, struct buf *out);

#endif
