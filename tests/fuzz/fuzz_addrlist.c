/* Address lists and dates: groups stay balanced, strings are C strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/addrlist.h"
#include "mail/imapenv.h"
#include "mail/msgid.h"
#include "mail/maildate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addrlist l;
	addrlist_parse((const char *)data, size, 100, &l);
	int depth = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct mail_addr *a = &l.v[i];
		if (a->host == NULL && a->mailbox != NULL)
			depth++;
		else if (a->host == NULL)
			depth--;
		if (depth < 0 || depth > 1)
			abort();
		if (a->host != NULL && a->mailbox == NULL)
			abort();
	}
	if (depth != 0)
		abort();
	addrlist_free(&l);

	struct imap_envelope env;
	imap_envelope_parse((const char *)data, size, &env);
	imap_envelope_free(&env);
	struct buf id = BUF_INIT;
	size_t pos = 0, prev = 0;
	while (msgid_next((const char *)data, size, &pos, &id)) {
		if (pos <= prev || pos > size)
			abort();
		prev = pos;
	}
	buf_free(&id);

	time_t t;
	int tz;
	if (mail_date_parse((const char *)data, size, &t, &tz) &&
	    (tz < -99 * 60 - 59 || tz > 99 * 60 + 59))
		abort();
	return 0;
}
