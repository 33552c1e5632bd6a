/* SMTP server engine core: life cycle, input framing into command lines,
 * the event queue, verdicts and the output buffer. Commands are in
 * server_cmd.c, message bodies in server_body.c, AUTH in server_auth.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "smtp/server_int.h"

#define DEF_MAX_SIZE   (100ULL * 1024 * 1024)
#define DEF_MAX_RCPTS  100
#define DEF_MAX_CMD    512
#define DEF_MAX_TEXT   1000
#define DEF_MAX_AUTH   12288
#define DEF_MAX_ERRORS 20
#define DEF_MAX_INPUT  (64 * 1024)

#define OR_DEFAULT(v, d) ((v) ? (v) : (d))

struct smtp_server *smtp_server_new(const struct smtp_server_params *p)
{
	struct smtp_server *s = xcalloc(1, sizeof(*s));
	s->hostname = xstrdup(p->hostname != NULL ? p->hostname : "localhost");
	s->greeting = xstrdup(p->greeting != NULL ? p->greeting : "ESMTP");
	s->max_size = OR_DEFAULT(p->max_message_size, DEF_MAX_SIZE);
	s->max_rcpts = OR_DEFAULT(p->max_recipients, DEF_MAX_RCPTS);
	s->max_cmd = OR_DEFAULT(p->max_command_line, DEF_MAX_CMD);
	s->max_text = OR_DEFAULT(p->max_text_line, DEF_MAX_TEXT);
	s->max_auth = OR_DEFAULT(p->max_auth_line, DEF_MAX_AUTH);
	s->max_errors = OR_DEFAULT(p->max_errors, DEF_MAX_ERRORS);
	s->max_input = OR_DEFAULT(p->max_input, DEF_MAX_INPUT);
	s->flags = p->flags;
	s->tls = (p->flags & SMTP_SRV_TLS_ACTIVE) != 0;
	/* a command line must always fit, or the engine could stall */
	if (s->max_input < s->max_auth + 1)
		s->max_input = s->max_auth + 1;
	srv_reply(s, 220, NULL, "%s %s", s->hostname, s->greeting);
	return s;
}

void smtp_server_free(struct smtp_server *s)
{
	if (s == NULL)
		return;
	free(s->hostname);
	free(s->greeting);
	free(s->helo_name);
	free(s->auth_user);
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->line);
	buf_free(&s->body);
	buf_free(&s->auth_id);
	buf_free(&s->auth_secret);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

size_t smtp_server_feed(struct smtp_server *s, const void *data, size_t len)
{
	if (s->phase == PH_CLOSED || s->phase == PH_TLS)
		return len;   /* plaintext after STARTTLS is never used */
	if (s->in_off > 0) {
		buf_consume(&s->in, s->in_off);
		s->in_off = 0;
	}
	size_t room = s->in.len < s->max_input ? s->max_input - s->in.len : 0;
	size_t n = len < room ? len : room;
	buf_add(&s->in, data, n);
	return n;
}

struct smtp_event *srv_push(struct smtp_server *s, enum smtp_event_type t)
{
	if (s->evq_len == SRV_EVQ)
		abort();   /* a step never queues more than SRV_EVQ events */
	struct smtp_event *ev = &s->evq[(s->evq_head + s->evq_len++) % SRV_EVQ];
	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	return ev;
}

void srv_reset_txn(struct smtp_server *s, const char *why)
{
	if (why != NULL && (s->in_mail || s->body_started))
		srv_push(s, SMTP_EV_RESET)->text = why;
	s->in_mail = s->smtputf8 = s->body_started = false;
	s->rcpts = 0;
	s->msg_size = 0;
	s->fault = MF_NONE;
}

void srv_close(struct smtp_server *s, enum smtp_close_reason why,
    const char *text)
{
	if (s->phase == PH_CLOSED)
		return;
	srv_reset_txn(s, text);
	srv_auth_wipe(s);
	s->phase = PH_CLOSED;
	s->wait = W_NONE;
	s->in_off = s->in.len;
	struct smtp_event *ev = srv_push(s, SMTP_EV_CLOSE);
	ev->reason = why;
	ev->text = text;
}

/* Longest acceptable line, CRLF included: AUTH lines may carry long
 * base64 (RFC 4954 4), everything else is held to RFC 5321's 512. */
static size_t line_limit(const struct smtp_server *s, const char *p,
    size_t avail)
{
	if (s->phase == PH_AUTH ||
	    (avail >= 5 && strncasecmp(p, "AUTH ", 5) == 0))
		return s->max_auth;
	return s->max_cmd;
}

