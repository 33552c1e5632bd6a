/* Mailbox names on the wire: modified UTF-7 (RFC 3501 5.1.3) for clients
 * that have not enabled UTF8=ACCEPT, plain UTF-8 (RFC 6855) for those that
 * have. Internally every name is UTF-8. */
#ifndef AMB_IMAP_MUTF7_H
#define AMB_IMAP_MUTF7_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* UTF-8 name -> modified UTF-7, appended to out. False (out unchanged) if
 * the input is not valid UTF-8 or contains a NUL or control character. */
bool imap_mutf7_encode(const char *utf8, size_t len, struct buf *out);

/* Modified UTF-7 -> UTF-8, appended to out. Strict: rejects 8-bit bytes,
 * bad base64, non-zero padding bits, lone surrogates, printable ASCII that
 * was needlessly encoded, empty or adjacent shift sequences, and "&" not
 * written as "&-". False leaves out unchanged. */
bool imap_mutf7_decode(const char *mutf7, size_t len, struct buf *out);

/* Valid UTF-8 (shortest forms, no surrogates, <= U+10FFFF) and no NUL? */
bool imap_utf8_valid(const char *s, size_t len);

#endif
