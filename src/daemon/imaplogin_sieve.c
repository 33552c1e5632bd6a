/* ManageSieve before login, in imap-login (RFC 5804 1.7, 2.1, 2.2): the
 * greeting is the capability list; CAPABILITY, STARTTLS, AUTHENTICATE
 * "PLAIN" (only under TLS), NOOP and LOGOUT. A login goes to lookup as an
 * IMAP login does, and starts the user's session process, which then
 * speaks ManageSieve (daemon/imap_sieve.c) through our relay. */
#include "daemon/imaplogin_int.h"

#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "daemon/proc.h"
#include "imap/managesieve.h"

static void capabilities(struct login *l)
{
	msv_capabilities(l->tls, false, &l->out);
}

void msv_login_greet(struct login *l)
{
	capabilities(l);
	msv_reply(&l->out, "OK", NULL, "archmailbox ManageSieve ready");
}

/* RFC 5804 2.2: after the handshake the capabilities come again. */
void msv_login_tls_done(struct login *l)
{
	msv_login_greet(l);
}

void msv_login_bye(struct login *l, const char *text)
{
	msv_reply(&l->out, "BYE", NULL, text);
}

static void plain(struct login *l, const struct msv_arg *a)
{
	unsigned char raw[1024];
	const char *user, *pw;
	int rc = login_plain_split(a->s, a->len, raw, &user, &pw);
	if (rc == 1)
		msv_reply(&l->out, "NO", NULL, "Authentication cancelled or not "
		    "base64");
	else if (rc == 2)
		msv_reply(&l->out, "NO", NULL, "Authentication failed");
	else if (!login_send(l, "", user, pw))
		msv_reply(&l->out, "NO", "TRYLATER", "Temporary failure");
	sodium_memzero(raw, sizeof raw);
}

static void authenticate(struct login *l, const struct msv_cmd *c)
{
	if (!l->tls) {
		msv_reply(&l->out, "NO", "ENCRYPT-NEEDED", "Use STARTTLS first");
	} else if (c->nargs < 1 || c->nargs > 2 ||
	    strcasecmp(c->arg[0].s, "PLAIN") != 0) {
		msv_reply(&l->out, "NO", NULL, "Only AUTHENTICATE \"PLAIN\" is offered");
	} else if (c->nargs == 2) {
		plain(l, &c->arg[1]);
	} else {
		buf_addstr(&l->out, "\"\"\r\n");     /* the empty challenge */
		l->msv->sasl = true;
		l->sasl = true;
	}
}

static void command(struct login *l, const struct msv_cmd *c)
{
	if (l->sasl) {
		l->sasl = false;
		if (c->nargs == 1)
			plain(l, &c->arg[0]);
		else
			msv_reply(&l->out, "NO", NULL, "Authentication failed");
	} else if (!strcmp(c->name, "CAPABILITY")) {
		capabilities(l);
		msv_reply(&l->out, "OK", NULL, "Capability completed");
	} else if (!strcmp(c->name, "NOOP") && c->nargs <= 1) {
		msv_noop(&l->out, c);
	} else if (!strcmp(c->name, "LOGOUT")) {
		msv_reply(&l->out, "OK", NULL, "Logout completed");
		login_flush(l);
		login_end(l, true);
	} else if (!strcmp(c->name, "STARTTLS") && !l->tls) {
		msv_reply(&l->out, "OK", NULL, "Begin TLS negotiation now");
		buf_reset(&l->msv->in);      /* nothing may come before TLS */
		login_start_tls(l);
	} else if (!strcmp(c->name, "AUTHENTICATE")) {
		authenticate(l, c);
	} else {
		msv_reply(&l->out, "NO", NULL, "Authenticate first");
	}
}

/* Line by line, so that after a login whatever came behind it is still
 * in the socket buffer for the session. */
void msv_login_pump(struct login *l)
{
	struct evbuffer *in = bufferevent_get_input(l->bev);
	while (!l->closing && !l->waiting && l->peer == NULL) {
		struct msv_cmd c;
		enum msv_rc rc = msv_next(l->msv, &c);
		if (rc == MSV_CMD) {
			command(l, &c);
			msv_cmd_free(&c);
			continue;
		}
		if (rc == MSV_BAD) {
			l->sasl = false;
			msv_reply(&l->out, "NO", NULL, c.bad);
			continue;
		}
		if (rc == MSV_FATAL) {
			msv_login_bye(l, c.bad);
			login_flush(l);
			login_end(l, true);
			break;
		}
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL,
		    EVBUFFER_EOL_LF);
		size_t avail = evbuffer_get_length(in);
		size_t n = eol.pos >= 0 ? (size_t)eol.pos + 1 :
		    avail > MSV_MAX_LINE ? avail : 0;
		if (n == 0)
			break;
		msv_feed(l->msv, evbuffer_pullup(in, (ssize_t)n), n);
		evbuffer_drain(in, n);
	}
	login_flush(l);
}

void msv_login_result(struct login *l, uint8_t result)
{
	if (result == AUTH_OK) {
		msv_reply(&l->out, "OK", NULL, "Logged in");
		login_flush(l);
		login_start_relay(l);
		return;
	}
	close(l->proxy_fd);
	l->proxy_fd = -1;
	msv_reply(&l->out, "NO", result == AUTH_BAD ? NULL : "TRYLATER",
	    result == AUTH_BAD ? "Authentication failed" : result == AUTH_BANNED ?
	    "Too many failed logins, try again later" :
	    "Temporary failure, try again later");
	bufferevent_enable(l->bev, EV_READ);
	msv_login_pump(l);
}