static void line_dispatch(struct smtp_server *s, const char *p, size_t n)
{
	if (n == 0 || p[n - 1] != '\r') {
		srv_error(s, 500, "5.5.2", "Bare <LF> received, "
		    "lines must end with <CR><LF>");
		return;
	}
	n--;
	if (memchr(p, '\0', n) != NULL || memchr(p, '\r', n) != NULL) {
		srv_error(s, 500, "5.5.2", "Invalid character in command");
		return;
	}
	buf_reset(&s->line);
	buf_add(&s->line, p, n);
	if (s->phase == PH_AUTH)
		srv_auth_line(s, s->line.data);
	else
		srv_command(s, s->line.data);
	sodium_memzero(s->line.data, s->line.len);
}

/* One command line (or one slice of an overlong one); false when more
 * input is needed. */
static bool line_step(struct smtp_server *s)
{
	const char *p = s->in.data + s->in_off;
	size_t avail = s->in.len - s->in_off;
	if (avail == 0)
		return false;
	const char *lf = memchr(p, '\n', avail);
	if (s->skip_line) {
		s->in_off += lf != NULL ? (size_t)(lf - p) + 1 : avail;
		if (lf != NULL) {
			s->skip_line = false;
			srv_error(s, 500, "5.5.2", "Line too long");
		}
		return true;
	}
	size_t limit = line_limit(s, p, avail);
	if (lf == NULL) {
		if (avail < limit)
			return false;
		s->skip_line = true;
		s->in_off += avail;
		return true;
	}
	size_t n = (size_t)(lf - p);
	s->in_off += n + 1;
	if (n + 1 > limit)
		srv_error(s, 500, "5.5.2", "Line too long");
	else
		line_dispatch(s, p, n);
	return true;
}

static bool step(struct smtp_server *s)
{
	switch (s->phase) {
	case PH_CMD:
	case PH_AUTH:
		return line_step(s);
	case PH_DATA:
	case PH_BDAT:
		return srv_body_step(s);
	case PH_TLS:
	case PH_CLOSED:
		break;
	}
	return false;
}

bool smtp_server_next_event(struct smtp_server *s, struct smtp_event *ev)
{
	for (;;) {
		if (s->evq_len > 0) {
			*ev = s->evq[s->evq_head];
			s->evq_head = (s->evq_head + 1) % SRV_EVQ;
			s->evq_len--;
			return true;
		}
		if (s->wait != W_NONE || !step(s))
			return false;
	}
}

bool smtp_server_reply(struct smtp_server *s, int code, const char *enhanced,
    const char *text)
{
	enum srv_wait w = s->wait;
	if (w == W_NONE)
		return false;
	s->wait = W_NONE;
	srv_reply_verdict(s, code, enhanced, text);
	bool ok = code >= 200 && code < 300;
	switch (w) {
	case W_MAIL:
		s->in_mail = ok;
		if (!ok)
			s->smtputf8 = false;
		break;
	case W_RCPT:
		s->rcpts += ok;
		break;
	case W_DATA_END:
		srv_reset_txn(s, NULL);
		break;
	case W_AUTH:
		srv_auth_done(s, code);
		break;
	case W_NONE:
		break;
	}
	return true;
}

const char *smtp_server_output(const struct smtp_server *s, size_t *len)
{
	*len = s->out.len;
	return s->out.data != NULL ? s->out.data : "";
}

void smtp_server_output_consume(struct smtp_server *s, size_t n)
{
	buf_consume(&s->out, n);
}

void smtp_server_tls_started(struct smtp_server *s)
{
	if (s->phase != PH_TLS)
		return;
	s->phase = PH_CMD;
	s->tls = true;
	s->helo = 0;
	free(s->helo_name);
	s->helo_name = NULL;
	srv_reset_txn(s, NULL);
}

void smtp_server_shutdown(struct smtp_server *s, const char *enhanced,
    const char *text)
{
	if (s->phase == PH_CLOSED)
		return;
	srv_reply(s, 421, enhanced != NULL ? enhanced : "4.3.2", "%s %s",
	    s->hostname, text != NULL ? text : "Service shutting down");
	srv_close(s, SMTP_CLOSE_SHUTDOWN, "shutdown");
}

bool smtp_server_waiting(const struct smtp_server *s)
{
	return s->wait != W_NONE;
}

bool smtp_server_closed(const struct smtp_server *s)
{
	return s->phase == PH_CLOSED;
}

bool smtp_server_tls_active(const struct smtp_server *s)
{
	return s->tls;
}

const char *smtp_server_auth_user(const struct smtp_server *s)
{
	return s->auth_user;
}
