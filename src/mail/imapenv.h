/* The fields of an IMAP ENVELOPE (RFC 3501 7.4.2) taken from a message
 * header, without IMAP quoting (that is the imap layer's job). */
#ifndef AMB_MAIL_ENVELOPE_H
#define AMB_MAIL_ENVELOPE_H
#include <stddef.h>

#include "mail/addrlist.h"

struct imap_envelope {
	/* unfolded values as written (encoded words kept), NULL if absent */
	char *date, *subject, *in_reply_to, *message_id;
	/* sender and reply_to are copies of from when absent or empty, as
	 * RFC 3501 requires */
	struct addrlist from, sender, reply_to, to, cc, bcc;
};

/* hdr: a header block (it may run on into the body; parsing stops at
 * the blank line). Repeated fields: the first counts. */
void imap_envelope_parse(const char *hdr, size_t len, struct imap_envelope *env);
void imap_envelope_free(struct imap_envelope *env);

#endif
