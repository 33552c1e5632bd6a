/* Delivery status notifications (RFC 3464, RFC 3461 section 6): the
 * message the queue sends back to a sender when recipients failed for
 * good, or are still being retried after a long delay. A library only:
 * the queue decides when (never for the null sender) and queues the
 * result with the null sender. */
#ifndef AMB_BOUNCE_H
#define AMB_BOUNCE_H
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "smtp/envelope.h"

#define BOUNCE_HEADERS_MAX (64 * 1024)   /* original headers quoted, at most */

enum bounce_kind {
	BOUNCE_FAILED,   /* recipients in state RCPT_FAILED */
	BOUNCE_DELAYED,  /* recipients in state RCPT_DEFERRED */
};

struct bounce_params {
	const struct envelope *env;   /* the original message's envelope */
	enum bounce_kind kind;
	const char *hostname;         /* our name: Reporting-MTA, From */
	uint64_t now;                 /* unix seconds, for Date */
	const char *headers;          /* the original message's header block */
	size_t headers_len;
};

/* True if env has recipients to report for kind, and a sender to tell. */
bool bounce_needed(const struct envelope *env, enum bounce_kind kind);

/* Appends the whole notification (header and multipart/report body, CRLF
 * lines) to out. The header block is quoted as text/rfc822-headers, cut
 * at BOUNCE_HEADERS_MAX; its bytes are taken as they are (8-bit is
 * allowed there). */
void bounce_build(const struct bounce_params *p, struct buf *out);

/* Reads the header block (up to the empty line, at most
 * BOUNCE_HEADERS_MAX) from the start of fd into out. False on a read error. */
bool bounce_read_headers(int fd, struct buf *out);

#endif
