/* Internals shared by the SMTP server engine's files (not for the glue). */
#ifndef AMB_SMTP_SERVER_INT_H
#define AMB_SMTP_SERVER_INT_H
#include "smtp/server.h"

enum srv_phase {
	PH_CMD,        /* reading command lines */
	PH_DATA,       /* DATA body up to CRLF.CRLF */
	PH_BDAT,       /* BDAT chunk of bdat_left octets */
	PH_AUTH,       /* reading an AUTH continuation line */
	PH_TLS,        /* STARTTLS answered, waiting for tls_started */
	PH_CLOSED,
};

enum srv_wait { W_NONE, W_MAIL, W_RCPT, W_DATA_END, W_AUTH };

/* Body scanner: where in a line the last octet left us. */
enum scan_state { SC_BOL, SC_MID, SC_CR, SC_DOT, SC_DOTCR };

/* Why the current message will be refused at its end. */
enum msg_fault { MF_NONE, MF_TOO_BIG, MF_LONG_LINE, MF_NUL, MF_BARE };

#define SRV_EVQ 8

struct smtp_server {
	char    *hostname, *greeting;
	uint64_t max_size;
	unsigned max_rcpts, max_errors, flags;
	size_t   max_cmd, max_text, max_auth, max_input;

	struct buf in;          /* input; in_off octets of it already used */
	size_t     in_off;
	struct buf out;         /* replies not yet taken by the glue */
	struct buf line;        /* current command line, NUL-terminated */
	bool       skip_line;   /* discarding the rest of an overlong line */

	enum srv_phase phase;
	enum srv_wait  wait;
	unsigned errors;
	int      helo;          /* 0 none, 1 HELO, 2 EHLO */
	char    *helo_name;
	bool     tls;
	char    *auth_user;

	/* transaction */
	bool     in_mail;
	bool     smtputf8;
	unsigned rcpts;
	bool     body_started;  /* DATA or a first BDAT was accepted */
	uint64_t msg_size;
	enum msg_fault fault;
	enum scan_state scan;
	size_t   line_len;
	uint64_t bdat_left, bdat_size;
	bool     bdat_last;
	const char *bdat_refusal; /* refused BDAT: consume the chunk, drop it */
	int      bdat_code;
	struct smtp_addr addr;  /* path of the pending MAIL/RCPT */
	char     auth_param[SMTP_PATH_MAX + 1];
	struct buf body;        /* BODY event data */

	/* AUTH exchange */
	int        auth_mech;   /* 0 none, 1 PLAIN, 2 LOGIN */
	int        auth_step;
	struct buf auth_id;     /* LOGIN user name */
	struct buf auth_secret; /* decoded credentials: zid\0cid\0pw */

	struct smtp_event evq[SRV_EVQ];
	unsigned evq_head, evq_len;
};

/* server.c */
struct smtp_event *srv_push(struct smtp_server *s, enum smtp_event_type t);
void srv_close(struct smtp_server *s, enum smtp_close_reason why,
    const char *text);
void srv_reset_txn(struct smtp_server *s, const char *why);

/* server_reply.c: every reply goes through these. */
void srv_reply(struct smtp_server *s, int code, const char *enh,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A refusal of the client's command (counts towards max_errors). */
void srv_error(struct smtp_server *s, int code, const char *enh,
    const char *text);
void srv_count_error(struct smtp_server *s);
void srv_reply_ehlo(struct smtp_server *s);
void srv_reply_help(struct smtp_server *s);
void srv_reply_verdict(struct smtp_server *s, int code, const char *enh,
    const char *text);
bool srv_auth_offered(const struct smtp_server *s);

/* server_cmd.c */
void srv_command(struct smtp_server *s, char *line);

/* server_body.c: processes body octets at the front of the input. */
bool srv_body_step(struct smtp_server *s);
void srv_message_start(struct smtp_server *s);

/* server_auth.c */
void srv_cmd_auth(struct smtp_server *s, char *args);
void srv_auth_line(struct smtp_server *s, char *line);
void srv_auth_done(struct smtp_server *s, int code);
void srv_auth_wipe(struct smtp_server *s);

#endif
