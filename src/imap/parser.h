/* The IMAP server's input side, sans I/O: feed it the bytes a client sent,
 * then pull events until IMAP_EV_NEED_MORE. It frames lines and literals,
 * asks for "+" continuations, streams APPEND message data without
 * buffering it, refuses oversized input with BAD and resynchronises at the
 * next command, and hands out typed commands (imap/command.h).
 *
 *   imap_parser_feed(p, bytes, n);
 *   while ((t = imap_parser_next(p, &ev)) != IMAP_EV_NEED_MORE) ...
 *
 * Glue duties: write "+ ..." on IMAP_EV_CONTINUE (imap_w_continue); on
 * IMAP_EV_APPEND_BEGIN check ev.cmd->u.append.size against APPENDLIMIT and
 * quota and call imap_parser_refuse_append() (then send NO [TOOBIG] or
 * [OVERQUOTA]) if it must not be taken; call imap_parser_expect_done()
 * after "+ idling", imap_parser_expect_sasl() after each AUTHENTICATE
 * challenge, imap_parser_set_utf8() after ENABLE UTF8=ACCEPT and
 * imap_parser_discard_input() right after the STARTTLS OK. Everything the
 * parser hands out is wiped when freed: passwords never linger.
 */
#ifndef AMB_IMAP_PARSER_H
#define AMB_IMAP_PARSER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/command.h"

struct imap_parser_limits {
	size_t max_line;        /* command text, literals excluded (64 KiB) */
	size_t max_literal;     /* one literal outside APPEND data (64 KiB) */
	size_t max_command;     /* text plus literals of one command (1 MiB) */
	unsigned max_depth;     /* search key / list nesting (64) */
	bool literal_minus;     /* RFC 7888 LITERAL-: {n+} only up to 4096 */
};

enum imap_event_type {
	IMAP_EV_NEED_MORE,      /* all input used: feed more */
	IMAP_EV_COMMAND,        /* ev.cmd: a complete command (caller frees) */
	IMAP_EV_CONTINUE,       /* send "+ ..." now: a synchronising literal
				   (or APPEND data) may be sent by the client */
	IMAP_EV_BAD,            /* send BAD: ev.tag (NULL -> "* BAD"), ev.text */
	IMAP_EV_APPEND_BEGIN,   /* ev.cmd: APPEND of one message (caller
				   frees); may call imap_parser_refuse_append */
	IMAP_EV_APPEND_DATA,    /* ev.data/ev.len: next piece of the message */
	IMAP_EV_APPEND_END,     /* the message's data is complete */
	IMAP_EV_APPEND_DONE,    /* ev.tag: command ended; reply tagged OK/NO.
				   An IMAP_EV_BAD instead means: abort it. */
	IMAP_EV_DONE,           /* IDLE ended; ev.text non-NULL if the line was
				   not "DONE" (reply tagged BAD then) */
	IMAP_EV_SASL,           /* ev.data/ev.len: one AUTHENTICATE response
				   line (secret: wipe after use); "*" cancels */
	IMAP_EV_FATAL,          /* cannot resynchronise: send "* BYE ev.text"
				   and close */
};

struct imap_event {
	enum imap_event_type type;
	struct imap_command *cmd;
	const char *tag;        /* valid until the next call */
	const char *text;       /* valid until the next call */
	const char *data;       /* valid until the next call or feed */
	size_t len;
};

struct imap_parser;

void imap_parser_default_limits(struct imap_parser_limits *lim);
struct imap_parser *imap_parser_new(const struct imap_parser_limits *lim);
void imap_parser_free(struct imap_parser *p);

void imap_parser_feed(struct imap_parser *p, const void *data, size_t len);
enum imap_event_type imap_parser_next(struct imap_parser *p,
    struct imap_event *ev);

/* After ENABLE UTF8=ACCEPT: mailbox names are UTF-8, not modified UTF-7. */
void imap_parser_set_utf8(struct imap_parser *p, bool on);
/* After answering IDLE with "+ idling": the next line must be DONE.
 * In IDLE and SASL mode an IMAP_EV_BAD (overlong line, bare LF) also ends
 * the mode: the glue then fails the IDLE or AUTHENTICATE command. */
void imap_parser_expect_done(struct imap_parser *p);
/* After sending an AUTHENTICATE challenge: the next line is SASL data. */
void imap_parser_expect_sasl(struct imap_parser *p);
/* Right after IMAP_EV_APPEND_BEGIN (or during its data): refuse this
 * APPEND. No continuation is sent; non-synchronising data still on the
 * way, and the rest of the command, are skipped silently. The glue sends
 * the tagged NO itself. */
void imap_parser_refuse_append(struct imap_parser *p);
/* Bytes fed but not yet turned into events (for read back-pressure). */
size_t imap_parser_buffered(const struct imap_parser *p);
/* After STARTTLS: drop plaintext the client pipelined behind it (it must
 * not be read as if it came over TLS). Returns the bytes dropped. */
size_t imap_parser_discard_input(struct imap_parser *p);

#endif
