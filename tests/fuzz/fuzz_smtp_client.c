/* Fuzzes the SMTP client engine with arbitrary server bytes through a
 * whole session: STARTTLS, AUTH, up to three messages with bodies (DATA
 * or BDAT), QUIT.
 * Input: 2 octets of settings, then the server's turns separated by 0xfe
 * (each turn is fed, then every event handled, as the glue does).
 * Invariants: one DONE per message sent with a sane result for every
 * recipient, printable texts, nothing after CLOSED, no AUTH in the clear,
 * and always CLOSED after EOF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/client.h"

static const char *const rcpts[] = { "bob@mx.test", "b\xc3\xb6@mx.test", "c@x" };
static const struct smtp_client_msg msgs[] = {
	{ "alice@client.test", rcpts, 3, 100, false, false },
	{ "", rcpts, 1, 5000, true, false },
	{ "alice@client.test", rcpts + 2, 1, 0, false, true },
};
static const char body[] = "Subject: x\r\n\r\n.dot\r\nline\nlast";

struct state {
	struct smtp_client *c;
	unsigned knobs;
	size_t next;           /* messages sent */
	bool in_msg, closed;
};

static void check_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || (unsigned char)*s > 126)
			abort();
}

static void check_result(const struct smtp_client_result *r)
{
	if (r->code < 200 || r->code > 599 ||
	    r->enhanced[0] != (char)('0' + r->code / 100))
		abort();
	check_text(r->reply);
	check_text(r->text);
}

static void feed_body(struct state *st)
{
	size_t piece = (st->knobs >> 8 & 7) + 1;
	for (size_t i = 0; i < sizeof(body) - 1; i += piece) {
		size_t n = sizeof(body) - 1 - i;
		if (!smtp_client_body(st->c, body + i, n < piece ? n : piece))
			abort();
	}
	if (!smtp_client_body_end(st->c))
		abort();
}

static void on_ready(struct state *st)
{
	if (st->in_msg)
		abort();
	if (st->next < sizeof(msgs) / sizeof(msgs[0])) {
		if (!smtp_client_send(st->c, &msgs[st->next++]))
			abort();
		st->in_msg = true;
	} else if (!smtp_client_quit(st->c)) {
		abort();
	}
}

static void handle(struct state *st, const struct smtp_cevent *ev)
{
	if (st->closed)
		abort();
	switch (ev->type) {
	case SMTP_CEV_STARTTLS:
		smtp_client_tls_started(st->c);
		break;
	case SMTP_CEV_READY:
		on_ready(st);
		break;
	case SMTP_CEV_BODY:
		feed_body(st);
		break;
	case SMTP_CEV_DONE:
		if (!st->in_msg || ev->nrcpts != msgs[st->next - 1].nrcpts)
			abort();
		for (size_t i = 0; i < ev->nrcpts; i++)
			check_result(&ev->rcpts[i]);
		st->in_msg = false;
		break;
	case SMTP_CEV_CLOSED:
		if (st->in_msg)
			abort();
		check_result(ev->result);
		st->closed = true;
		break;
	case SMTP_CEV_NONE:
		abort();
	}
}

static void pump(struct state *st)
{
	struct smtp_cevent ev;
	while (smtp_client_next_event(st->c, &ev))
		handle(st, &ev);
	size_t n;
	const char *o = smtp_client_output(st->c, &n);
	if (!smtp_client_tls_active(st->c) && memmem(o, n, "AUTH", 4) != NULL)
		abort();
	smtp_client_output_consume(st->c, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct smtp_client_params p = { 0 };
	p.helo_name = "client.test";
	p.peer = "mx.test[192.0.2.1]";
	p.flags = (data[0] & 0x0f) | (data[1] & 2 ? SMTP_CLI_F_CHUNKING : 0);
	if (data[0] & 0x10) {
		p.auth_user = "user";
		p.auth_pass = "secret";
	}
	p.max_reply_line = data[0] & 0x20 ? 64 : 0;
	p.max_reply_lines = data[0] & 0x40 ? 3 : 0;
	struct state st = { smtp_client_new(&p), (unsigned)data[0] << 8 | data[1],
	    0, false, false };
	const uint8_t *in = data + 2, *end = data + size;
	while (in < end) {
		const uint8_t *sep = memchr(in, 0xfe, (size_t)(end - in));
		size_t n = sep != NULL ? (size_t)(sep - in) : (size_t)(end - in);
		smtp_client_feed(st.c, in, n);
		pump(&st);
		in += n + (sep != NULL);
	}
	if (data[1] & 1)
		smtp_client_timeout(st.c);
	else
		smtp_client_eof(st.c);
	pump(&st);
	if (!st.closed)
		abort();
	smtp_client_free(st.c);
	return 0;
}
