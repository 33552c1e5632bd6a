/* Vacation replies (RFC 5230, RFC 3834), sans I/O: whether a message
 * deserves one, the key under which the caller remembers having sent
 * it (once per sender and handle per :days), and the reply's bytes. */
#ifndef AMB_VACATION_H
#define AMB_VACATION_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/buf.h"
#include "filter/sieve.h"

#define VACATION_KEY_LEN 64      /* hex characters */

/* False, with the reason in *why (for the log; no content), when no
 * reply may go: a null or robot sender (MAILER-DAEMON, owner-*,
 * *-request, LISTSERV, majordomo), the user themselves, a mailing list
 * (List-* fields, Precedence bulk/list/junk), an automatic message
 * (Auto-Submitted other than "no"), or mail where neither user nor one
 * of :addresses is in To, Cc, Bcc or their Resent- forms. hdr is the
 * message's header block; user the canonical address. */
bool vacation_wanted(const struct sieve_vacation *v, const char *hdr,
    size_t hdr_len, const char *env_from, const char *user,
    const char **why);

/* Hex BLAKE2b of the sender (case-folded) and the handle (:handle, or
 * one derived from :subject, :from, :mime and the reason), NUL-ended. */
void vacation_key(const struct sieve_vacation *v, const char *env_from,
    char out[VACATION_KEY_LEN + 1]);

struct vacation_params {
	const struct sieve_vacation *v;
	const char *hdr;          /* the original message's header block */
	size_t hdr_len;
	const char *user;         /* the user's canonical address */
	const char *env_from;     /* the reply goes here */
	const char *hostname;     /* for the Message-ID */
	time_t now;
};
/* The reply (CRLF lines): From the user (or :from, when it is in the
 * user's domain), To the sender, Subject :subject or "Auto: " and the
 * original, In-Reply-To and References, Auto-Submitted: auto-replied. */
void vacation_build(const struct vacation_params *p, struct buf *out);

#endif
