/* RFC 5322 address lists (3.4, with the obs forms of 4.4) parsed into the
 * tuples IMAP ENVELOPE needs (RFC 3501 7.4.2): name, route (adl), mailbox
 * and host. Not address validation for accounts (see address.h). */
#ifndef AMB_MAIL_ADDRLIST_H
#define AMB_MAIL_ADDRLIST_H
#include <stdbool.h>
#include <stddef.h>

#define ADDRLIST_MAX_DEFAULT 10000

/* Groups follow IMAP: a start entry has mailbox = group name and host
 * NULL; the end entry has all four NULL. Strings are NUL-free C strings. */
struct mail_addr {
	char *name;     /* display name unquoted, encoded words kept (decode
	                   with ew_decode); a trailing comment if no phrase;
	                   NULL if none */
	char *adl;      /* obs route "@a,@b", or NULL */
	char *mailbox;  /* local part, unquoted */
	char *host;     /* domain ("" when missing: then invalid is set) */
	bool invalid;   /* no '@' or empty local part/domain */
};

struct addrlist {
	struct mail_addr *v;
	size_t n, cap;
	bool truncated;           /* more than max entries */
};

/* Parses a header value (unfolded or not). Never fails: what cannot be
 * read as an address is skipped. max 0: ADDRLIST_MAX_DEFAULT entries. */
void addrlist_parse(const char *s, size_t n, size_t max, struct addrlist *out);
void addrlist_free(struct addrlist *l);

#endif
