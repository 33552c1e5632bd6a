/* SMTP client protocol engine for outbound relay (RFC 5321 with
 * PIPELINING 2920, SIZE 1870, 8BITMIME 6152, SMTPUTF8 6531, STARTTLS 3207,
 * AUTH PLAIN/LOGIN 4954, enhanced status codes 3463, CHUNKING 3030),
 * written "sans I/O": it takes the bytes the server sent and produces the
 * bytes to send plus events for the glue, and knows nothing of sockets,
 * TLS libraries, DNS or the queue.
 *
 * Glue loop (after connecting):
 *   smtp_client_feed(c, in, len);         every octet read from the peer
 *   while (smtp_client_next_event(c, &ev)) handle(ev);
 *   write smtp_client_output(c), then smtp_client_output_consume(c, n)
 *   on EOF: smtp_client_eof(c); on a read/write timeout:
 *   smtp_client_timeout(c); then pump events again.
 *
 * A session: greeting, EHLO (HELO if EHLO is refused), STARTTLS when
 * offered (SMTP_CEV_STARTTLS; EHLO again after it), AUTH when credentials
 * were given, then SMTP_CEV_READY. On READY the glue either sends a
 * message with smtp_client_send() or ends with smtp_client_quit(). A sent
 * message leads to SMTP_CEV_BODY when the server wants the body (the glue
 * then streams it with smtp_client_body() and smtp_client_body_end(), a
 * piece at a time, keeping the output short), and always to exactly one
 * SMTP_CEV_DONE with a final result for every recipient; then READY
 * again (connection reuse) or SMTP_CEV_CLOSED.
 *
 * Failures of the session (protocol errors, a lost connection, a
 * timeout, a 421) come as SMTP_CEV_CLOSED, after a DONE for the message
 * in progress, if any, whose unanswered recipients get a temporary
 * failure (4.4.2 for a lost connection or timeout, 4.5.0 for a protocol
 * error, as Postfix does). Where the protocol is still in step (refused
 * greeting, HELO, TLS or AUTH) a QUIT is queued before CLOSED.
 *
 * Nothing the server sends is trusted. Protocol errors: reply lines
 * longer than max_reply_line, more than max_reply_lines lines, a code
 * that is not [2-5][0-5][0-9], mixed codes in one reply, replies nobody
 * asked for or sent ahead of the command (or body) they answer, 2xx or
 * 3xx other than 220 to STARTTLS, anything but 354 or 4xx/5xx to DATA,
 * 3xx elsewhere. Lines may end in LF alone. Texts taken from replies are
 * sanitised: control characters become spaces, octets >= 0x80 '?'.
 *
 * With SMTP_CLI_F_CHUNKING the body goes out as BDAT chunks, one per
 * smtp_client_body() call, pipelined; the first refused chunk fails the
 * message, and further body calls return false. Not done: lines over 998
 * octets in a body are sent as they are (no folding). */
#ifndef AMB_SMTP_CLIENT_H
#define AMB_SMTP_CLIENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	SMTP_CLI_F_TLS_ACTIVE    = 1 << 0, /* TLS from the start (port 465) */
	SMTP_CLI_F_TLS_REQUIRED  = 1 << 1, /* no STARTTLS: close, TLS_REQUIRED */
	SMTP_CLI_F_NO_STARTTLS   = 1 << 2, /* never try STARTTLS */
	SMTP_CLI_F_NO_PIPELINING = 1 << 3, /* one command at a time anyway */
	SMTP_CLI_F_CHUNKING      = 1 << 4, /* BDAT (RFC 3030) when the server
	                                    * offers CHUNKING and PIPELINING */
};

struct smtp_client_params {
	const char *helo_name;     /* required: our name for EHLO/HELO */
	const char *peer;          /* for texts, "mx.example[192.0.2.1]";
	                            * NULL: "the remote host" */
	const char *auth_user;     /* smarthost credentials, or NULL; AUTH is */
	const char *auth_pass;     /* only ever sent under TLS. Copied, wiped */
	size_t   max_reply_line;   /* octets with CRLF; 0: 512 (RFC 5321) */
	unsigned max_reply_lines;  /* lines in one reply; 0: 100 */
	unsigned flags;            /* SMTP_CLI_* */
};

/* The peer's EHLO extensions (valid from the first READY). */
struct smtp_client_ext {
	bool esmtp;                /* EHLO accepted (else HELO) */
	bool size;                 /* SIZE offered; size_max 0: no limit */
	uint64_t size_max;
	bool eightbitmime, smtputf8, pipelining, starttls, chunking;
	bool enhancedstatuscodes;
	bool auth_plain, auth_login;
};

/* One message for smtp_client_send(). The strings are copied. */
struct smtp_client_msg {
	const char *sender;        /* reverse-path without <>; "" is <> */
	const char *const *rcpts;  /* forward-paths without <> */
	size_t nrcpts;             /* at least 1 */
	uint64_t size;             /* body octets as they will be fed; 0: unknown */
	bool eightbit;             /* body has 8-bit octets: BODY=8BITMIME */
	bool smtputf8;             /* the message itself (headers) needs
	                            * SMTPUTF8; non-ASCII addresses are
	                            * detected by the engine, and U-label
	                            * domains with an ASCII local part are
	                            * sent as A-labels (no SMTPUTF8 needed) */
};

