#include "filter/clamd.h"

#include <stdbool.h>
#include <string.h>

void clamd_chunk_len(uint32_t len, unsigned char out[4])
{
	out[0] = (unsigned char)(len >> 24);
	out[1] = (unsigned char)(len >> 16);
	out[2] = (unsigned char)(len >> 8);
	out[3] = (unsigned char)len;
}

static bool ends_with(const char *p, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(p + n - k, suffix, k) == 0;
}

enum clamd_reply clamd_parse_reply(const char *p, size_t n, char *name,
    size_t namelen)
{
	const char *nul = memchr(p, '\0', n);
	if (nul != NULL)
		n = (size_t)(nul - p);
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (namelen > 0)
		name[0] = '\0';
	/* "stream: " is what clamd names an INSTREAM; a numbered id
	 * ("1: stream: ...") comes only with IDSESSION, which we do not use. */
	static const char too_large[] = "INSTREAM size limit exceeded. ERROR";
	if (n == sizeof too_large - 1 && memcmp(p, too_large, n) == 0)
		return CLAMD_TOO_LARGE;
	static const char prefix[] = "stream: ";
	if (n < sizeof prefix - 1 || memcmp(p, prefix, sizeof prefix - 1) != 0)
		return CLAMD_ERROR;
	p += sizeof prefix - 1;
	n -= sizeof prefix - 1;
	if (n == 2 && memcmp(p, "OK", 2) == 0)
		return CLAMD_CLEAN;
	if (!ends_with(p, n, " FOUND") || n == 6)
		return CLAMD_ERROR;
	n -= 6;
	size_t k = 0;
	for (; k < n && k + 1 < namelen; k++)
		name[k] = p[k] > 0x20 && p[k] < 0x7f ? p[k] : '?';
	if (namelen > 0)
		name[k] = '\0';
	return CLAMD_VIRUS;
}
