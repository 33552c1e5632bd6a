/* Unicode case folding of text for matching. */
#ifndef AMB_MAIL_CASEFOLD_H
#define AMB_MAIL_CASEFOLD_H
#include <stddef.h>

#include "common/buf.h"

/* Appends s case-folded and in NFC (libunistring's u8_casefold), with
 * invalid UTF-8 replaced first (utf8_append_valid). ASCII runs take a
 * fast path with the same result. */
void utf8_casefold(const char *s, size_t n, struct buf *out);

#endif
