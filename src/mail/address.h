/* Email addresses and domains: validation and the one canonical form in
 * which archmailbox stores and compares them.
 *
 * Canonical form (what the user database holds):
 *  - domain: lower-case, NFC, U-labels (UTF-8). A-labels ("xn--...") are
 *    converted to U-labels; mapping follows IDNA2008 with UTS#46
 *    non-transitional processing and STD3 rules (libidn2), so "ß" stays
 *    "ß" and upper-case or full-width forms fold to one spelling.
 *  - local part: dot-atom of RFC 5322 atext plus non-ASCII UTF-8 (RFC
 *    6531), lower-cased and NFC-normalised (libunistring).
 * Limits are octets of the canonical form: local part 64, address 254,
 * domain 253 (also checked on the A-label form), label 63.
 * Rejected: empty parts, bad UTF-8, control, format and space characters,
 * quoted local parts, leading/trailing/double dots, labels with a leading
 * or trailing hyphen, single-label domains, IP addresses and literals.
 * Every function appends a short reason (no input echoed) to err. */
#ifndef AMB_ADDRESS_H
#define AMB_ADDRESS_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define ADDR_LOCAL_MAX  64
#define ADDR_DOMAIN_MAX 253
#define ADDR_LABEL_MAX  63
#define ADDR_MAX        254

/* Canonical domain of in (any spelling, U- or A-labels) into out. */
bool addr_canon_domain(const char *in, struct buf *out, struct buf *err);
/* Canonical local part (no '@'). */
bool addr_canon_local(const char *in, struct buf *out, struct buf *err);
/* Canonical "local@domain" (split at the last '@'). */
bool addr_canon(const char *in, struct buf *out, struct buf *err);
/* ASCII (A-label) form of a domain, for DNS. */
bool addr_domain_ascii(const char *domain, struct buf *out, struct buf *err);

/* Splits a canonical address at its last '@'. False if there is none. */
bool addr_split(const char *addr, struct buf *local, struct buf *domain);
/* Splits a local part at its first '+': "user+tag" -> "user", "tag".
 * Returns true if there was a '+' (the tag may then be empty). */
bool addr_split_tag(const char *local, struct buf *base, struct buf *tag);

/* Appends s for an error message: in single quotes, bytes that are not
 * printable ASCII or valid UTF-8 text as \xNN, cut after max bytes. */
void addr_quote(struct buf *out, const char *s, size_t max);

#endif
