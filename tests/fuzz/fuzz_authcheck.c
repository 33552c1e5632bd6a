/* The combined SPF/DKIM/DMARC check on a hostile message: every question
 * is answered with the input's last line as a TXT record (or an address
 * or name for the other types), or fails, as the first byte says. Checks
 * the engine ends, asks a bounded number of questions and always gives a
 * well-formed Authentication-Results field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"
#include "mailauth/authcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *m = (const char *)data;
	unsigned mode = size > 0 ? data[0] : 0;
	struct msg_split sp;
	msg_split(m, size, &sp);
	struct authcheck_params p = { "192.0.2.1", "helo.example",
		"user@example.com", "mx.ours.example", m, sp.hdr_len, 1700000000 };
	struct authcheck *c = authcheck_new(&p);
	const char *last = memrchr(m, '\n', size);
	const char *rec = last ? last + 1 : m;
	size_t rlen = (size_t)(m + size - rec);
	static const unsigned char addr[16] = { 192, 0, 2, 1 };
	struct authcheck_query q;
	size_t asked = 0;
	while (authcheck_next_query(c, &q)) {
		if (++asked > 2000)
			abort();
		struct authdns_rr rr;
		if (q.type == SPF_QTYPE_A || q.type == SPF_QTYPE_AAAA)
			rr = (struct authdns_rr){ addr, q.type == SPF_QTYPE_A ? 4 : 16 };
		else
			rr = (struct authdns_rr){ rec, rlen };
		if ((mode + asked) % 5 == 0)
			continue;           /* never answered */
		enum authdns_rcode rc = (mode + asked) % 7 == 0 ? AUTHDNS_TEMPFAIL :
		    (mode + asked) % 11 == 0 ? AUTHDNS_NXDOMAIN : AUTHDNS_OK;
		authcheck_answer(c, q.token, rc, &rr, rc == AUTHDNS_OK);
	}
	authcheck_body(c, m + sp.body_off, size - sp.body_off);
	struct authcheck_verdict v;
	struct buf ar = BUF_INIT;
	authcheck_finish(c, mode % 100, &v, &ar);
	if (ar.len < 26 || memcmp(ar.data, "Authentication-Results: ", 24) != 0 ||
	    memcmp(ar.data + ar.len - 2, "\r\n", 2) != 0 ||
	    memchr(ar.data, '\0', ar.len) != NULL || v.ndkim > 8)
		abort();
	authcheck_free(c);
	buf_free(&ar);
	return 0;
}
