/* The session before mail: greeting, EHLO (HELO when EHLO is refused,
 * RFC 5321 3.2), the extensions offered, STARTTLS (RFC 3207), AUTH PLAIN
 * and LOGIN for a smarthost (RFC 4954, 4616), and the RSET reply that
 * makes the session ready again after an aborted transaction. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "smtp/client_int.h"
#include "smtp/smtp_parse.h"

void cli_send_ehlo(struct smtp_client *c)
{
	memset(&c->ext, 0, sizeof(c->ext));
	if (cli_command(c, "EHLO %s", c->helo_name))
		c->phase = CP_EHLO;
}

static bool word_is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

/* "AUTH PLAIN LOGIN" (or the old "AUTH=PLAIN LOGIN"): words after the
 * keyword. */
static void parse_auth(struct smtp_client_ext *x, const char *p)
{
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (word_is(p, n, "PLAIN"))
			x->auth_plain = true;
		else if (word_is(p, n, "LOGIN"))
			x->auth_login = true;
		p += n;
	}
}

/* SIZE with no number or 0 means no fixed limit (RFC 1870 4). */
static void parse_size(struct smtp_client_ext *x, const char *p)
{
	uint64_t v = 0;
	while (*p == ' ')
		p++;
	x->size = true;
	x->size_max = *p != '\0' && smtp_parse_u64(p, &v) ? v : 0;
}

/* One EHLO line after the first: a keyword and its parameters. Text is
 * sanitised already, so unknown or odd lines are simply ignored. */
static void ehlo_keyword(struct smtp_client_ext *x, const char *line)
{
	size_t n = strcspn(line, " =");
	const char *rest = line + n + (line[n] != '\0');
	if (word_is(line, n, "SIZE"))
		parse_size(x, rest);
	else if (word_is(line, n, "8BITMIME"))
		x->eightbitmime = true;
	else if (word_is(line, n, "SMTPUTF8"))
		x->smtputf8 = true;
	else if (word_is(line, n, "PIPELINING"))
		x->pipelining = true;
	else if (word_is(line, n, "STARTTLS"))
		x->starttls = true;
	else if (word_is(line, n, "CHUNKING"))
		x->chunking = true;
	else if (word_is(line, n, "ENHANCEDSTATUSCODES"))
		x->enhancedstatuscodes = true;
	else if (word_is(line, n, "AUTH"))
		parse_auth(x, rest);
}

static void parse_ehlo(struct smtp_client *c)
{
	const char *p = buf_cstr(&c->rp.each);
	memset(&c->ext, 0, sizeof(c->ext));
	p += strcspn(p, "\n");   /* the first line is the server's name */
	while (*p == '\n') {
		p++;
		size_t n = strcspn(p, "\n");
		char *line = xstrndup(p, n);
		ehlo_keyword(&c->ext, line);
		free(line);
		p += n;
	}
	c->ext.esmtp = true;
	if (c->flags & SMTP_CLI_F_NO_PIPELINING)
		c->ext.pipelining = false;
}

static void fail_tls_required(struct smtp_client *c)
{
	struct buf text = BUF_INIT;
	if (c->tls_refused) {
		struct buf reply = BUF_INIT;
		cli_reply_line(c, &reply);
		buf_printf(&text, "TLS is required, but host %s refused to "
		    "start TLS: %s", c->peer, buf_cstr(&reply));
		buf_free(&reply);
	} else {
		buf_printf(&text, "TLS is required, but was not offered by "
		    "host %s", c->peer);
	}
	cli_fail(c, SMTP_CLI_TLS_REQUIRED, true, 450, "4.7.4", NULL,
	    buf_cstr(&text));
	buf_free(&text);
}

static void fail_auth(struct smtp_client *c, const char *why)
{
	struct buf text = BUF_INIT;
	buf_printf(&text, "cannot authenticate to %s: %s", c->peer, why);
	cli_fail(c, SMTP_CLI_AUTH, true, 450, "4.7.0", NULL, buf_cstr(&text));
	buf_free(&text);
}

static void send_b64(struct smtp_client *c, const char *prefix,
    const unsigned char *bin, size_t len)
{
	size_t b64len = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(b64len);
	sodium_bin2base64(b64, b64len, bin, len,
	    sodium_base64_VARIANT_ORIGINAL);
	cli_command(c, "%s%s", prefix, b64);
	sodium_memzero(b64, b64len);
	free(b64);
}

/* PLAIN with the initial response (RFC 4616): NUL user NUL password. */
static void auth_plain(struct smtp_client *c)
{
	size_t ulen = strlen(c->auth_user), plen = strlen(c->auth_pass);
	struct buf msg = BUF_INIT;
	buf_addch(&msg, '\0');
	buf_add(&msg, c->auth_user, ulen);
	buf_addch(&msg, '\0');
	buf_add(&msg, c->auth_pass, plen);
	send_b64(c, "AUTH PLAIN ", (const unsigned char *)msg.data, msg.len);
	buf_free(&msg);
}

