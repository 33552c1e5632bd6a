/* Message bodies: DATA (dot-stuffed, ends only at CRLF.CRLF) and BDAT
 * chunks (counted octets). Both are streamed to the glue as BODY events
 * and never held whole.
 *
 * SMTP smuggling: only <CR><LF>.<CR><LF> ends DATA. A bare LF or bare CR
 * inside DATA means client and server may disagree on where the message
 * ends, so, like Postfix's smtpd_forbid_bare_newline = reject, the
 * message is refused with 521 and the session closed at once: nothing
 * after it can be read as a command. In BDAT the chunk length fixes the
 * boundary, so bare line ends only refuse the message. */
#include <string.h>

#include "smtp/server_int.h"

enum scan_result { SCAN_MORE, SCAN_END, SCAN_BARE_LF, SCAN_BARE_CR };

void srv_message_start(struct smtp_server *s)
{
	s->body_started = true;
	s->msg_size = 0;
	s->fault = MF_NONE;
	s->scan = SC_BOL;
	s->line_len = 0;
	srv_push(s, SMTP_EV_DATA);
}

static const char *fault_text(enum msg_fault f)
{
	switch (f) {
	case MF_TOO_BIG:   return "message too big";
	case MF_LONG_LINE: return "line too long";
	case MF_NUL:       return "NUL in message";
	case MF_BARE:      return "bare CR or LF in message";
	case MF_NONE:      break;
	}
	return "";
}

/* The message is void from here on: the glue drops what it has. */
static void set_fault(struct smtp_server *s, enum msg_fault f)
{
	if (s->fault != MF_NONE)
		return;
	s->fault = f;
	buf_reset(&s->body);
	srv_push(s, SMTP_EV_RESET)->text = fault_text(f);
}

static void fault_reply(struct smtp_server *s)
{
	switch (s->fault) {
	case MF_TOO_BIG:
		srv_reply(s, 552, "5.3.4", "Message size exceeds fixed "
		    "maximum message size");
		break;
	case MF_LONG_LINE:
		srv_reply(s, 554, "5.6.0", "Message line longer than %zu "
		    "octets", s->max_text);
		break;
	case MF_NUL:
		srv_reply(s, 554, "5.6.0", "NUL octet in message");
		break;
	case MF_BARE:
		srv_reply(s, 554, "5.6.0", "Bare <CR> or <LF> in message");
		break;
	case MF_NONE:
		break;
	}
}

static void emit(struct smtp_server *s, char c)
{
	if (s->fault != MF_NONE)
		return;
	if (s->msg_size >= s->max_size) {
		set_fault(s, MF_TOO_BIG);
		return;
	}
	s->msg_size++;
	buf_addch(&s->body, c);
}

/* A text octet (not CR or LF) inside a line. */
static void text_octet(struct smtp_server *s, unsigned char c)
{
	if (c == '\0')
		set_fault(s, MF_NUL);
	if (++s->line_len > s->max_text - 2)
		set_fault(s, MF_LONG_LINE);
	s->scan = SC_MID;
	emit(s, (char)c);
}

/* RFC 5321 4.5.2: a leading dot is removed; a dot alone ends DATA. */
static enum scan_result data_octet(struct smtp_server *s, unsigned char c)
{
	switch (s->scan) {
	case SC_DOT:
		if (c == '\r') {
			s->scan = SC_DOTCR;
			return SCAN_MORE;
		}
		s->line_len = 1;
		break;
	case SC_DOTCR:
		return c == '\n' ? SCAN_END : SCAN_BARE_CR;
	case SC_CR:
		if (c != '\n')
			return SCAN_BARE_CR;
		emit(s, '\n');
		s->scan = SC_BOL;
		s->line_len = 0;
		return SCAN_MORE;
	case SC_BOL:
		if (c == '.') {
			s->scan = SC_DOT;
			return SCAN_MORE;
		}
		break;
	case SC_MID:
		break;
	}
	if (c == '\n')
		return SCAN_BARE_LF;
	if (c == '\r') {
		s->scan = SC_CR;
		emit(s, '\r');
		return SCAN_MORE;
	}
	text_octet(s, c);
	return SCAN_MORE;
}

