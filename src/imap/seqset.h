/* IMAP sequence sets (RFC 3501 section 9 "sequence-set", RFC 9051):
 * "1:4,7,9:*". Kept as the ranges the client sent; '*' is stored as 0 (no
 * message has number 0) and resolved against the current maximum only when
 * the set is used, because the maximum changes while a command pipelines. */
#ifndef AMB_IMAP_SEQSET_H
#define AMB_IMAP_SEQSET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define IMAP_SEQ_STAR 0u

struct imap_range {
	uint32_t lo, hi;        /* as sent: may be reversed, 0 means '*' */
};

/* Sets inside a parsed command (cap == 0) belong to the command's arena:
 * resolve them in place or imap_seqset_copy() them, never free them. */
struct imap_seqset {
	struct imap_range *r;
	size_t n;
	size_t cap;             /* 0 with n > 0: arena-owned */
	bool saved;             /* "$": the result saved by SEARCH RETURN (SAVE) */
};

void imap_seqset_init(struct imap_seqset *s);
void imap_seqset_free(struct imap_seqset *s);

/* Parses len bytes of s (no NUL needed). Rejects 0, numbers above
 * 4294967295, empty elements and any other byte. "$" alone is accepted
 * only when allow_saved. On failure s is left empty. */
bool imap_seqset_parse(struct imap_seqset *s, const char *str, size_t len,
    bool allow_saved);

/* Appends a range (lo and hi in any order, 0 = '*'). */
void imap_seqset_add_range(struct imap_seqset *s, uint32_t lo, uint32_t hi);
/* Appends one number (non-zero), growing the last range when n extends it: building a
 * UID set from ascending UIDs gives the compact form for COPYUID. */
void imap_seqset_add(struct imap_seqset *s, uint32_t n);

/* Is n in the set when '*' stands for max? */
bool imap_seqset_contains(const struct imap_seqset *s, uint32_t n,
    uint32_t max);

/* Rewrites s into sorted, merged ranges with lo <= hi, '*' replaced by max
 * and every range cut to 1..max (a range wholly above max stays only if it
 * contains '*', as RFC 9051 6.4.8 says "n:*" always includes max). After
 * this iteration is a walk over s->r. Returns the number of members. */
uint64_t imap_seqset_resolve(struct imap_seqset *s, uint32_t max);

/* Iterates a resolved set: zero the iterator, then call until false. */
struct imap_seqset_iter {
	size_t i;
	uint64_t next;          /* 64 bits so the step past 4294967295 is safe */
};
bool imap_seqset_next(const struct imap_seqset *s, struct imap_seqset_iter *it,
    uint32_t *cur);

/* Writes the set as IMAP text ("1:3,5,9:*"). An empty set writes nothing. */
void imap_seqset_format(const struct imap_seqset *s, struct buf *out);

/* Deep copy. */
void imap_seqset_copy(struct imap_seqset *dst, const struct imap_seqset *src);

#endif
