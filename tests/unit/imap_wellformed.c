/* Shared by the unit tests and tests/fuzz/fuzz_imap_fetch.c (which
 * includes this file: fuzz targets are built from one source). */
#include "imap_wellformed.h"

#include <string.h>

/* {n}\r\n or ~{n}\r\n at p[i] ('{' there); moves i past the data. */
static bool skip_literal(const char *p, size_t n, size_t *i, bool binary)
{
	size_t j = *i + 1;
	unsigned long long len = 0;
	if (j >= n || p[j] < '0' || p[j] > '9')
		return false;
	for (; j < n && p[j] >= '0' && p[j] <= '9'; j++)
		len = len * 10 + (unsigned)(p[j] - '0');
	if (j + 3 > n || p[j] != '}' || p[j + 1] != '\r' || p[j + 2] != '\n')
		return false;
	j += 3;
	if (len > n - j)
		return false;
	if (!binary && memchr(p + j, '\0', len) != NULL)
		return false;
	*i = j + len;
	return true;
}

bool fx_wellformed(const char *p, size_t n)
{
	size_t i = 0;
	int depth = 0;
	bool quoted = false;
	while (i < n) {
		char c = p[i];
		if (c == '\0')
			return false;
		if (quoted) {
			if (c == '\r' || c == '\n')
				return false;
			if (c == '\\') {
				if (i + 1 >= n || (p[i + 1] != '"' && p[i + 1] != '\\'))
					return false;
				i += 2;
				continue;
			}
			quoted = c != '"';
			i++;
			continue;
		}
		if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth < 0)
				return false;
		} else if (c == '{' || (c == '~' && i + 1 < n && p[i + 1] == '{')) {
			if (c == '~')
				i++;
			if (!skip_literal(p, n, &i, c == '~'))
				return false;
			continue;
		} else if (c == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n' || depth != 0)
				return false;
			i += 2;
			continue;
		} else if (c == '\n') {
			return false;
		}
		i++;
	}
	return depth == 0 && !quoted && (n == 0 || (n >= 2 && p[n - 1] == '\n'));
}
