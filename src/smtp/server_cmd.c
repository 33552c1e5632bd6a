/* SMTP commands (RFC 5321 4.1.1) and their ordering rules. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "smtp/server_int.h"

static void cmd_hello(struct smtp_server *s, char *args, int kind)
{
	if (!smtp_valid_helo(args)) {
		srv_error(s, 501, "5.5.4", kind == 2 ? "Syntax: EHLO hostname"
		                                     : "Syntax: HELO hostname");
		return;
	}
	srv_reset_txn(s, kind == 2 ? "EHLO" : "HELO");
	s->helo = kind;
	free(s->helo_name);
	s->helo_name = xstrdup(args);
	struct smtp_event *ev = srv_push(s, SMTP_EV_HELO);
	ev->helo = s->helo_name;
	ev->esmtp = kind == 2;
	if (kind == 2)
		srv_reply_ehlo(s);
	else
		srv_reply(s, 250, NULL, "%s", s->hostname);
}

static void cmd_ehlo(struct smtp_server *s, char *args)
{
	cmd_hello(s, args, 2);
}

static void cmd_helo(struct smtp_server *s, char *args)
{
	cmd_hello(s, args, 1);
}

/* Skips "FROM:" / "TO:" and the spaces some clients put after it. */
static char *after_keyword(char *args, const char *kw)
{
	size_t n = strlen(kw);
	if (strncasecmp(args, kw, n) != 0)
		return NULL;
	args += n;
	while (*args == ' ')
		args++;
	return args;
}

struct mail_params {
	uint64_t size;
	enum smtp_body_type body;
	bool smtputf8, seen_auth;
};

/* One MAIL parameter; 0 when fine, else a reply has been sent. */
static int mail_param(struct smtp_server *s, const struct smtp_param *p,
    struct mail_params *mp)
{
	const char *k = p->key, *v = p->value;
	if (strcasecmp(k, "SIZE") == 0 && v != NULL && mp->size == 0) {
		if (!smtp_parse_u64(v, &mp->size))
			return srv_error(s, 501, "5.5.4", "Bad SIZE value"), -1;
		if (mp->size > s->max_size)
			return srv_reply(s, 552, "5.3.4", "Message size exceeds "
			    "fixed maximum message size"), -1;
		return 0;
	}
	if (strcasecmp(k, "BODY") == 0 && v != NULL && mp->body == SMTP_BODY_NONE) {
		if (strcasecmp(v, "7BIT") == 0)
			mp->body = SMTP_BODY_7BIT;
		else if (strcasecmp(v, "8BITMIME") == 0)
			mp->body = SMTP_BODY_8BITMIME;
		else
			return srv_error(s, 555, "5.5.4", "Unsupported BODY type"), -1;
		return 0;
	}
	if (strcasecmp(k, "SMTPUTF8") == 0 && v == NULL && !mp->smtputf8) {
		mp->smtputf8 = true;
		return 0;
	}
	if (strcasecmp(k, "AUTH") == 0 && v != NULL && !mp->seen_auth) {
		mp->seen_auth = true;
		if (!smtp_xtext_decode(v, s->auth_param, sizeof(s->auth_param)))
			return srv_error(s, 501, "5.5.4", "Bad AUTH value"), -1;
		return 0;
	}
	return srv_error(s, 555, "5.5.4", "Unsupported or repeated parameter"), -1;
}

static int mail_params(struct smtp_server *s, char *rest, struct mail_params *mp)
{
	struct smtp_param par[SMTP_MAX_PARAMS];
	int n = smtp_parse_params(rest, par, SMTP_MAX_PARAMS);
	if (n < 0)
		return srv_error(s, 501, "5.5.4", "Bad parameter syntax"), -1;
	for (int i = 0; i < n; i++)
		if (mail_param(s, &par[i], mp) != 0)
			return -1;
	return 0;
}