/* BDAT octets are taken as sent; only line ends and lengths are checked. */
static void bdat_octet(struct smtp_server *s, unsigned char c)
{
	if (s->scan == SC_CR) {
		if (c != '\n')
			set_fault(s, MF_BARE);
		s->scan = SC_BOL;
		s->line_len = 0;
		emit(s, (char)c);
		return;
	}
	if (c == '\n')
		set_fault(s, MF_BARE);
	if (c == '\r') {
		s->scan = SC_CR;
		emit(s, '\r');
		return;
	}
	text_octet(s, c);
}

static void push_body(struct smtp_server *s)
{
	if (s->body.len == 0 || s->fault != MF_NONE)
		return;
	struct smtp_event *ev = srv_push(s, SMTP_EV_BODY);
	ev->data = s->body.data;
	ev->len = s->body.len;
}

/* The whole message is in: refuse it, or ask the glue for a verdict. */
static void message_end(struct smtp_server *s)
{
	s->phase = PH_CMD;
	if (s->fault != MF_NONE) {
		fault_reply(s);
		srv_reset_txn(s, NULL);
		return;
	}
	s->wait = W_DATA_END;
	srv_push(s, SMTP_EV_DATA_END)->size = s->msg_size;
}

static bool data_step(struct smtp_server *s)
{
	const unsigned char *p = (const unsigned char *)s->in.data + s->in_off;
	size_t avail = s->in.len - s->in_off, i = 0;
	enum scan_result r = SCAN_MORE;
	if (avail == 0)
		return false;
	buf_reset(&s->body);
	buf_reserve(&s->body, avail);
	while (i < avail && r == SCAN_MORE)
		r = data_octet(s, p[i++]);
	s->in_off += i;
	push_body(s);
	if (r == SCAN_END) {
		message_end(s);
	} else if (r != SCAN_MORE) {
		srv_reply(s, 521, "5.5.2", "%s Error: bare <%s> received",
		    s->hostname, r == SCAN_BARE_LF ? "LF" : "CR");
		srv_close(s, SMTP_CLOSE_PROTOCOL, "bare CR or LF in DATA");
	}
	return true;
}

static void bdat_chunk_end(struct smtp_server *s)
{
	s->phase = PH_CMD;
	if (s->bdat_refusal != NULL) {
		srv_error(s, s->bdat_code, "5.5.1", s->bdat_refusal);
		s->bdat_refusal = NULL;
	} else if (!s->bdat_last && s->fault == MF_NONE) {
		srv_reply(s, 250, "2.0.0", "%llu octets received",
		    (unsigned long long)s->bdat_size);
	} else {
		if (s->bdat_last && s->scan == SC_CR)
			set_fault(s, MF_BARE);
		message_end(s);
	}
}

static bool bdat_step(struct smtp_server *s)
{
	const unsigned char *p = (const unsigned char *)s->in.data + s->in_off;
	size_t avail = s->in.len - s->in_off;
	size_t n = avail < s->bdat_left ? avail : (size_t)s->bdat_left;
	if (n == 0 && s->bdat_left > 0)
		return false;
	buf_reset(&s->body);
	if (s->bdat_refusal == NULL) {
		buf_reserve(&s->body, n + 2);
		for (size_t i = 0; i < n; i++)
			bdat_octet(s, p[i]);
	}
	s->in_off += n;
	s->bdat_left -= n;
	/* a last line without CRLF gets one: stored messages end in CRLF */
	if (s->bdat_left == 0 && s->bdat_last && s->bdat_refusal == NULL &&
	    s->scan == SC_MID) {
		emit(s, '\r');
		emit(s, '\n');
		s->scan = SC_BOL;
	}
	push_body(s);
	if (s->bdat_left == 0)
		bdat_chunk_end(s);
	return true;
}

bool srv_body_step(struct smtp_server *s)
{
	return s->phase == PH_DATA ? data_step(s) : bdat_step(s);
}
