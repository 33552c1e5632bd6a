/* SMTP client engine core: life cycle, the event queue, the output
 * buffer, dispatching replies by phase and ending the session. The
 * handshake is in client_hello.c, transactions in client_txn.c, bodies in
 * client_body.c, reply parsing and texts in client_reply.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "smtp/client_int.h"

#define DEF_MAX_LINE  512
#define DEF_MAX_LINES 100
#define MIN_MAX_LINE  8

struct smtp_client *smtp_client_new(const struct smtp_client_params *p)
{
	struct smtp_client *c = xcalloc(1, sizeof(*c));
	c->helo_name = xstrdup(p->helo_name != NULL ? p->helo_name : "localhost");
	c->peer = xstrdup(p->peer != NULL ? p->peer : "the remote host");
	if (p->auth_user != NULL && p->auth_pass != NULL) {
		c->auth_user = xstrdup(p->auth_user);
		c->auth_pass = xstrdup(p->auth_pass);
	}
	c->max_line = p->max_reply_line ? p->max_reply_line : DEF_MAX_LINE;
	if (c->max_line < MIN_MAX_LINE)
		c->max_line = MIN_MAX_LINE;
	c->max_lines = p->max_reply_lines ? p->max_reply_lines : DEF_MAX_LINES;
	c->flags = p->flags;
	c->tls = (p->flags & SMTP_CLI_F_TLS_ACTIVE) != 0;
	c->phase = CP_GREETING;
	return c;
}

static void free_secret(char **s)
{
	if (*s != NULL) {
		sodium_memzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void smtp_client_free(struct smtp_client *c)
{
	if (c == NULL)
		return;
	free(c->helo_name);
	free(c->peer);
	free_secret(&c->auth_user);
	free_secret(&c->auth_pass);
	cli_txn_free(c);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->rp.text);
	buf_free(&c->rp.each);
	buf_free(&c->close_reply);
	buf_free(&c->close_text);
	buf_free(&c->chunk);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

void smtp_client_feed(struct smtp_client *c, const void *data, size_t len)
{
	if (c->phase == CP_CLOSED || c->phase == CP_TLS || c->eof)
		return;
	if (c->in_off > 0) {
		buf_consume(&c->in, c->in_off);
		c->in_off = 0;
	}
	buf_add(&c->in, data, len);
}

void smtp_client_eof(struct smtp_client *c)
{
	c->eof = true;
}

void smtp_client_timeout(struct smtp_client *c)
{
	c->timed_out = true;
}

struct smtp_cevent *cli_push(struct smtp_client *c, enum smtp_cevent_type t)
{
	if (c->evq_len == CLI_EVQ)
		abort();   /* a step never queues more than CLI_EVQ events */
	struct smtp_cevent *ev = &c->evq[(c->evq_head + c->evq_len++) % CLI_EVQ];
	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	return ev;
}

bool cli_command(struct smtp_client *c, const char *fmt, ...)
{
	if (cli_avail(c) > 0) {
		/* nothing can answer a command not yet sent */
		cli_protocol_error(c, "server sent data ahead of our command");
		return false;
	}
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	buf_add(&c->out, "\r\n", 2);
	return true;
}

void cli_ready(struct smtp_client *c)
{
	c->phase = CP_READY;
	cli_push(c, SMTP_CEV_READY);
}

static void set_close_result(struct smtp_client *c, int code, const char *enh,
    const char *reply, const char *text)
{
	buf_set(&c->close_reply, reply != NULL ? reply : "");
	buf_set(&c->close_text, text);
	struct smtp_client_result *r = &c->close_res;
	memset(r, 0, sizeof(*r));
	r->code = code;
	r->remote = reply != NULL;
	memcpy(r->enhanced, enh, strnlen(enh, sizeof(r->enhanced) - 1));
	r->reply = buf_cstr(&c->close_reply);
	r->text = buf_cstr(&c->close_text);
}

void cli_fail(struct smtp_client *c, enum smtp_cli_close why, bool quit,
    int code, const char *enh, const char *reply, const char *text)
{
	if (c->phase == CP_CLOSED)
		return;
	if (c->in_msg)
		cli_txn_finish_all(c, code, enh, reply, text);
	if (quit)
		buf_add(&c->out, "QUIT\r\n", 6);
	set_close_result(c, code, enh, reply, text);
	c->phase = CP_CLOSED;
	c->in_off = c->in.len;
	struct smtp_cevent *ev = cli_push(c, SMTP_CEV_CLOSED);
	ev->reason = why;
	ev->result = &c->close_res;
}

void cli_protocol_error(struct smtp_client *c, const char *fmt, ...)
{
	struct buf what = BUF_INIT, text = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&what, fmt, ap);
	va_end(ap);
	buf_printf(&text, "protocol error with %s while %s: %s", c->peer,
	    cli_stage_while(cli_stage_now(c)), buf_cstr(&what));
	cli_fail(c, SMTP_CLI_PROTOCOL, false, 451, "4.5.0", NULL,
	    buf_cstr(&text));
	buf_free(&what);
	buf_free(&text);
}