static void start_auth(struct smtp_client *c)
{
	if (!c->tls) {
		fail_auth(c, "refusing to send credentials without TLS");
		return;
	}
	if (!c->ext.auth_plain && !c->ext.auth_login) {
		fail_auth(c, "no AUTH PLAIN or LOGIN offered");
		return;
	}
	c->phase = CP_AUTH;
	c->auth_step = 0;
	if (c->ext.auth_plain)
		auth_plain(c);
	else
		cli_command(c, "AUTH LOGIN");
}

/* After EHLO or HELO: TLS first, then credentials, then ready. */
static void after_hello(struct smtp_client *c)
{
	if (!c->tls && c->ext.starttls && !c->tls_refused &&
	    !(c->flags & SMTP_CLI_F_NO_STARTTLS)) {
		if (cli_command(c, "STARTTLS"))
			c->phase = CP_STARTTLS;
		return;
	}
	if (!c->tls && (c->flags & SMTP_CLI_F_TLS_REQUIRED)) {
		fail_tls_required(c);
		return;
	}
	if (c->auth_user != NULL) {
		start_auth(c);
		return;
	}
	cli_ready(c);
}

static void greeting_reply(struct smtp_client *c)
{
	if (c->rp.code != 220) {
		struct buf what = BUF_INIT;
		buf_printf(&what, "host %s refused to talk to me", c->peer);
		cli_fail_reply(c, SMTP_CLI_GREETING, c->rp.code >= 500,
		    buf_cstr(&what));
		buf_free(&what);
		return;
	}
	cli_send_ehlo(c);
}

static void ehlo_reply(struct smtp_client *c)
{
	int cls = c->rp.code / 100;
	if (cls == 2) {
		parse_ehlo(c);
		after_hello(c);
	} else if (cls == 5) {
		if (cli_command(c, "HELO %s", c->helo_name))
			c->phase = CP_HELO;
	} else {
		cli_fail_reply(c, cls == 3 ? SMTP_CLI_PROTOCOL : SMTP_CLI_HELO,
		    cls != 3, NULL);
	}
}

static void helo_reply(struct smtp_client *c)
{
	if (c->rp.code / 100 != 2) {
		cli_fail_reply(c, SMTP_CLI_HELO, c->rp.code / 100 != 3, NULL);
		return;
	}
	memset(&c->ext, 0, sizeof(c->ext));
	after_hello(c);
}

static void starttls_reply(struct smtp_client *c)
{
	if (c->rp.code == 220) {
		/* RFC 3207 5: anything after the 220 could be injected in
		 * the clear and must not be read as a reply under TLS */
		c->in_off = c->in.len;
		c->phase = CP_TLS;
		cli_push(c, SMTP_CEV_STARTTLS);
		return;
	}
	if (c->rp.code / 100 < 4) {
		cli_fail_reply(c, SMTP_CLI_PROTOCOL, false, NULL);
		return;
	}
	c->tls_refused = true;
	after_hello(c);
}

static void auth_reply(struct smtp_client *c)
{
	if (c->rp.code == 235) {
		cli_ready(c);
		return;
	}
	if (c->rp.code == 334 && !c->ext.auth_plain && c->auth_step < 2) {
		const char *v = c->auth_step++ == 0 ? c->auth_user : c->auth_pass;
		send_b64(c, "", (const unsigned char *)v, strlen(v));
		return;
	}
	if (c->rp.code / 100 < 4) {
		cli_fail_reply(c, SMTP_CLI_PROTOCOL, false, NULL);
		return;
	}
	struct buf what = BUF_INIT;
	buf_printf(&what, "authentication failed; host %s said", c->peer);
	cli_fail_reply(c, SMTP_CLI_AUTH, true, buf_cstr(&what));
	buf_free(&what);
}

static void rset_reply(struct smtp_client *c)
{
	if (c->rp.code / 100 != 2) {
		cli_fail_reply(c, SMTP_CLI_PROTOCOL, false, NULL);
		return;
	}
	cli_ready(c);
}

void cli_hello_reply(struct smtp_client *c)
{
	switch (c->phase) {
	case CP_GREETING:
		greeting_reply(c);
		break;
	case CP_EHLO:
		ehlo_reply(c);
		break;
	case CP_HELO:
		helo_reply(c);
		break;
	case CP_STARTTLS:
		starttls_reply(c);
		break;
	case CP_AUTH:
		auth_reply(c);
		break;
	case CP_RSET:
		rset_reply(c);
		break;
	default:
		break;
	}
}
