/* RFC 5322 3.3 date-time, with the obsolete forms of 4.3 (two- and
 * three-digit years, named and military zones, comments), and the IMAP
 * "23-Nov-2026 12:30:55 +0000" form, for INTERNALDATE and SEARCH. */
#ifndef AMB_MAIL_MAILDATE_H
#define AMB_MAIL_MAILDATE_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/buf.h"

/* *t: seconds since the epoch (UTC); *tz_min: the written zone offset in
 * minutes east of UTC (0 when absent or unknown). False when the value
 * is not a date (then the outputs are untouched). */
bool mail_date_parse(const char *s, size_t n, time_t *t, int *tz_min);
/* Appends t as an RFC 5322 date in UTC ("Mon, 23 Nov 2026 18:31:32
 * +0000"), for the messages we make (bounces, vacation replies). */
void mail_date_format(time_t t, struct buf *out);

#endif