void cli_fail_reply(struct smtp_client *c, enum smtp_cli_close why,
    bool quit, const char *what)
{
	struct buf reply = BUF_INIT, text = BUF_INIT;
	char enh[16];
	cli_reply_line(c, &reply);
	cli_reply_enh(c, enh, sizeof(enh));
	if (what != NULL)
		buf_printf(&text, "%s: %s", what, buf_cstr(&reply));
	else
		cli_said(c, cli_stage_now(c), &text);
	cli_fail(c, why, quit, c->rp.code, enh, buf_cstr(&reply),
	    buf_cstr(&text));
	buf_free(&reply);
	buf_free(&text);
}

/* A connection lost or timed out: 4.4.2, as Postfix reports it. */
static void fail_connection(struct smtp_client *c)
{
	struct buf text = BUF_INIT;
	enum cli_stage st = cli_stage_now(c);
	if (c->timed_out)
		buf_printf(&text, "conversation with %s timed out while %s",
		    c->peer, cli_stage_while(st));
	else
		buf_printf(&text, "lost connection with %s while %s",
		    c->peer, cli_stage_while(st));
	cli_fail(c, c->timed_out ? SMTP_CLI_TIMEOUT : SMTP_CLI_LOST, false,
	    421, "4.4.2", NULL, buf_cstr(&text));
	buf_free(&text);
}

static void quit_closed(struct smtp_client *c)
{
	struct buf text = BUF_INIT;
	buf_printf(&text, "QUIT sent to %s", c->peer);
	cli_fail(c, SMTP_CLI_QUIT, false, 221, "2.0.0", NULL, buf_cstr(&text));
	buf_free(&text);
}

static void unexpected_reply(struct smtp_client *c)
{
	struct buf reply = BUF_INIT;
	cli_reply_line(c, &reply);
	cli_protocol_error(c, "unexpected reply \"%s\"", buf_cstr(&reply));
	buf_free(&reply);
}

static void dispatch(struct smtp_client *c)
{
	/* 421 anywhere but the greeting: the server is closing */
	if (c->rp.code == 421 && c->phase != CP_GREETING &&
	    c->phase != CP_QUIT) {
		cli_fail_reply(c, SMTP_CLI_SERVICE, false, NULL);
		return;
	}
	switch (c->phase) {
	case CP_GREETING:
	case CP_EHLO:
	case CP_HELO:
	case CP_STARTTLS:
	case CP_AUTH:
	case CP_RSET:
		cli_hello_reply(c);
		break;
	case CP_TXN:
		cli_txn_reply(c);
		break;
	case CP_BODY:
		cli_body_reply(c);
		break;
	case CP_DATA_END:
		cli_data_end_reply(c);
		break;
	case CP_QUIT:
		quit_closed(c);
		break;
	case CP_READY:
		unexpected_reply(c);
		break;
	case CP_TLS:
	case CP_CLOSED:
		break;
	}
}

static void connection_ended(struct smtp_client *c)
{
	if (c->phase == CP_QUIT)
		quit_closed(c);
	else
		fail_connection(c);
}

/* One reply, or the end of the connection; false when waiting. */
static bool step(struct smtp_client *c)
{
	if (c->phase == CP_CLOSED)
		return false;
	if (c->timed_out || (c->phase == CP_TLS && c->eof)) {
		connection_ended(c);
		return true;
	}
	if (c->phase == CP_TLS)
		return false;   /* the glue is doing the handshake */
	switch (cli_read_reply(c)) {
	case RD_DONE:
		dispatch(c);
		return true;
	case RD_ERROR:
		return true;
	case RD_MORE:
		break;
	}
	if (!c->eof)
		return false;
	connection_ended(c);
	return true;
}

bool smtp_client_next_event(struct smtp_client *c, struct smtp_cevent *ev)
{
	for (;;) {
		if (c->evq_len > 0) {
			*ev = c->evq[c->evq_head];
			c->evq_head = (c->evq_head + 1) % CLI_EVQ;
			c->evq_len--;
			return true;
		}
		if (!step(c))
			return false;
	}
}

bool smtp_client_quit(struct smtp_client *c)
{
	if (c->phase != CP_READY || c->evq_len > 0)
		return false;
	cli_txn_free(c);
	if (cli_command(c, "QUIT"))
		c->phase = CP_QUIT;
	return true;
}

const char *smtp_client_output(const struct smtp_client *c, size_t *len)
{
	*len = c->out.len;
	return c->out.data != NULL ? c->out.data : "";
}

void smtp_client_output_consume(struct smtp_client *c, size_t n)
{
	size_t old = c->out.len;
	buf_consume(&c->out, n);
	/* the moved-out tail may hold AUTH credentials: wipe it */
	if (c->out.data != NULL && old > c->out.len)
		sodium_memzero(c->out.data + c->out.len, old - c->out.len);
}

void smtp_client_tls_started(struct smtp_client *c)
{
	if (c->phase != CP_TLS)
		return;
	c->tls = true;
	buf_reset(&c->in);
	c->in_off = 0;
	cli_send_ehlo(c);
}

bool smtp_client_tls_active(const struct smtp_client *c)
{
	return c->tls;
}

bool smtp_client_closed(const struct smtp_client *c)
{
	return c->phase == CP_CLOSED;
}

const struct smtp_client_ext *smtp_client_extensions(const struct smtp_client *c)
{
	return &c->ext;
}
