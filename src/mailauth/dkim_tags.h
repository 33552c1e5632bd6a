/* DKIM tag=value lists (RFC 6376 3.2), shared by DKIM-Signature fields and
 * key records. Strict: anything outside the grammar, a duplicate tag or
 * more than DKIM_TAGS_MAX tags rejects the whole list, as 3.2 requires.
 * Pointers returned point into the caller's text. */
#ifndef AMB_DKIM_TAGS_H
#define AMB_DKIM_TAGS_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define DKIM_TAGS_MAX 32

struct dkim_tag {
	const char *name;  size_t name_len;
	const char *value; size_t value_len;  /* without surrounding FWS;
	                                         inner FWS kept */
	size_t value_off;                     /* offset of value in the text */
};

struct dkim_tags {
	struct dkim_tag v[DKIM_TAGS_MAX];
	size_t n;
};

/* Parses text. On failure returns false with *why set to a short static
 * reason. */
bool dkim_tags_parse(const char *text, size_t len, struct dkim_tags *out,
    const char **why);
/* The tag so named (case-sensitive, as tag names are), or NULL. */
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t,
    const char *name);
/* Value without any FWS (for b=, bh=, p= and h=), appended to out. */
void dkim_tag_strip_fws(const struct dkim_tag *tag, struct buf *out);
/* Decodes a base64 value that may contain FWS; false on bad base64 or
 * when the result would exceed max bytes. */
bool dkim_tag_base64(const struct dkim_tag *tag, unsigned char *out,
    size_t max, size_t *out_len);
/* Appends p as base64 with padding. */
void dkim_base64_add(struct buf *out, const unsigned char *p, size_t n);
/* Value equals s, ignoring ASCII case. */
bool dkim_tag_is(const struct dkim_tag *tag, const char *s);

#endif
