/* Internals shared by the SMTP client engine's files (not for the glue). */
#ifndef AMB_SMTP_CLIENT_INT_H
#define AMB_SMTP_CLIENT_INT_H
#include "common/buf.h"
#include "smtp/client.h"

enum cli_phase {
	CP_GREETING,   /* waiting for the 220 */
	CP_EHLO,
	CP_HELO,
	CP_STARTTLS,   /* STARTTLS sent */
	CP_TLS,        /* 220 to STARTTLS seen, waiting for tls_started */
	CP_AUTH,       /* AUTH sent; auth_step counts LOGIN's 334s */
	CP_READY,      /* idle, waiting for the glue */
	CP_TXN,        /* MAIL, RCPT, DATA replies */
	CP_BODY,       /* the glue streams the body */
	CP_DATA_END,   /* "." sent, waiting for the final reply */
	CP_RSET,
	CP_QUIT,
	CP_CLOSED,
};

/* What the reply in question answers, for texts. */
enum cli_stage {
	ST_GREETING, ST_EHLO, ST_HELO, ST_STARTTLS, ST_TLS, ST_AUTH, ST_MAIL,
	ST_RCPT, ST_DATA, ST_BODY, ST_DATA_END, ST_BDAT, ST_RSET, ST_QUIT,
	ST_IDLE,
};

/* The reply being read, then the last complete one. */
struct cli_reply {
	int  code;             /* of the first line; 0 before one was read */
	unsigned lines;
	bool done;
	char enh[16];          /* enhanced code from the reply, or "" */
	struct buf text;       /* sanitised, lines joined by one space */
	struct buf each;       /* sanitised text of each line, by '\n' */
};

struct cli_rcpt {
	char *addr;
	bool  utf8;
	bool  accepted;        /* RCPT answered 2xx: waits for end of data */
	bool  final;           /* result set */
	struct buf reply, text;
};

#define CLI_EVQ 4

struct smtp_client {
	char    *helo_name, *peer;
	char    *auth_user, *auth_pass;
	size_t   max_line;
	unsigned max_lines, flags;

	struct buf in;
	size_t     in_off;
	struct buf out;
	bool       eof, timed_out;

	enum cli_phase phase;
	bool     tls, tls_refused;
	int      auth_step;
	struct smtp_client_ext ext;
	struct cli_reply rp;

	/* the transaction */
	bool     in_msg;
	char    *sender;
	uint64_t size;
	bool     eightbit, smtputf8;
	struct cli_rcpt *rc;
	struct smtp_client_result *res;
	size_t   nrcpts;
	size_t  *order;        /* indices of the recipients sent, in order */
	size_t   norder;
	size_t   sent;         /* batch commands sent: MAIL, RCPTs, DATA */
	size_t   answered;     /* replies to them read */
	bool     mail_ok;
	size_t   accepted;
	bool     dot_only;     /* DATA got 354 with nobody accepted */
	bool     need_rset;
	bool     body_bol, body_cr;
	bool     bdat;         /* the body goes out in BDAT chunks */
	bool     chunk_failed; /* a chunk was refused: no more are sent */
	size_t   chunks_sent, chunks_answered;
	struct buf chunk;

	/* CLOSED */
	struct smtp_client_result close_res;
	struct buf close_reply, close_text;

	struct smtp_cevent evq[CLI_EVQ];
	unsigned evq_head, evq_len;
};

static inline const char *cli_in(const struct smtp_client *c)
{
	return c->in.data != NULL ? c->in.data + c->in_off : "";
}

static inline size_t cli_avail(const struct smtp_client *c)
{
	return c->in.len - c->in_off;
}

/* client.c */
struct smtp_cevent *cli_push(struct smtp_client *c, enum smtp_cevent_type t);
/* Queues a command line (CRLF added). False, after failing the session,
 * when the server already sent input nobody asked for. */
bool cli_command(struct smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_ready(struct smtp_client *c);
/* Ends the session: the message in progress (if any) gets a DONE with
 * this result for every open recipient, then CLOSED. quit: the protocol
 * is still in step, so a QUIT is sent first. */
void cli_fail(struct smtp_client *c, enum smtp_cli_close why, bool quit,
    int code, const char *enh, const char *reply, const char *text);
void cli_protocol_error(struct smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The server's reply rp failed the session (421, greeting, AUTH, ...). */
void cli_fail_reply(struct smtp_client *c, enum smtp_cli_close why,
    bool quit, const char *what);

/* client_reply.c */
enum cli_read { RD_MORE, RD_DONE, RD_ERROR };
/* Reads one reply into c->rp; on RD_ERROR the session has failed. */
enum cli_read cli_read_reply(struct smtp_client *c);
/* "550 5.1.1 text" of c->rp into out (appended). */
void cli_reply_line(const struct smtp_client *c, struct buf *out);
/* "host X said: <reply> (in reply to <stage> command)" into out. */
void cli_said(const struct smtp_client *c, enum cli_stage st, struct buf *out);
/* "X" of "while X" for texts about a stage. */
const char *cli_stage_while(enum cli_stage st);
/* The enhanced code of rp, or "<class>.0.0". */
void cli_reply_enh(const struct smtp_client *c, char *dst, size_t dstsz);
enum cli_stage cli_stage_now(const struct smtp_client *c);

/* client_hello.c: greeting, EHLO/HELO, STARTTLS, AUTH. */
void cli_hello_reply(struct smtp_client *c);
void cli_send_ehlo(struct smtp_client *c);

/* client_txn.c */
void cli_txn_reply(struct smtp_client *c);
void cli_data_end_reply(struct smtp_client *c);
void cli_body_reply(struct smtp_client *c);
/* The current reply becomes the result of recipient i, or of every open
 * one when i is SIZE_MAX (only the accepted ones if accepted_only). */
void cli_result_from_reply(struct smtp_client *c, size_t i,
    bool accepted_only, enum cli_stage st);
/* DONE, then RSET when needed, else READY. */
void cli_txn_finish(struct smtp_client *c);
/* Gives every open recipient this result; emits DONE. */
void cli_txn_finish_all(struct smtp_client *c, int code, const char *enh,
    const char *reply, const char *text);
void cli_txn_free(struct smtp_client *c);

/* client_body.c */
void cli_body_start(struct smtp_client *c);

/* client_bdat.c (RFC 3030) */
void cli_bdat_begin(struct smtp_client *c);
void cli_bdat_send(struct smtp_client *c, bool last);
void cli_bdat_reply(struct smtp_client *c);

#endif
