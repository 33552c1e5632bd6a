#include "spf_fakedns.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[] = {
	[SPF_QTYPE_TXT] = "TXT", [SPF_QTYPE_A] = "A",
	[SPF_QTYPE_AAAA] = "AAAA", [SPF_QTYPE_MX] = "MX",
	[SPF_QTYPE_PTR] = "PTR",
};

static int same_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > 0 && a[na - 1] == '.')
		na--;
	if (nb > 0 && b[nb - 1] == '.')
		nb--;
	return na == nb && strncasecmp(a, b, na) == 0;
}

enum authdns_rcode zone_lookup(struct zone *z, enum spf_qtype type,
    const char *name, struct authdns_rr *rr, unsigned char (*bin)[16],
    size_t max, size_t *n)
{
	int exists = 0, timeout = 0;
	*n = 0;
	z->queries++;
	for (size_t i = 0; i < z->n; i++) {
		const struct zrr *r = &z->rr[i];
		if (!same_name(r->name, name))
			continue;
		exists = 1;
		if (strcmp(r->type, "TIMEOUT") == 0)
			timeout = 1;
		if (strcmp(r->type, type_names[type]) != 0 || *n >= max)
			continue;
		if (type == SPF_QTYPE_A || type == SPF_QTYPE_AAAA) {
			int af = type == SPF_QTYPE_A ? AF_INET : AF_INET6;
			if (inet_pton(af, r->data, bin[*n]) != 1)
				continue;
			rr[*n] = (struct authdns_rr){ bin[*n], af == AF_INET ? 4 : 16 };
		} else {
			rr[*n] = (struct authdns_rr){ r->data,
			    r->len ? r->len : strlen(r->data) };
		}
		(*n)++;
	}
	if (*n > 0)
		return AUTHDNS_OK;
	if (timeout)
		return AUTHDNS_TEMPFAIL;
	return exists ? AUTHDNS_OK : AUTHDNS_NXDOMAIN;
}

enum spf_result zone_spf(struct zone *z, struct spf *s, const char *ip,
    const char *sender, const char *helo, int helo_id)
{
	if (helo_id)
		spf_start_helo(s, ip, helo);
	else
		spf_start(s, ip, sender, helo);
	struct spf_query q;
	while (spf_step(s, &q) == SPF_QUERY) {
		struct authdns_rr rr[64];
		unsigned char bin[64][16];
		size_t n;
		enum authdns_rcode rc = zone_lookup(z, q.type, q.name, rr, bin, 64, &n);
		spf_answer(s, rc, rr, n);
	}
	return spf_result(s);
}
