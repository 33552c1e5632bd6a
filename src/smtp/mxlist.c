#include "smtp/mxlist.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

static int cmp_pref(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;
	return (int)x->pref - (int)y->pref;
}

static void shuffle(struct mx_host *v, size_t n, uint32_t (*rnd)(uint32_t k))
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd((uint32_t)i);
		if (j >= i)
			j = i - 1;
		struct mx_host t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

void mxlist_order(struct mx_host *v, size_t n, uint32_t (*rnd)(uint32_t k))
{
	qsort(v, n, sizeof *v, cmp_pref);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].pref == v[i].pref)
			j++;
		shuffle(v + i, j - i, rnd);
		i = j;
	}
}

bool mxlist_is_null(const struct mx_host *v, size_t n)
{
	return n == 1 && v[0].name[0] == '\0';
}

size_t mxlist_drop_null(struct mx_host *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].name[0] != '\0')
			v[k++] = v[i];
	return k;
}

static bool parse_port(const char *s, unsigned *port)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long p = strtoul(s, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return false;
	*port = (unsigned)p;
	return true;
}

bool mx_hostport_split(const char *s, char *host, size_t hostlen,
    unsigned *port)
{
	const char *end, *rest;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL)
			return false;
		s++;
		rest = end + 1;
		if (*rest != '\0' && *rest != ':')
			return false;
	} else {
		end = strrchr(s, ':');
		if (end != NULL && strchr(s, ':') != end)
			return false;       /* bare IPv6 needs brackets */
		if (end == NULL)
			end = s + strlen(s);
		rest = end;
	}
	size_t n = (size_t)(end - s);
	if (n == 0 || n >= hostlen)
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	return *rest == '\0' || parse_port(rest + 1, port);
}
