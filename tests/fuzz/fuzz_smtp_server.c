/* Fuzzes the SMTP server engine: arbitrary client bytes fed in arbitrary
 * pieces, every verdict answered, output and body invariants checked.
 * Input: 4 octets of settings, then the client's bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/server.h"

struct state {
	const uint8_t *knobs;   /* settings octets, also used for verdicts */
	unsigned turn;
	int last;               /* previous body octet, for bare LF checks */
	bool bare;              /* message had a bare CR or LF */
};

/* Every reply line is "ddd" then ' ' or '-', and ends in CRLF. */
static void check_output(struct smtp_server *s)
{
	size_t n;
	const char *o = smtp_server_output(s, &n);
	size_t i = 0;
	while (i < n) {
		const char *lf = memchr(o + i, '\n', n - i);
		if (lf == NULL || lf == o + i || lf[-1] != '\r')
			abort();
		size_t len = (size_t)(lf - (o + i)) + 1;
		if (len < 6 || o[i] < '2' || o[i] > '5' || (o[i + 3] != ' ' && o[i + 3] != '-'))
			abort();
		if (memchr(o + i, '\r', len - 2) != NULL)
			abort();
		i += len;
	}
	smtp_server_output_consume(s, n);
}

static void body_bytes(struct state *st, const char *d, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)d[i];
		if ((c == '\n') != (st->last == '\r'))
			st->bare = true;
		st->last = c;
	}
}

static int verdict_code(struct state *st)
{
	static const int codes[] = { 250, 250, 550, 451, 235, 535, 999, 250 };
	return codes[(st->knobs[st->turn++ % 4] >> 3) % 8];
}

static void handle(struct smtp_server *s, struct state *st,
    const struct smtp_event *ev)
{
	switch (ev->type) {
	case SMTP_EV_DATA:
		st->last = '\n';
		st->bare = false;
		break;
	case SMTP_EV_BODY:
		body_bytes(st, ev->data, ev->len);
		break;
	case SMTP_EV_DATA_END:
		/* an accepted message always has proper line ends */
		if (st->bare || (ev->size > 0 && st->last != '\n'))
			abort();
		smtp_server_reply(s, verdict_code(st), NULL, "x\r\ny");
		break;
	case SMTP_EV_MAIL:
	case SMTP_EV_RCPT:
		if (ev->path == NULL || strlen(ev->path->mailbox) > 400)
			abort();
		smtp_server_reply(s, verdict_code(st), NULL, NULL);
		break;
	case SMTP_EV_AUTH:
		if (ev->authcid[0] == '\0')
			abort();
		smtp_server_reply(s, verdict_code(st), NULL, NULL);
		break;
	case SMTP_EV_STARTTLS:
		smtp_server_tls_started(s);
		break;
	default:
		break;
	}
}

static void pump(struct smtp_server *s, struct state *st)
{
	struct smtp_event ev;
	while (smtp_server_next_event(s, &ev))
		handle(s, st, &ev);
	check_output(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	struct state st = { data, 0, '\n', false };
	struct smtp_server_params p = { 0 };
	p.hostname = "mx.test";
	p.flags = data[0] & 0x0f;
	p.max_message_size = data[1] & 1 ? 200 : 0;
	p.max_recipients = data[1] & 2 ? 2 : 0;
	p.max_text_line = data[1] & 4 ? 40 : 0;
	p.max_errors = data[1] & 8 ? 3 : 0;
	p.max_input = data[1] & 16 ? 64 : 0;
	size_t chunk = data[2] ? data[2] : size;
	struct smtp_server *s = smtp_server_new(&p);
	data += 4;
	size -= 4;
	while (size > 0) {
		size_t n = size < chunk ? size : chunk;
		size_t took = smtp_server_feed(s, data, n);
		data += took;
		size -= took;
		pump(s, &st);
		if (took == 0 && smtp_server_waiting(s))
			abort();   /* every verdict was answered: must not stall */
	}
	if (data[-1] & 1)
		smtp_server_shutdown(s, NULL, NULL);
	pump(s, &st);
	smtp_server_free(s);
	return 0;
}