/* A result: the server's reply, or one the engine made up. */
struct smtp_client_result {
	int  code;                 /* 250, 450, 550, ... */
	char enhanced[16];         /* "5.1.1" from the reply, or a default */
	bool remote;               /* code and reply come from the server */
	const char *reply;         /* sanitised server reply as one line,
	                            * "550 5.1.1 No such user"; "" if none */
	const char *text;          /* for logs and bounces: "host X said:
	                            * 550 5.1.1 No such user (in reply to
	                            * RCPT TO command)", or the engine's own */
};

enum smtp_cevent_type {
	SMTP_CEV_NONE,
	SMTP_CEV_STARTTLS,   /* ACTION: write the output, start TLS, then
	                      * smtp_client_tls_started(); on failure close */
	SMTP_CEV_READY,      /* idle: smtp_client_send() or smtp_client_quit() */
	SMTP_CEV_BODY,       /* ACTION: stream the body with smtp_client_body()
	                      * and end it with smtp_client_body_end() */
	SMTP_CEV_DONE,       /* the message's outcome: status, rcpts */
	SMTP_CEV_CLOSED,     /* ACTION: write the output, then close: reason,
	                      * result. No more events follow. */
};

enum smtp_msg_status {
	SMTP_MSG_DONE,       /* every rcpts[i] is final: 2xx delivered,
	                      * 4xx try again later, 5xx bounce */
	SMTP_MSG_NEED_7BIT,  /* nothing was sent: the message is 8-bit and
	                      * the peer lacks 8BITMIME (RFC 6152 3). Convert
	                      * it and send again, or bounce; the session
	                      * stays READY */
};

enum smtp_cli_close {
	SMTP_CLI_QUIT,         /* after smtp_client_quit() */
	SMTP_CLI_GREETING,     /* 4xx/5xx greeting (5xx: try the next MX) */
	SMTP_CLI_HELO,         /* EHLO and HELO refused */
	SMTP_CLI_TLS_REQUIRED, /* STARTTLS required, not offered or refused */
	SMTP_CLI_AUTH,         /* credentials refused, no PLAIN/LOGIN offered,
	                        * or no TLS to send them under */
	SMTP_CLI_SERVICE,      /* the server said 421 */
	SMTP_CLI_PROTOCOL,     /* the server broke the protocol */
	SMTP_CLI_LOST,         /* smtp_client_eof() before QUIT */
	SMTP_CLI_TIMEOUT,      /* smtp_client_timeout() */
};

/* Pointers stay valid until the next call of smtp_client_send(),
 * smtp_client_quit() or smtp_client_free(). */
struct smtp_cevent {
	enum smtp_cevent_type type;
	enum smtp_msg_status status;                /* DONE */
	const struct smtp_client_result *rcpts;     /* DONE: one per msg rcpt */
	size_t nrcpts;
	enum smtp_cli_close reason;                 /* CLOSED */
	const struct smtp_client_result *result;    /* CLOSED: why */
};

struct smtp_client;

struct smtp_client *smtp_client_new(const struct smtp_client_params *p);
/* Wipes the credentials and frees everything. */
void smtp_client_free(struct smtp_client *c);

/* Buffers server input (everything is taken). Input that arrives after
 * the 220 to STARTTLS and before smtp_client_tls_started() is dropped
 * (RFC 3207 5: it could be injected by a man in the middle). */
void smtp_client_feed(struct smtp_client *c, const void *data, size_t len);
/* The peer closed the connection, or the glue's timer ran out. */
void smtp_client_eof(struct smtp_client *c);
void smtp_client_timeout(struct smtp_client *c);

/* Processes buffered input until it yields an event (true) or needs
 * input or a call from the glue (false). */
bool smtp_client_next_event(struct smtp_client *c, struct smtp_cevent *ev);

/* Only on READY: starts one transaction. False (nothing done) when the
 * session is not READY or the message has no recipients. */
bool smtp_client_send(struct smtp_client *c, const struct smtp_client_msg *m);
/* After SMTP_CEV_BODY: body octets with CRLF line ends (bare LF or CR
 * are sent as CRLF); the engine dot-stuffs them into the output (or
 * makes them one BDAT chunk). False when no body is wanted any more (the
 * glue stops feeding). */
bool smtp_client_body(struct smtp_client *c, const void *data, size_t len);
/* Ends the body (adds a missing final CRLF and the "." line). */
bool smtp_client_body_end(struct smtp_client *c);
/* True between SMTP_CEV_BODY and smtp_client_body_end(). */
bool smtp_client_wants_body(const struct smtp_client *c);
/* Only on READY: sends QUIT; CLOSED (QUIT) follows on its reply or EOF. */
bool smtp_client_quit(struct smtp_client *c);

/* Bytes to send to the server. */
const char *smtp_client_output(const struct smtp_client *c, size_t *len);
void smtp_client_output_consume(struct smtp_client *c, size_t n);

/* The TLS handshake after SMTP_CEV_STARTTLS succeeded: EHLO again. */
void smtp_client_tls_started(struct smtp_client *c);

/* How long the glue should wait for the server now, in seconds: RFC 5321
 * 4.5.3.2 (5 min for greeting, EHLO, MAIL, RCPT; 2 for DATA; 3 per body
 * write; 10 for the end of data), 20 s for RSET and QUIT as Postfix,
 * 0 while the engine waits for the glue (READY, TLS handshake, CLOSED). */
unsigned smtp_client_wait_seconds(const struct smtp_client *c);

bool smtp_client_tls_active(const struct smtp_client *c);
bool smtp_client_closed(const struct smtp_client *c);
const struct smtp_client_ext *smtp_client_extensions(const struct smtp_client *c);

#endif
