/* Content-Transfer-Encoding decoders (RFC 2045 6), streaming and
 * tolerant: bytes outside the alphabet are skipped, bad "=XX" escapes are
 * kept literally, as mail clients do. */
#ifndef AMB_MAIL_DECODE_H
#define AMB_MAIL_DECODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum cte { CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_BASE64, CTE_QP, CTE_UNKNOWN };

/* From a Content-Transfer-Encoding value (case-insensitive, white space
 * and comments ignored); an empty value is 7bit. */
enum cte cte_parse(const char *s, size_t n);

struct b64_dec { uint32_t acc; unsigned nbits; bool ended; };
void b64_dec_init(struct b64_dec *d);
void b64_dec_feed(struct b64_dec *d, const char *in, size_t n,
    struct buf *out);

/* Quoted-printable; keeps back at most a short tail (a partial "=XX" or
 * trailing white space that may be transport padding) between calls. */
struct qp_dec { char hold[80]; size_t nhold; };
void qp_dec_init(struct qp_dec *d);
void qp_dec_feed(struct qp_dec *d, const char *in, size_t n, struct buf *out);
void qp_dec_finish(struct qp_dec *d, struct buf *out);

/* Whole-buffer decode; 7bit/8bit/binary/unknown pass through. */
void cte_decode(enum cte e, const char *in, size_t n, struct buf *out);

/* Decodes esc+two hex digits (RFC 2047 "Q": '=', with '_' a space;
 * RFC 2231: '%'); anything else is kept as is. */
void hex_escapes_decode(const char *in, size_t n, char esc,
    bool underscore_is_space, struct buf *out);

#endif
