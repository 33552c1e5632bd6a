/* SMTP server protocol engine (RFC 5321 with PIPELINING, SIZE, 8BITMIME,
 * SMTPUTF8, ENHANCEDSTATUSCODES, CHUNKING, STARTTLS and AUTH PLAIN/LOGIN),
 * written "sans I/O": it takes the bytes a client sent and produces the
 * bytes to send back plus events for the glue, and knows nothing of
 * sockets, TLS libraries, processes or databases.
 *
 * Glue loop:
 *   n = smtp_server_feed(s, in, len);   drop n bytes from the socket buffer;
 *                                       n < len: stop reading until the
 *                                       events below have been answered
 *   while (smtp_server_next_event(s, &ev)) handle(ev);
 *   write smtp_server_output(s), then smtp_server_output_consume(s, n)
 * Events marked VERDICT stop the engine (further pipelined input stays
 * buffered) until the glue answers with smtp_server_reply(), possibly
 * much later; then the glue calls smtp_server_next_event() again. */
#ifndef AMB_SMTP_SERVER_H
#define AMB_SMTP_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "smtp/smtp_parse.h"

enum {
	SMTP_SRV_TLS_AVAILABLE = 1 << 0, /* STARTTLS may be offered */
	SMTP_SRV_TLS_ACTIVE    = 1 << 1, /* TLS from the start (port 465) */
	SMTP_SRV_AUTH          = 1 << 2, /* offer AUTH PLAIN LOGIN under TLS */
	SMTP_SRV_AUTH_REQUIRED = 1 << 3, /* MAIL needs AUTH first (587/465) */
};

struct smtp_server_params {
	const char *hostname;          /* required: used in 220/250/421 */
	const char *greeting;          /* after "220 host "; NULL: "ESMTP" */
	uint64_t    max_message_size;  /* 0: 100 MiB */
	unsigned    max_recipients;    /* 0: 100 */
	size_t      max_command_line;  /* with CRLF; 0: 512 */
	size_t      max_text_line;     /* with CRLF; 0: 1000 */
	size_t      max_auth_line;     /* AUTH lines (RFC 4954); 0: 12288 */
	unsigned    max_errors;        /* then 421 and close; 0: 20 */
	size_t      max_input;         /* buffered unprocessed input; 0: 64 KiB */
	unsigned    flags;             /* SMTP_SRV_* */
};

enum smtp_event_type {
	SMTP_EV_NONE,
	SMTP_EV_HELO,      /* information: helo, esmtp */
	SMTP_EV_MAIL,      /* VERDICT: path, size, body, smtputf8, auth_param */
	SMTP_EV_RCPT,      /* VERDICT: path */
	SMTP_EV_DATA,      /* information: a message body starts (DATA or BDAT) */
	SMTP_EV_BODY,      /* information: data, len (unstuffed, CRLF lines) */
	SMTP_EV_DATA_END,  /* VERDICT: whole body seen; size. Reply after sync */
	SMTP_EV_RESET,     /* information: the transaction (sender, recipients,
	                    * body so far) is void; text says why */
	SMTP_EV_STARTTLS,  /* ACTION: flush output, start TLS, then call
	                    * smtp_server_tls_started(); on failure close */
	SMTP_EV_AUTH,      /* VERDICT: mech, authzid, authcid, password;
	                    * 235 marks the session authenticated as authcid */
	SMTP_EV_CLOSE,     /* ACTION: flush output, then close; reason, text */
};

enum smtp_body_type { SMTP_BODY_NONE, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME };

enum smtp_close_reason {
	SMTP_CLOSE_QUIT,       /* client said QUIT, 221 sent */
	SMTP_CLOSE_ERRORS,     /* too many errors, 421 sent */
	SMTP_CLOSE_PROTOCOL,   /* bare LF/CR in DATA, broken BDAT: 5xx sent */
	SMTP_CLOSE_SHUTDOWN,   /* glue called smtp_server_shutdown() */
};

/* Pointers stay valid until the next call into the engine, except that
 * the fields of a VERDICT event stay valid until smtp_server_reply(). */
struct smtp_event {
	enum smtp_event_type type;
	const char *helo;                /* HELO/EHLO argument */
	bool esmtp;                      /* EHLO rather than HELO */
	const struct smtp_addr *path;    /* MAIL reverse-path, RCPT forward-path */
	uint64_t size;                   /* MAIL SIZE= (0 if none); DATA_END size */
	enum smtp_body_type body;        /* MAIL BODY= */
	bool smtputf8;                   /* MAIL SMTPUTF8 */
	const char *auth_param;          /* MAIL AUTH= (xtext-decoded) or NULL */
	const char *data;                /* BODY bytes */
	size_t len;
	const char *mech;                /* "PLAIN" or "LOGIN" */
	const char *authzid, *authcid;   /* authzid "" when not given */
	const char *password;            /* wiped after smtp_server_reply() */
	enum smtp_close_reason reason;   /* CLOSE */
	const char *text;                /* RESET, CLOSE: why (for logging) */
};

struct smtp_server;

struct smtp_server *smtp_server_new(const struct smtp_server_params *p);
void smtp_server_free(struct smtp_server *s);

/* Buffers input; returns how many bytes were taken (fewer than len when
 * the input cap is reached while a verdict is pending). Input after
 * STARTTLS (until smtp_server_tls_started) or after close is discarded. */
size_t smtp_server_feed(struct smtp_server *s, const void *data, size_t len);

/* Processes buffered input until it yields an event (true) or needs more
 * input or a verdict (false). */
bool smtp_server_next_event(struct smtp_server *s, struct smtp_event *ev);

/* Answers the pending VERDICT event. code: 2xx accepts, 4xx/5xx refuses;
 * enhanced ("2.1.0") and text may be NULL for defaults. Returns false if
 * no verdict was pending. */
bool smtp_server_reply(struct smtp_server *s, int code, const char *enhanced,
    const char *text);

/* Bytes to send to the client. */
const char *smtp_server_output(const struct smtp_server *s, size_t *len);
void smtp_server_output_consume(struct smtp_server *s, size_t n);

/* TLS handshake done after SMTP_EV_STARTTLS: the session starts over
 * (RFC 3207: client must send EHLO again). */
void smtp_server_tls_started(struct smtp_server *s);

/* Sends "421 4.x.x host text" (timeout, shutdown) and queues CLOSE. */
void smtp_server_shutdown(struct smtp_server *s, const char *enhanced,
    const char *text);

bool smtp_server_waiting(const struct smtp_server *s);  /* verdict pending */
bool smtp_server_closed(const struct smtp_server *s);
bool smtp_server_tls_active(const struct smtp_server *s);
/* The authcid accepted by AUTH, or NULL. */
const char *smtp_server_auth_user(const struct smtp_server *s);

#endif
