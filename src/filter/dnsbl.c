#include "filter/dnsbl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ZONE_SEP " ,\t"

/* Letters, digits, '-' and '_' in labels of 1..63 octets (list zones
 * are plain host names). */
static bool zone_ok(const char *z)
{
	size_t label = 0, n = strlen(z);
	if (n == 0 || n > DNSBL_NAME_MAX - 8)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = z[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

bool dnsbl_query_name(const char *ip, const char *zone, char *out,
    size_t outlen)
{
	unsigned char a[16];
	char rev[80];
	size_t n = 0;
	if (!zone_ok(zone))
		return false;
	if (inet_pton(AF_INET, ip, a) == 1) {
		n = (size_t)snprintf(rev, sizeof rev, "%u.%u.%u.%u.", a[3], a[2],
		    a[1], a[0]);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const char hex[] = "0123456789abcdef";
		for (int i = 15; i >= 0; i--) {
			rev[n++] = hex[a[i] & 15];
			rev[n++] = '.';
			rev[n++] = hex[a[i] >> 4];
			rev[n++] = '.';
		}
		rev[n] = '\0';
	} else {
		return false;
	}
	int w = snprintf(out, outlen, "%s%s", rev, zone);
	return w > 0 && (size_t)w < outlen && (size_t)w <= DNSBL_NAME_MAX + 1;
}

bool dnsbl_listed(const unsigned char a[4])
{
	return a[0] == 127 && !(a[1] == 255 && a[2] == 255);
}

/* The next zone of a list separated by spaces, commas or tabs: its start
 * (NULL at the end) and length in *n; *p moves past it. */
static const char *next_zone(const char **p, size_t *n)
{
	const char *s = *p + strspn(*p, ZONE_SEP);
	*n = strcspn(s, ZONE_SEP);
	*p = s + *n;
	return *n > 0 ? s : NULL;
}

static bool has_zone(const char *list, const char *z, size_t n)
{
	const char *t;
	size_t tn;
	while ((t = next_zone(&list, &tn)) != NULL)
		if (tn == n && strncasecmp(t, z, n) == 0)
			return true;
	return false;
}

size_t dnsbl_hits(const char *zones, const char *listed, struct buf *out)
{
	const char *z;
	size_t n, hits = 0, start = out->len;
	for (unsigned i = 0; i < DNSBL_MAX_ZONES &&
	    (z = next_zone(&zones, &n)) != NULL; i++) {
		if (!has_zone(listed, z, n) ||
		    has_zone(buf_cstr(out) + start, z, n))
			continue;
		if (hits++ > 0)
			buf_addstr(out, ", ");
		buf_add(out, z, n);
	}
	return hits;
}
