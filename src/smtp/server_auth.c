/* AUTH PLAIN and LOGIN (RFC 4954, RFC 4616): offered only under TLS when
 * the glue allows it; the engine decodes base64 and hands the glue the
 * credentials in one VERDICT event. Secrets are wiped once answered. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "smtp/server_int.h"

enum { MECH_PLAIN = 1, MECH_LOGIN = 2 };

void srv_auth_wipe(struct smtp_server *s)
{
	s->auth_mech = s->auth_step = 0;
	buf_free(&s->auth_id);
	buf_free(&s->auth_secret);
}

/* Base64 (RFC 4648, padded) into dst; "=" is the empty response. */
static bool b64_decode(const char *in, struct buf *dst)
{
	size_t len = strlen(in), out = 0;
	buf_free(dst);
	if (strcmp(in, "=") == 0 || len == 0) {
		buf_add(dst, "", 0);
		return true;
	}
	buf_reserve(dst, len / 4 * 3 + 3);
	if (sodium_base642bin((unsigned char *)dst->data, dst->cap - 1, in, len,
	    NULL, &out, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	dst->len = out;
	dst->data[out] = '\0';
	return true;
}

static void auth_fail(struct smtp_server *s, int code, const char *enh,
    const char *text)
{
	srv_auth_wipe(s);
	s->phase = PH_CMD;
	srv_error(s, code, enh, text);
}

/* Credentials complete in auth_secret as authzid NUL authcid NUL password. */
static void auth_ask_glue(struct smtp_server *s, const char *mech)
{
	const char *zid = s->auth_secret.data;
	const char *cid = zid + strlen(zid) + 1;
	const char *pw = cid + strlen(cid) + 1;
	s->phase = PH_CMD;
	s->wait = W_AUTH;
	struct smtp_event *ev = srv_push(s, SMTP_EV_AUTH);
	ev->mech = mech;
	ev->authzid = zid;
	ev->authcid = cid;
	ev->password = pw;
}

/* RFC 4616: [authzid] NUL authcid NUL passwd, exactly two NULs. */
static void plain_response(struct smtp_server *s, const char *b64)
{
	if (!b64_decode(b64, &s->auth_secret)) {
		auth_fail(s, 501, "5.5.2", "Cannot decode base64");
		return;
	}
	const char *d = s->auth_secret.data;
	size_t len = s->auth_secret.len;
	const char *n1 = memchr(d, '\0', len);
	const char *n2 = n1 ? memchr(n1 + 1, '\0', len - (size_t)(n1 + 1 - d)) : NULL;
	if (n2 == NULL || n2 == n1 + 1 || n2 + 1 == d + len ||
	    memchr(n2 + 1, '\0', len - (size_t)(n2 + 1 - d)) != NULL) {
		auth_fail(s, 501, "5.5.2", "Malformed PLAIN response");
		return;
	}
	auth_ask_glue(s, "PLAIN");
}

static void login_user(struct smtp_server *s, const char *b64)
{
	if (!b64_decode(b64, &s->auth_id)) {
		auth_fail(s, 501, "5.5.2", "Cannot decode base64");
		return;
	}
	if (s->auth_id.len == 0 || memchr(s->auth_id.data, '\0', s->auth_id.len)) {
		auth_fail(s, 501, "5.5.2", "Malformed user name");
		return;
	}
	s->auth_step = 2;
	s->phase = PH_AUTH;
	srv_reply(s, 334, NULL, "UGFzc3dvcmQ6");   /* "Password:" */
}

static void login_password(struct smtp_server *s, const char *b64)
{
	struct buf pw = BUF_INIT;
	if (!b64_decode(b64, &pw) || pw.len == 0 ||
	    memchr(pw.data, '\0', pw.len) != NULL) {
		buf_free(&pw);
		auth_fail(s, 501, "5.5.2", "Malformed password");
		return;
	}
	buf_free(&s->auth_secret);
	buf_addch(&s->auth_secret, '\0');
	buf_add(&s->auth_secret, s->auth_id.data, s->auth_id.len + 1);
	buf_add(&s->auth_secret, pw.data, pw.len);
	buf_free(&pw);
	auth_ask_glue(s, "LOGIN");
}

static bool auth_allowed(struct smtp_server *s)
{
	if (!(s->flags & SMTP_SRV_AUTH))
		srv_error(s, 502, "5.5.1", "AUTH not available");
	else if (!s->tls)
		srv_error(s, 538, "5.7.11", "Encryption required for "
		    "requested authentication mechanism");
	else if (s->helo != 2)
		srv_error(s, 503, "5.5.1", "Send EHLO first");
	else if (s->auth_user != NULL)
		srv_error(s, 503, "5.5.1", "Already authenticated");
	else if (s->in_mail)
		srv_error(s, 503, "5.5.1", "AUTH not permitted during a "
		    "mail transaction");
	else
		return true;
	return false;
}

void srv_cmd_auth(struct smtp_server *s, char *args)
{
	if (!auth_allowed(s))
		return;
	char *ir = strchr(args, ' ');
	if (ir != NULL)
		*ir++ = '\0';
	if (strcasecmp(args, "PLAIN") == 0) {
		s->auth_mech = MECH_PLAIN;
		if (ir != NULL) {
			plain_response(s, ir);
			return;
		}
		s->phase = PH_AUTH;
		s->auth_step = 1;
		srv_reply(s, 334, NULL, "%s", "");
	} else if (strcasecmp(args, "LOGIN") == 0) {
		s->auth_mech = MECH_LOGIN;
		if (ir != NULL) {
			login_user(s, ir);
			return;
		}
		s->phase = PH_AUTH;
		s->auth_step = 1;
		srv_reply(s, 334, NULL, "VXNlcm5hbWU6");   /* "Username:" */
	} else {
		srv_error(s, 504, "5.5.4", "Unrecognized authentication type");
	}
}

void srv_auth_line(struct smtp_server *s, char *line)
{
	if (strcmp(line, "*") == 0)
		auth_fail(s, 501, "5.0.0", "Authentication cancelled");
	else if (s->auth_mech == MECH_PLAIN)
		plain_response(s, line);
	else if (s->auth_step == 1)
		login_user(s, line);
	else
		login_password(s, line);
}

void srv_auth_done(struct smtp_server *s, int code)
{
	if (code >= 200 && code < 300) {
		const char *zid = s->auth_secret.data;
		free(s->auth_user);
		s->auth_user = xstrdup(zid + strlen(zid) + 1);
	} else {
		srv_auth_wipe(s);
		srv_count_error(s);   /* a guessing client hits max_errors */
		return;
	}
	srv_auth_wipe(s);
}
