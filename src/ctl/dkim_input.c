/* Reading a message for dkim sign and verify: the header kept in memory,
 * the body streamed in chunks. */
#include "ctl/dkim.h"

#include <stdio.h>
#include <string.h>

#include "mail/header.h"

#define HDR_MAX (8 * 1024 * 1024)

bool ctl_msg_open(const char *path, struct ctl_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->f = path == NULL || strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (m->f == NULL)
		ctl_fail("dkim: cannot open %s", path);
	return m->f != NULL;
}

void ctl_msg_close(struct ctl_msg *m)
{
	if (m->f != NULL && m->f != stdin)
		fclose(m->f);
	buf_free(&m->hdr);
	buf_free(&m->rest);
}

bool ctl_msg_header(struct ctl_msg *m)
{
	struct hdr_scan s;
	char chunk[CTL_MSG_CHUNK];
	hdr_scan_init(&s, HDR_MAX);
	for (;;) {
		size_t n = fread(chunk, 1, sizeof chunk, m->f), used = 0;
		if (n == 0 && ferror(m->f)) {
			ctl_fail("dkim: read error");
			return false;
		}
		enum hdr_scan_rc rc = n > 0 ? hdr_scan_feed(&s, chunk, n, &used) :
		    hdr_scan_eof(&s);
		buf_add(&m->hdr, chunk, used);
		if (rc == HDR_SCAN_DONE) {
			buf_add(&m->rest, chunk + used, n - used);
			return true;
		}
		if (rc == HDR_SCAN_TOOBIG) {
			ctl_fail("dkim: header too long");
			return false;
		}
	}
}

bool ctl_msg_body(struct ctl_msg *m, ctl_body_fn *fn, void *arg)
{
	char chunk[CTL_MSG_CHUNK];
	if (m->rest.len > 0)
		fn(m->rest.data, m->rest.len, arg);
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, m->f)) > 0)
		fn(chunk, n, arg);
	if (ferror(m->f))
		ctl_fail("dkim: read error");
	return !ferror(m->f);
}