/* The path and what follows it; NULL when a reply has been sent. */
static char *path_arg(struct smtp_server *s, char *p, unsigned flags,
    const char *enh, const char *what)
{
	const char *end;
	switch (smtp_parse_path(p, flags, &s->addr, &end)) {
	case SMTP_PATH_OK:
		if (*end == '\0' || *end == ' ')
			return (char *)end;
		break;
	case SMTP_PATH_TOO_LONG:
		srv_error(s, 501, enh, "Address too long");
		return NULL;
	case SMTP_PATH_NON_ASCII:
		srv_error(s, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
		return NULL;
	case SMTP_PATH_SYNTAX:
		break;
	}
	srv_error(s, 501, enh, what);
	return NULL;
}

static bool mail_allowed(struct smtp_server *s)
{
	if (s->helo == 0)
		srv_error(s, 503, "5.5.1", "Send HELO/EHLO first");
	else if (s->in_mail)
		srv_error(s, 503, "5.5.1", "Nested MAIL command");
	else if ((s->flags & SMTP_SRV_AUTH_REQUIRED) && s->auth_user == NULL)
		srv_error(s, 530, "5.7.0", "Authentication required");
	else
		return true;
	return false;
}

static void cmd_mail(struct smtp_server *s, char *args)
{
	if (!mail_allowed(s))
		return;
	char *p = after_keyword(args, "FROM:");
	if (p == NULL) {
		srv_error(s, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
		return;
	}
	char *rest = path_arg(s, p, SMTP_PATH_ALLOW_NULL | SMTP_PATH_ALLOW_UTF8,
	    "5.1.7", "Bad sender address syntax");
	struct mail_params mp = { 0, SMTP_BODY_NONE, false, false };
	s->auth_param[0] = '\0';
	if (rest == NULL || mail_params(s, rest, &mp) != 0)
		return;
	if (s->addr.utf8 && !mp.smtputf8) {
		srv_error(s, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
		return;
	}
	s->smtputf8 = mp.smtputf8;
	s->wait = W_MAIL;
	struct smtp_event *ev = srv_push(s, SMTP_EV_MAIL);
	ev->path = &s->addr;
	ev->size = mp.size;
	ev->body = mp.body;
	ev->smtputf8 = mp.smtputf8;
	ev->auth_param = mp.seen_auth ? s->auth_param : NULL;
}

static bool rcpt_allowed(struct smtp_server *s)
{
	if (!s->in_mail || s->body_started) {
		srv_error(s, 503, "5.5.1", s->in_mail ? "RCPT after BDAT"
		                                      : "Need MAIL command");
		return false;
	}
	return true;
}

static void cmd_rcpt(struct smtp_server *s, char *args)
{
	if (!rcpt_allowed(s))
		return;
	char *p = after_keyword(args, "TO:");
	if (p == NULL) {
		srv_error(s, 501, "5.5.4", "Syntax: RCPT TO:<address>");
		return;
	}
	unsigned flags = SMTP_PATH_ALLOW_POSTMASTER |
	    (s->smtputf8 ? SMTP_PATH_ALLOW_UTF8 : 0);
	char *rest = path_arg(s, p, flags, "5.1.3", "Bad recipient address syntax");
	if (rest == NULL)
		return;
	while (*rest == ' ')
		rest++;
	if (*rest != '\0') {
		srv_error(s, 555, "5.5.4", "Unsupported RCPT parameter");
		return;
	}
	if (s->rcpts >= s->max_rcpts) {
		srv_reply(s, 452, "4.5.3", "Too many recipients");
		return;
	}
	s->wait = W_RCPT;
	srv_push(s, SMTP_EV_RCPT)->path = &s->addr;
}

/* Why a message may not start now, or NULL. */
static const char *body_refusal(const struct smtp_server *s, int *code)
{
	*code = 503;
	if (!s->in_mail)
		return "Need MAIL command";
	if (s->rcpts == 0) {
		*code = 554;
		return "No valid recipients";
	}
	return NULL;
}

static void cmd_data(struct smtp_server *s, char *args)
{
	int code;
	const char *why = body_refusal(s, &code);
	if (*args != '\0') {
		srv_error(s, 501, "5.5.4", "Syntax: DATA");
	} else if (why != NULL || s->body_started) {
		srv_error(s, code, "5.5.1", why != NULL ? why : "DATA after BDAT");
	} else {
		srv_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
		srv_message_start(s);
		s->phase = PH_DATA;
	}
}

/* "size [LAST]"; false on bad syntax. */
static bool bdat_args(char *args, uint64_t *size, bool *last)
{
	char *sp = strchr(args, ' ');
	*last = false;
	if (sp != NULL) {
		*sp = '\0';
		if (strcasecmp(sp + 1, "LAST") != 0)
			return false;
		*last = true;
	}
	return smtp_parse_u64(args, size);
}

static void cmd_bdat(struct smtp_server *s, char *args)
{
	uint64_t size;
	bool last;
	if (!bdat_args(args, &size, &last)) {
		/* the chunk length is unknown: its octets could only be read
		 * as commands, so the session cannot go on */
		srv_reply(s, 501, "5.5.4", "Syntax: BDAT size [LAST]");
		srv_close(s, SMTP_CLOSE_PROTOCOL, "bad BDAT syntax");
		return;
	}
	int code;
	const char *why = body_refusal(s, &code);
	s->phase = PH_BDAT;
	s->bdat_left = s->bdat_size = size;
	s->bdat_last = last;
	s->bdat_refusal = why;
	s->bdat_code = code;
	if (why == NULL && !s->body_started)
		srv_message_start(s);
}

static void cmd_rset(struct smtp_server *s, char *args)
{
	if (*args != '\0') {
		srv_error(s, 501, "5.5.4", "Syntax: RSET");
		return;
	}
	srv_reset_txn(s, "RSET");
	srv_reply(s, 250, "2.0.0", "Ok");
}

static void cmd_noop(struct smtp_server *s, char *args)
{
	(void)args;
	srv_reply(s, 250, "2.0.0", "Ok");
}

static void cmd_help(struct smtp_server *s, char *args)
{
	(void)args;
	srv_reply_help(s);
}

static void cmd_quit(struct smtp_server *s, char *args)
{
	(void)args;
	srv_reply(s, 221, "2.0.0", "%s closing connection", s->hostname);
	srv_close(s, SMTP_CLOSE_QUIT, "QUIT");
}

/* Never tells whether a user exists (RFC 5321 3.5.3). */
static void cmd_vrfy(struct smtp_server *s, char *args)
{
	if (*args == '\0')
		srv_error(s, 501, "5.5.4", "Syntax: VRFY address");
	else
		srv_reply(s, 252, "2.0.0", "Cannot VRFY user, but will accept "
		    "message and attempt delivery");
}

static void cmd_expn(struct smtp_server *s, char *args)
{
	(void)args;
	srv_reply(s, 502, "5.5.1", "EXPN not available");
}

static void cmd_starttls(struct smtp_server *s, char *args)
{
	if (*args != '\0')
		srv_error(s, 501, "5.5.4", "Syntax: STARTTLS");
	else if (s->tls)
		srv_error(s, 503, "5.5.1", "TLS already active");
	else if (!(s->flags & SMTP_SRV_TLS_AVAILABLE))
		srv_error(s, 502, "5.5.1", "STARTTLS not available");
	else if (s->in_mail)
		srv_error(s, 503, "5.5.1", "Mail transaction in progress");
	else {
		srv_reply(s, 220, "2.0.0", "Ready to start TLS");
		/* anything pipelined after STARTTLS was sent in clear and
		 * must not be taken as coming over TLS (CVE-2011-0411) */
		s->in_off = s->in.len;
		s->phase = PH_TLS;
		srv_push(s, SMTP_EV_STARTTLS);
	}
}

struct command {
	const char *verb;
	void (*fn)(struct smtp_server *, char *);
};

static const struct command commands[] = {
	{ "EHLO", cmd_ehlo }, { "HELO", cmd_helo }, { "MAIL", cmd_mail },
	{ "RCPT", cmd_rcpt }, { "DATA", cmd_data }, { "BDAT", cmd_bdat },
	{ "RSET", cmd_rset }, { "NOOP", cmd_noop }, { "HELP", cmd_help },
	{ "QUIT", cmd_quit }, { "VRFY", cmd_vrfy }, { "EXPN", cmd_expn },
	{ "STARTTLS", cmd_starttls }, { "AUTH", srv_cmd_auth },
};

void srv_command(struct smtp_server *s, char *line)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const char *args = smtp_match_verb(line, commands[i].verb);
		if (args != NULL) {
			commands[i].fn(s, (char *)args);
			return;
		}
	}
	srv_error(s, 500, "5.5.1", "Command unrecognized");
}
