/* Helper for the SMTP client tests (no tests of its own). */
#include "smtp_cdrv.h"

#include <stdio.h>
#include <string.h>

static struct buf taken = BUF_INIT;

struct smtp_client_params cdrv_params(void)
{
	struct smtp_client_params p = { 0 };
	p.helo_name = "client.test";
	p.peer = "mx.test[192.0.2.1]";
	return p;
}

void cdrv_open(struct cdrv *d, const struct smtp_client_params *p)
{
	memset(d, 0, sizeof(*d));
	d->c = smtp_client_new(p);
}

void cdrv_start(struct cdrv *d, const struct smtp_client_msg *msgs, size_t n,
    const char *body)
{
	struct smtp_client_params p = cdrv_params();
	cdrv_open(d, &p);
	d->msgs = msgs;
	d->nmsgs = n;
	d->body = body;
}

void cdrv_close(struct cdrv *d)
{
	smtp_client_free(d->c);
	buf_free(&d->out);
	buf_free(&d->log);
	buf_free(&taken);
}

static void collect(struct cdrv *d)
{
	size_t n;
	const char *o = smtp_client_output(d->c, &n);
	buf_add(&d->out, o, n);
	smtp_client_output_consume(d->c, n);
}

static void log_result(struct cdrv *d, const char *tag,
    const struct smtp_client_result *r)
{
	buf_printf(&d->log, "%s %d %s %s| %s\n", tag, r->code, r->enhanced,
	    r->remote ? "remote " : "", r->text);
}

static void feed_body(struct cdrv *d)
{
	const char *body = d->body != NULL ? d->body : "";
	size_t len = strlen(body);
	size_t chunk = d->body_chunk ? d->body_chunk : len;
	for (size_t i = 0; i < len; i += chunk) {
		size_t n = len - i < chunk ? len - i : chunk;
		smtp_client_body(d->c, body + i, n);
		collect(d);
	}
	smtp_client_body_end(d->c);
}

static const char *const close_names[] = {
	"QUIT", "GREETING", "HELO", "TLS_REQUIRED", "AUTH", "SERVICE",
	"PROTOCOL", "LOST", "TIMEOUT",
};

static void handle(struct cdrv *d, const struct smtp_cevent *ev)
{
	switch (ev->type) {
	case SMTP_CEV_STARTTLS:
		buf_addstr(&d->log, "STARTTLS\n");
		collect(d);
		smtp_client_tls_started(d->c);
		break;
	case SMTP_CEV_READY:
		buf_addstr(&d->log, "READY\n");
		if (d->next < d->nmsgs)
			smtp_client_send(d->c, &d->msgs[d->next++]);
		else if (!d->no_quit)
			smtp_client_quit(d->c);
		break;
	case SMTP_CEV_BODY:
		buf_addstr(&d->log, "BODY\n");
		feed_body(d);
		break;
	case SMTP_CEV_DONE:
		buf_printf(&d->log, "DONE%s\n",
		    ev->status == SMTP_MSG_NEED_7BIT ? " NEED_7BIT" : "");
		for (size_t i = 0; i < ev->nrcpts; i++)
			log_result(d, " R", &ev->rcpts[i]);
		break;
	case SMTP_CEV_CLOSED:
		d->closed = true;
		log_result(d, close_names[ev->reason], ev->result);
		break;
	case SMTP_CEV_NONE:
		break;
	}
}

void cdrv_pump(struct cdrv *d)
{
	struct smtp_cevent ev;
	while (smtp_client_next_event(d->c, &ev))
		handle(d, &ev);
	collect(d);
}

void cdrv_turn(struct cdrv *d, const char *replies)
{
	size_t len = strlen(replies);
	size_t chunk = d->feed_chunk ? d->feed_chunk : len;
	for (size_t i = 0; i < len; i += chunk) {
		size_t n = len - i < chunk ? len - i : chunk;
		smtp_client_feed(d->c, replies + i, n);
		cdrv_pump(d);
	}
}

void cdrv_script(struct cdrv *d, const char *const *turns)
{
	for (; *turns != NULL; turns++)
		cdrv_turn(d, *turns);
}

const char *cdrv_take(struct cdrv *d)
{
	buf_set(&taken, buf_cstr(&d->out));
	buf_reset(&d->out);
	return buf_cstr(&taken);
}

static bool same(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return true;
	fprintf(stderr, "%s differs:\n--- got\n%s--- want\n%s---\n", what,
	    got, want);
	return false;
}

bool cdrv_log_is(struct cdrv *d, const char *want)
{
	return same("log", buf_cstr(&d->log), want);
}

bool cdrv_out_is(struct cdrv *d, const char *want)
{
	return same("output", buf_cstr(&d->out), want);
}
