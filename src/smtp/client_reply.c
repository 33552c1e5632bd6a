/* Reading server replies (RFC 5321 4.2, RFC 3463 enhanced codes) and the
 * texts made from them. A reply is one or more lines "ddd-text", the
 * last "ddd text" (or bare "ddd"), all with the same code. Lines may end
 * in LF alone (as Postfix accepts); everything else that is off is a
 * protocol error, because a client that guesses at a reply may take a
 * refusal for an acceptance. */
#include <stdio.h>
#include <string.h>

#include "smtp/client_int.h"

/* Reply text goes into logs, DSNs and bounce bodies: one line of
 * printable ASCII. */
static void add_sanitised(struct buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch < 32 || ch == 127)
			ch = ' ';
		else if (ch >= 128)
			ch = '?';
		buf_addch(out, (char)ch);
	}
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* 1 to 3 digits at p; returns how many, 0 if none or too many. */
static size_t digits(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && is_digit(p[i]))
		i++;
	return i <= 3 ? i : 0;
}

/* RFC 3463: class "." subject "." detail, then SP or the end; the class
 * must agree with the reply code. Returns its length, 0 if absent. */
static size_t enhanced_len(const char *p, size_t n, int code)
{
	if (n < 5 || p[0] != (char)('0' + code / 100) || p[1] != '.')
		return 0;
	size_t i = 2, d = digits(p + i, n - i);
	if (d == 0 || i + d >= n || p[i + d] != '.')
		return 0;
	i += d + 1;
	d = digits(p + i, n - i);
	if (d == 0)
		return 0;
	i += d;
	return i == n || p[i] == ' ' ? i : 0;
}

static bool valid_code(const char *p)
{
	return p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '5' &&
	    is_digit(p[2]);
}

static void start_reply(struct cli_reply *r)
{
	r->code = 0;
	r->lines = 0;
	r->done = false;
	r->enh[0] = '\0';
	buf_reset(&r->text);
	buf_reset(&r->each);
}

/* The text part of one line (after "ddd-"); n octets. */
static void add_text(struct cli_reply *r, const char *p, size_t n)
{
	size_t e = enhanced_len(p, n, r->code);
	if (r->lines == 1 && e > 0 && e < sizeof(r->enh)) {
		memcpy(r->enh, p, e);
		r->enh[e] = '\0';
	}
	/* continuation lines repeat the code; keep the text only */
	if (e > 0 && strlen(r->enh) == e && memcmp(p, r->enh, e) == 0) {
		p += e;
		n -= e;
		while (n > 0 && *p == ' ')
			p++, n--;
	}
	if (n == 0)
		return;
	if (r->text.len > 0)
		buf_addch(&r->text, ' ');
	add_sanitised(&r->text, p, n);
}

/* One line without its line end; false after failing the session. */
static bool reply_line_in(struct smtp_client *c, const char *p, size_t n)
{
	struct cli_reply *r = &c->rp;
	if (n < 3 || !valid_code(p) || (n > 3 && p[3] != ' ' && p[3] != '-')) {
		struct buf shown = BUF_INIT;
		add_sanitised(&shown, p, n < 40 ? n : 40);
		cli_protocol_error(c, "malformed reply line \"%s\"",
		    buf_cstr(&shown));
		buf_free(&shown);
		return false;
	}
	int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	if (r->lines > 0 && code != r->code) {
		cli_protocol_error(c, "reply lines with codes %d and %d",
		    r->code, code);
		return false;
	}
	if (++r->lines > c->max_lines) {
		cli_protocol_error(c, "reply of more than %u lines",
		    c->max_lines);
		return false;
	}
	r->code = code;
	if (r->lines > 1)
		buf_addch(&r->each, '\n');
	if (n > 4) {
		add_sanitised(&r->each, p + 4, n - 4);
		add_text(r, p + 4, n - 4);
	}
	r->done = n == 3 || p[3] == ' ';
	return true;
}

enum cli_read cli_read_reply(struct smtp_client *c)
{
	if (c->rp.done)
		start_reply(&c->rp);
	for (;;) {
		const char *p = cli_in(c);
		size_t avail = cli_avail(c);
		size_t look = avail < c->max_line ? avail : c->max_line;
		const char *lf = memchr(p, '\n', look);
		if (lf == NULL) {
			if (avail < c->max_line)
				return RD_MORE;
			cli_protocol_error(c, "reply line longer than %zu "
			    "octets", c->max_line);
			return RD_ERROR;
		}
		size_t n = (size_t)(lf - p);
		c->in_off += n + 1;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (!reply_line_in(c, p, n))
			return RD_ERROR;
		if (c->rp.done)
			return RD_DONE;
	}
}

