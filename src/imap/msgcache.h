/* What the index caches per message for FETCH, SEARCH, SORT and THREAD,
 * so that reading ENVELOPE or BODYSTRUCTURE of 10,000 messages, or
 * searching their text, does not decrypt and decompress each message
 * again: the rendered ENVELOPE, BODY and BODYSTRUCTURE, the header block,
 * the Date, and the body text for SEARCH. One blob per message through
 * mailindex_cache_* (sealed to the user's key when encryption is on).
 * deliver may build it too (msgcache_build + msgcache_encode). */
#ifndef AMB_IMAP_MSGCACHE_H
#define AMB_IMAP_MSGCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define MSGCACHE_HEADER_MAX (64u * 1024)   /* larger headers: not cached */
#define MSGCACHE_TEXT_MAX (256u * 1024)    /* larger text: not cached */
#define MSGCACHE_NO_DATE INT64_MIN

struct msgcache {
	uint64_t hdr_len;           /* top-level header incl. blank line */
	int64_t sent;               /* Date: in UTC seconds, or NO_DATE */
	int sent_tz;                /* its zone, minutes east of UTC */
	struct buf envelope;        /* "(...)", rendered without UTF8=ACCEPT */
	struct buf body;            /* BODY */
	struct buf bodystructure;   /* BODYSTRUCTURE */
	bool has_header;
	struct buf header;          /* the header block when has_header */
	bool has_text;              /* htext and text are there */
	struct buf htext;           /* header text, as mime_header_text gives
	                               it, case-folded: SEARCH TEXT's half */
	struct buf text;            /* body text: decoded, UTF-8, case-folded */
};

void msgcache_init(struct msgcache *c);
void msgcache_free(struct msgcache *c);
/* From a whole message in memory. */
void msgcache_build(const char *msg, size_t len, struct msgcache *c);
void msgcache_encode(const struct msgcache *c, struct buf *out);
/* False for a blob of another version or a damaged one. */
bool msgcache_decode(const char *p, size_t n, struct msgcache *c);

/* Search text of a whole message's body (nested message headers
 * included): decoded, UTF-8, case-folded. Appends to out. */
void msgcache_body_text(const char *msg, size_t len, struct buf *out);
/* Header text for SEARCH TEXT: mime_header_text, case-folded. */
void msgcache_header_text(const char *hdr, size_t len, struct buf *out);
/* Case-folds UTF-8 (invalid bytes replaced first) for matching. */
void msgcache_fold(const char *s, size_t n, struct buf *out);

#endif
