/* DKIM canonicalisation (RFC 6376 3.4): header fields, and the body as a
 * stream hashed as it goes, so a message of any size is never held in
 * memory. A bare LF is taken as CRLF (messages read from files). */
#ifndef AMB_DKIM_CANON_H
#define AMB_DKIM_CANON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"

enum dkim_canon { DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED };

#define DKIM_NO_LIMIT UINT64_MAX

/* Appends the canonical form of one header field (the whole field text,
 * name to the end of its value, without the final line end), followed by
 * CRLF if crlf. */
void dkim_canon_field(enum dkim_canon c, const char *field, size_t len,
    bool crlf, struct buf *out);

/* Appends, in the order of names, the canonical form of the header fields
 * they select in the block hdr: each occurrence of a name takes the last
 * instance not yet taken (3.5 h=, 5.4.2); a name with none left adds
 * nothing. The field at exclude (a pointer into hdr, or NULL) is never
 * taken. */
void dkim_canon_headers(enum dkim_canon c, const char *hdr, size_t len,
    const char *const *names, size_t nnames, const char *exclude,
    struct buf *out);

/* Streaming body hash. limit is the l= count (DKIM_NO_LIMIT for none). */
struct dkim_body {
	enum dkim_canon canon;
	EVP_MD_CTX *md;
	uint64_t limit;
	uint64_t total;         /* canonical bytes staged and flushed */
	size_t blank_lines;     /* empty lines held back: dropped at the end */
	bool cr, space, in_line;
	size_t nstage;
	unsigned char stage[4096];
};

/* False only if the digest cannot be set up. */
bool dkim_body_init(struct dkim_body *b, enum dkim_canon c, const EVP_MD *md,
    uint64_t limit);
void dkim_body_feed(struct dkim_body *b, const void *p, size_t n);
/* Ends the body: writes the digest (EVP_MAX_MD_SIZE room) and its length;
 * *total receives the whole canonical length (to check l= against). */
bool dkim_body_final(struct dkim_body *b, unsigned char *digest,
    unsigned *dlen, uint64_t *total);
void dkim_body_free(struct dkim_body *b);

#endif
