/* Helper for test_smtp_server.c (no tests of its own). */
#include "smtp_sess.h"

#include <string.h>

static struct buf taken = BUF_INIT;

struct smtp_server_params sess_params(void)
{
	struct smtp_server_params p = { 0 };
	p.hostname = "mx.test";
	p.flags = SMTP_SRV_TLS_AVAILABLE;
	return p;
}

void sess_open(struct sess *t, const struct smtp_server_params *p)
{
	memset(t, 0, sizeof(*t));
	t->s = smtp_server_new(p);
	sess_pump(t);
}

void sess_close(struct sess *t)
{
	smtp_server_free(t->s);
	buf_free(&t->out);
	buf_free(&t->log);
	buf_free(&t->body);
	buf_free(&taken);
}

static void collect_output(struct sess *t)
{
	size_t n;
	const char *o = smtp_server_output(t->s, &n);
	buf_add(&t->out, o, n);
	smtp_server_output_consume(t->s, n);
}

static int verdict(const struct smtp_event *ev, const char **enh,
    const char **text)
{
	*enh = NULL;
	*text = NULL;
	switch (ev->type) {
	case SMTP_EV_MAIL:
		if (strncmp(ev->path->mailbox, "bad@", 4) == 0)
			return *enh = "5.7.1", *text = "Sender refused", 550;
		return 250;
	case SMTP_EV_RCPT:
		if (strcmp(ev->path->domain, "bad.test") == 0)
			return *enh = "5.1.1", *text = "No such user", 550;
		return 250;
	case SMTP_EV_DATA_END:
		return *enh = "2.0.0", *text = "queued", 250;
	case SMTP_EV_AUTH:
		if (strcmp(ev->password, "secret") == 0)
			return *enh = "2.7.0", *text = "Authenticated", 235;
		return *enh = "5.7.8", *text = "Bad credentials", 535;
	default:
		return 0;
	}
}

static struct smtp_event last_verdict;

void sess_answer(struct sess *t)
{
	const char *enh, *text;
	int code = verdict(&last_verdict, &enh, &text);
	smtp_server_reply(t->s, code, enh, text);
	collect_output(t);
}

static void log_event(struct sess *t, const struct smtp_event *ev)
{
	switch (ev->type) {
	case SMTP_EV_HELO:
		buf_printf(&t->log, "%s %s\n", ev->esmtp ? "EHLO" : "HELO", ev->helo);
		break;
	case SMTP_EV_MAIL:
		buf_printf(&t->log, "MAIL <%s> size=%llu body=%d utf8=%d auth=%s\n",
		    ev->path->mailbox, (unsigned long long)ev->size, (int)ev->body,
		    ev->smtputf8, ev->auth_param ? ev->auth_param : "-");
		break;
	case SMTP_EV_RCPT:
		buf_printf(&t->log, "RCPT <%s>\n", ev->path->mailbox);
		break;
	case SMTP_EV_DATA:
		buf_addstr(&t->log, "DATA\n");
		break;
	case SMTP_EV_BODY:
		buf_add(&t->body, ev->data, ev->len);
		break;
	case SMTP_EV_DATA_END:
		buf_printf(&t->log, "END %llu\n", (unsigned long long)ev->size);
		break;
	case SMTP_EV_RESET:
		buf_printf(&t->log, "RESET %s\n", ev->text);
		break;
	case SMTP_EV_STARTTLS:
		buf_addstr(&t->log, "STARTTLS\n");
		break;
	case SMTP_EV_AUTH:
		buf_printf(&t->log, "AUTH %s [%s] [%s] [%s]\n", ev->mech,
		    ev->authzid, ev->authcid, ev->password);
		break;
	case SMTP_EV_CLOSE:
		buf_printf(&t->log, "CLOSE %d\n", (int)ev->reason);
		t->closed = true;
		break;
	case SMTP_EV_NONE:
		break;
	}
}

void sess_pump(struct sess *t)
{
	struct smtp_event ev;
	for (;;) {
		while (smtp_server_next_event(t->s, &ev)) {
			log_event(t, &ev);
			if (ev.type == SMTP_EV_MAIL || ev.type == SMTP_EV_RCPT ||
			    ev.type == SMTP_EV_DATA_END || ev.type == SMTP_EV_AUTH)
				last_verdict = ev;
		}
		collect_output(t);
		if (t->hold || !smtp_server_waiting(t->s))
			return;
		sess_answer(t);
	}
}

void sess_feed(struct sess *t, const char *in, size_t len, size_t chunk)
{
	size_t off = 0;
	if (chunk == 0)
		chunk = len;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		size_t took = smtp_server_feed(t->s, in + off, n);
		off += took;
		sess_pump(t);
		if (took == 0 && smtp_server_waiting(t->s))
			return;   /* held verdict: the rest stays with the caller */
	}
}

void sess_send(struct sess *t, const char *in)
{
	sess_feed(t, in, strlen(in), 0);
}

const char *sess_take(struct sess *t)
{
	buf_set(&taken, buf_cstr(&t->out));
	buf_reset(&t->out);
	return buf_cstr(&taken);
}
