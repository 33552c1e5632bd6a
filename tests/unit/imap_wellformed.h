/* A check for tests and fuzzers that IMAP response bytes are well-formed:
 * balanced parentheses and quotes, literals of the size they announce,
 * CRLF line ends outside literals, no NUL outside literal8. */
#ifndef AMB_TEST_IMAP_WELLFORMED_H
#define AMB_TEST_IMAP_WELLFORMED_H
#include <stdbool.h>
#include <stddef.h>

bool fx_wellformed(const char *p, size_t n);

#endif
