/* Small string helpers that always know the destination's size. */
#ifndef AMB_STR_H
#define AMB_STR_H
#include <stdbool.h>
#include <stddef.h>

/* Copies src into dst of size dstsz, always terminated. Returns false if
 * src did not fit (dst then holds a truncated copy). */
bool str_copy(char *dst, size_t dstsz, const char *src);
void str_lower_ascii(char *s);
bool str_has_prefix(const char *s, const char *prefix);
bool str_eq_nocase(const char *a, const char *b);
/* Trims ASCII white space at both ends in place; returns s. */
char *str_trim(char *s);
/* Parses "123", "10K", "15G", "2T" (powers of 1024) into bytes. */
bool str_parse_size(const char *s, unsigned long long *out);
/* Formats bytes as the largest exact unit ("15G", "512K", "100"). */
void str_format_size(unsigned long long v, char *dst, size_t dstsz);
/* The value of a hex digit, or -1. */
int str_hex_digit(char c);
/* The value of a base64 digit, or -1; c63 is the 64th character ('/' in
 * RFC 4648, ',' in IMAP's modified UTF-7). */
int str_b64_digit(unsigned char c, char c63);

#endif
