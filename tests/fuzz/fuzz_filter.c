/* The filter protocol readers: clamd replies, HTTP URLs and responses,
 * rspamd JSON verdicts, DNSBL hit lists. Checks what callers rely on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "filter/clamd.h"
#include "filter/dnsbl.h"
#include "filter/gtube.h"
#include "filter/http.h"
#include "filter/rspamd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char name[64];
	if (clamd_parse_reply(p, size, name, sizeof name) == CLAMD_VIRUS)
		for (size_t i = 0; name[i]; i++)
			if (name[i] <= 0x20 || name[i] >= 0x7f)
				abort();
	struct buf tmp = BUF_INIT, path = BUF_INIT;
	struct http_response r;
	if (http_response_parse(p, size, &r, &tmp) &&
	    (r.status < 100 || r.status > 599 ||
	    (r.body_len > 0 && r.body != tmp.data && (r.body < p || r.body + r.body_len > p + size)) ||
	    (r.ctype_len > 0 && (r.ctype < p || r.ctype + r.ctype_len > p + size))))
		abort();
	/* A copy with a NUL: strndup may look past size for one. */
	char *s = malloc(size + 1);
	if (s != NULL) {
		if (size > 0)
			memcpy(s, p, size);
		s[size] = '\0';
	}
	char host[HTTP_HOST_MAX + 1];
	unsigned port;
	if (s != NULL && http_url_parse(s, host, &port, &path) &&
	    (port == 0 || port > 65535 || path.len == 0 || path.data[0] != '/'))
		abort();
	/* the block lists reported back: at most the ones asked, by name */
	if (s != NULL) {
		size_t half = strlen(s) / 2;
		char *zones = strndup(s, half);
		struct buf hits = BUF_INIT;
		size_t n = zones ? dnsbl_hits(zones, s + half, &hits) : 0;
		if (n > DNSBL_MAX_ZONES || (n == 0) != (hits.len == 0) ||
		    hits.len > half + 2 * DNSBL_MAX_ZONES)
			abort();
		buf_free(&hits);
		free(zones);
	}
	free(s);
	struct rspamd_result rr;
	if (rspamd_parse(p, size, &rr) && rr.action > RSPAMD_REJECT)
		abort();
	struct gtube g;
	gtube_init(&g);
	gtube_feed(&g, p, size / 2);
	gtube_feed(&g, p + size / 2, size - size / 2);
	if (g.found != (memmem(p, size, GTUBE_STRING, GTUBE_LEN) != NULL))
		abort();
	buf_free(&tmp);
	buf_free(&path);
	return 0;
}
