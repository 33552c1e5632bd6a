/* Finding the end of a header block: streaming for delivery, and the
 * whole-buffer split built on the same state machine so both agree. */
#include "mail/header.h"

#include <string.h>

enum { ST_LINE_START, ST_CR_AT_START, ST_IN_LINE };

void hdr_scan_init(struct hdr_scan *s, size_t max_len)
{
	memset(s, 0, sizeof(*s));
	s->max_len = max_len;
	s->state = ST_LINE_START;
	s->rc = HDR_SCAN_MORE;
}

/* One step from index i; returns the index after what was consumed. */
static size_t scan_step(struct hdr_scan *s, const char *c, size_t i, size_t n)
{
	if (s->state == ST_IN_LINE) {
		const char *nl = memchr(c + i, '\n', n - i);
		if (nl == NULL)
			return n;
		s->state = ST_LINE_START;
		return (size_t)(nl - c) + 1;
	}
	char ch = c[i];
	if (ch == '\n') {
		s->rc = HDR_SCAN_DONE;
	} else if (ch == '\r' && s->state == ST_LINE_START) {
		s->state = ST_CR_AT_START;
	} else {
		s->state = ST_IN_LINE;
		if (ch == '\r')   /* "\r\r": not a blank line */
			return i;
	}
	return i + 1;
}

enum hdr_scan_rc hdr_scan_feed(struct hdr_scan *s, const char *chunk,
    size_t n, size_t *used)
{
	size_t i = 0;
	while (s->rc == HDR_SCAN_MORE && i < n) {
		size_t room = s->max_len - s->hdr_len;
		size_t lim = n - i < room ? n : i + room;
		if (room == 0) {
			s->rc = HDR_SCAN_TOOBIG;
			break;
		}
		size_t next = scan_step(s, chunk, i, lim);
		s->hdr_len += next - i;
		i = next;
	}
	if (used)
		*used = i;
	return s->rc;
}

enum hdr_scan_rc hdr_scan_eof(struct hdr_scan *s)
{
	if (s->rc == HDR_SCAN_MORE)
		s->rc = HDR_SCAN_DONE;
	return s->rc;
}

void msg_split(const char *msg, size_t len, struct msg_split *out)
{
	struct hdr_scan s;
	hdr_scan_init(&s, len);
	size_t used;
	enum hdr_scan_rc rc = hdr_scan_feed(&s, msg, len, &used);
	out->has_blank = rc == HDR_SCAN_DONE;
	out->hdr_len = s.hdr_len;
	out->body_off = s.hdr_len;
}
