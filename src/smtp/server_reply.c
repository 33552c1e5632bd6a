/* Reply formatting for the SMTP server engine: every octet the engine
 * sends is built here, so the line format and the sanitising of text the
 * glue supplies live in one place. */
#include <stdarg.h>
#include <stdio.h>

#include "smtp/server_int.h"

/* Text must stay on one line: CR, LF and other controls would let a
 * caller-supplied string inject a reply of its own. */
static void add_clean(struct buf *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		buf_addch(out, c < 32 || c == 127 ? ' ' : (char)c);
	}
}

static void reply_line(struct smtp_server *s, int code, char sep,
    const char *enh, const char *text)
{
	buf_printf(&s->out, "%03d%c", code, sep);
	if (enh != NULL)
		buf_printf(&s->out, "%s ", enh);
	add_clean(&s->out, text);
	buf_add(&s->out, "\r\n", 2);
}

void srv_reply(struct smtp_server *s, int code, const char *enh,
    const char *fmt, ...)
{
	struct buf text = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	reply_line(s, code, ' ', enh, buf_cstr(&text));
	buf_free(&text);
}

void srv_error(struct smtp_server *s, int code, const char *enh,
    const char *text)
{
	srv_reply(s, code, enh, "%s", text);
	srv_count_error(s);
}

void srv_count_error(struct smtp_server *s)
{
	if (++s->errors < s->max_errors)
		return;
	srv_reply(s, 421, "4.7.0", "%s Error: too many errors", s->hostname);
	srv_close(s, SMTP_CLOSE_ERRORS, "too many errors");
}

bool srv_auth_offered(const struct smtp_server *s)
{
	return (s->flags & SMTP_SRV_AUTH) && s->tls && s->auth_user == NULL;
}

void srv_reply_ehlo(struct smtp_server *s)
{
	char size[32];
	const char *ext[10];
	int n = 0;
	snprintf(size, sizeof(size), "SIZE %llu",
	    (unsigned long long)s->max_size);
	ext[n++] = "PIPELINING";
	ext[n++] = size;
	ext[n++] = "8BITMIME";
	ext[n++] = "SMTPUTF8";
	ext[n++] = "ENHANCEDSTATUSCODES";
	ext[n++] = "CHUNKING";
	if ((s->flags & SMTP_SRV_TLS_AVAILABLE) && !s->tls)
		ext[n++] = "STARTTLS";
	if (srv_auth_offered(s))
		ext[n++] = "AUTH PLAIN LOGIN";
	reply_line(s, 250, '-', NULL, s->hostname);
	for (int i = 0; i < n; i++)
		reply_line(s, 250, i + 1 < n ? '-' : ' ', NULL, ext[i]);
}

void srv_reply_help(struct smtp_server *s)
{
	srv_reply(s, 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT "
	    "RSET NOOP HELP QUIT VRFY STARTTLS AUTH");
}

/* The glue's answer to a verdict event; codes outside 200..599 become a
 * temporary failure rather than something a client cannot parse. */
void srv_reply_verdict(struct smtp_server *s, int code, const char *enh,
    const char *text)
{
	char def[8];
	if (code < 200 || code > 599)
		code = 451, enh = "4.3.0", text = "Temporary local problem";
	if (enh == NULL) {
		snprintf(def, sizeof(def), "%d.0.0", code / 100);
		enh = def;
	}
	if (text == NULL)
		text = code < 300 ? "Ok" : "Refused";
	reply_line(s, code, ' ', enh, text);
}
