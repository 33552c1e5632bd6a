/* ManageSieve (RFC 5804), sans I/O: the command parser, shared by the
 * pre-login side in imap-login, and the engine of a logged-in session,
 * which edits the user's scripts (store/sievestore.h) and checks each
 * with the Sieve compiler before storing it. It lives with the IMAP
 * engine: the same kind of protocol, the same place in the layers. */
#ifndef AMB_MANAGESIEVE_H
#define AMB_MANAGESIEVE_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define MSV_MAX_LINE   8192           /* a command without its literals */
#define MSV_MAX_ARGS   4

struct msv_arg {
	char *s;          /* NUL-terminated copy; may hold NUL (literals) */
	size_t len;
};

struct msv_cmd {
	char name[16];    /* upper-cased; "" for a SASL response line */
	struct msv_arg arg[MSV_MAX_ARGS];
	size_t nargs;
	const char *bad;  /* MSV_BAD, MSV_FATAL: why */
};

enum msv_rc {
	MSV_MORE,         /* feed more input */
	MSV_CMD,          /* a command in cmd (free with msv_cmd_free) */
	MSV_BAD,          /* a malformed line, skipped: answer NO */
	MSV_FATAL,        /* cannot go on (line or literal too long): BYE */
};

struct msv_parser {
	struct buf in;
	size_t max_literal;
	bool sasl;        /* the next line is a SASL response: one string */
};

void msv_parser_init(struct msv_parser *p, size_t max_literal);
void msv_parser_free(struct msv_parser *p);     /* wipes the input */
void msv_feed(struct msv_parser *p, const void *data, size_t n);
enum msv_rc msv_next(struct msv_parser *p, struct msv_cmd *cmd);
void msv_cmd_free(struct msv_cmd *cmd);         /* wipes the arguments */

/* The capability lines (not the OK after them). */
void msv_capabilities(bool tls, bool authed, struct buf *out);
/* Appends s as a quoted string, or a literal when it cannot be one. */
void msv_string(struct buf *out, const char *s, size_t len);
/* "OK", "NO" or "BYE", an optional response code, and text. */
void msv_reply(struct buf *out, const char *status, const char *code,
    const char *text);

/* NOOP's answer: with its tag when it has one (RFC 5804 2.11; clients
 * use one to find the capabilities' end after STARTTLS). */
void msv_noop(struct buf *out, const struct msv_cmd *c);

/* A logged-in session over the scripts in dir (sievestore_dir). */
struct msv_session;
struct msv_session *msv_session_new(const char *dir);
void msv_session_free(struct msv_session *s);
/* Takes client bytes; answers what is complete. */
void msv_session_feed(struct msv_session *s, const void *data, size_t n);
/* Bytes to send; consume what was sent. */
const char *msv_session_output(struct msv_session *s, size_t *n);
void msv_session_consume(struct msv_session *s, size_t n);
/* After LOGOUT or a fatal error, once the output is sent: close. */
bool msv_session_closed(const struct msv_session *s);

#endif