void cli_reply_enh(const struct smtp_client *c, char *dst, size_t dstsz)
{
	if (c->rp.enh[0] != '\0')
		snprintf(dst, dstsz, "%s", c->rp.enh);
	else
		snprintf(dst, dstsz, "%d.0.0", c->rp.code / 100);
}

void cli_reply_line(const struct smtp_client *c, struct buf *out)
{
	buf_printf(out, "%d", c->rp.code);
	if (c->rp.enh[0] != '\0')
		buf_printf(out, " %s", c->rp.enh);
	if (c->rp.text.len > 0)
		buf_printf(out, " %s", c->rp.text.data);
}

static const char *stage_command(enum cli_stage st)
{
	switch (st) {
	case ST_EHLO:      return "EHLO";
	case ST_HELO:      return "HELO";
	case ST_STARTTLS:  return "STARTTLS";
	case ST_TLS:       return NULL;
	case ST_AUTH:      return "AUTH";
	case ST_MAIL:      return "MAIL FROM";
	case ST_RCPT:      return "RCPT TO";
	case ST_DATA:      return "DATA";
	case ST_BODY:
	case ST_DATA_END:  return "end of DATA";
	case ST_BDAT:      return "BDAT";
	case ST_RSET:      return "RSET";
	case ST_QUIT:      return "QUIT";
	case ST_GREETING:
	case ST_IDLE:      break;
	}
	return NULL;
}

void cli_said(const struct smtp_client *c, enum cli_stage st, struct buf *out)
{
	buf_printf(out, "host %s said: ", c->peer);
	cli_reply_line(c, out);
	const char *cmd = stage_command(st);
	if (cmd != NULL)
		buf_printf(out, " (in reply to %s command)", cmd);
}

const char *cli_stage_while(enum cli_stage st)
{
	switch (st) {
	case ST_GREETING:  return "receiving the initial server greeting";
	case ST_EHLO:      return "performing the EHLO handshake";
	case ST_HELO:      return "performing the HELO handshake";
	case ST_STARTTLS:  return "sending STARTTLS";
	case ST_TLS:       return "performing the TLS handshake";
	case ST_AUTH:      return "performing authentication";
	case ST_MAIL:      return "sending MAIL FROM";
	case ST_RCPT:      return "sending RCPT TO";
	case ST_DATA:      return "sending DATA command";
	case ST_BODY:      return "sending message body";
	case ST_DATA_END:  return "sending end of data -- message may be "
	                          "sent more than once";
	case ST_BDAT:      return "sending BDAT";
	case ST_RSET:      return "sending RSET";
	case ST_QUIT:      return "sending QUIT";
	case ST_IDLE:      return "idle";
	}
	return "talking";
}

enum cli_stage cli_stage_now(const struct smtp_client *c)
{
	switch (c->phase) {
	case CP_GREETING:  return ST_GREETING;
	case CP_EHLO:      return ST_EHLO;
	case CP_HELO:      return ST_HELO;
	case CP_STARTTLS:  return ST_STARTTLS;
	case CP_TLS:       return ST_TLS;
	case CP_AUTH:      return ST_AUTH;
	case CP_READY:     return ST_IDLE;
	case CP_TXN:
		if (c->answered == 0)
			return ST_MAIL;
		return c->answered <= c->norder ? ST_RCPT : ST_DATA;
	case CP_BODY:      return ST_BODY;
	case CP_DATA_END:  return ST_DATA_END;
	case CP_RSET:      return ST_RSET;
	case CP_QUIT:
	case CP_CLOSED:    break;
	}
	return ST_QUIT;
}

unsigned smtp_client_wait_seconds(const struct smtp_client *c)
{
	if (c->phase == CP_READY || c->phase == CP_TLS || c->phase == CP_CLOSED)
		return 0;
	switch (cli_stage_now(c)) {
	case ST_DATA:      return 120;
	case ST_BODY:
	case ST_BDAT:      return 180;
	case ST_DATA_END:  return 600;
	case ST_RSET:
	case ST_QUIT:      return 20;
	default:           return 300;
	}
}
