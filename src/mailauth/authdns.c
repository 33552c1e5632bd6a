#include "mailauth/authdns.h"

#include <ctype.h>
#include <string.h>

bool authdns_host_ok(const char *d, size_t max)
{
	size_t n = strlen(d), labels = 0, label = 0;
	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			labels++;
			label = 0;
		} else if (isalnum((unsigned char)d[i]) || d[i] == '-' ||
		    d[i] == '_') {
			label++;
		} else {
			return false;
		}
	}
	return labels >= 2;
}
