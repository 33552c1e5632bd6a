/* Vacation replies and redirects leave deliver as smtp's messages do:
 * the recipient resolved by lookup (RCPT_CHECK, as an authenticated
 * client, so another domain may be the target), then the message queued
 * by the queue (QUEUE_INJECT with the bytes as a descriptor). Runs on
 * the event loop's thread only. */
#include "daemon/deliver_sieve.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/child.h"
#include "smtp/envelope.h"

struct dsieve_msg {
	struct dsieve_msg *next;
	struct dsieve_out *owner;
	enum dsieve_kind kind;
	char *rcpt, *sender;
	int fd;
	uint64_t rcpt_req, inject_req;   /* the answer awaited, or 0 */
};

struct dsieve_out {
	struct dsieve_out *next;         /* in `active` while sending */
	struct dsieve_msg *msgs;
	struct buf log;                  /* lines from the worker */
	size_t pending;
	bool ok;
	dsieve_done_fn *done;
	void *arg;
};

static struct dsieve_out *active;
static uint64_t next_req;

static struct dsieve_out *out_get(struct dsieve_out **out)
{
	if (*out == NULL)
		*out = xcalloc(1, sizeof **out);
	return *out;
}

void dsieve_out_add(struct dsieve_out **out, enum dsieve_kind kind,
    const char *rcpt, const char *sender, int fd)
{
	struct dsieve_out *o = out_get(out);
	struct dsieve_msg *m = xcalloc(1, sizeof *m);
	*m = (struct dsieve_msg){ .next = o->msgs, .owner = o, .kind = kind,
		.rcpt = xstrdup(rcpt), .sender = xstrdup(sender), .fd = fd };
	o->msgs = m;
}

void dsieve_out_log(struct dsieve_out **out, const char *fmt, ...)
{
	va_list ap;
	struct dsieve_out *o = out_get(out);
	va_start(ap, fmt);
	buf_vprintf(&o->log, fmt, ap);
	va_end(ap);
	buf_addch(&o->log, '\n');
}

static const char *kind_name(enum dsieve_kind k)
{
	return k == DSIEVE_VACATION ? "vacation reply" : "redirect";
}

static void out_free(struct dsieve_out *o)
{
	while (o->msgs != NULL) {
		struct dsieve_msg *m = o->msgs;
		o->msgs = m->next;
		if (m->fd >= 0)
			close(m->fd);
		free(m->rcpt);
		free(m->sender);
		free(m);
	}
	buf_free(&o->log);
	free(o);
}

static void out_finish(struct dsieve_out *o)
{
	for (struct dsieve_out **pp = &active; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	dsieve_done_fn *done = o->done;
	void *arg = o->arg;
	bool ok = o->ok;
	out_free(o);
	done(arg, ok);
}

static void msg_end(struct dsieve_msg *m, bool ok, const char *why)
{
	struct dsieve_out *o = m->owner;
	m->rcpt_req = m->inject_req = 0;
	if (!ok) {
		log_warn("deliver: sieve %s to <%s> not sent: %s", kind_name(m->kind),
		    m->rcpt, why);
		if (m->kind == DSIEVE_REDIRECT)
			o->ok = false;
	}
	if (--o->pending == 0)
		out_finish(o);
}

static void ask_lookup(struct dsieve_msg *m)
{
	struct ipc_chan *ch = child_peer(PROC_LOOKUP);
	struct stat st;
	if (ch == NULL || fstat(m->fd, &st) != 0) {
		msg_end(m, false, "lookup unavailable");
		return;
	}
	struct buf p = BUF_INIT;
	ipc_w_str(&p, m->rcpt);
	ipc_w_str(&p, m->sender);
	ipc_w_str(&p, "");
	ipc_w_u64(&p, (uint64_t)st.st_size);
	ipc_w_u8(&p, 1);     /* as a user's own mail: other domains allowed */
	m->rcpt_req = ++next_req;
	ipc_send_buf(ch, MSG_RCPT_CHECK, m->rcpt_req, -1, &p);
	buf_free(&p);
}

void dsieve_send(struct dsieve_out *o, dsieve_done_fn *done, void *arg)
{
	if (o == NULL) {
		done(arg, true);
		return;
	}
	for (char *line = o->log.data, *nl; line && (nl = strchr(line, '\n'));
	    line = nl + 1) {
		*nl = '\0';
		log_info("%s", line);
	}
	o->done = done;
	o->arg = arg;
	o->ok = true;
	for (struct dsieve_msg *m = o->msgs; m; m = m->next)
		o->pending++;
	if (o->pending == 0) {
		out_finish(o);
		return;
	}
	o->next = active;
	active = o;
	/* msg_end may finish o: walk a copy of the list's links first. */
	size_t n = o->pending;
	struct dsieve_msg **v = xcalloc(n, sizeof *v);
	size_t k = 0;
	for (struct dsieve_msg *m = o->msgs; m; m = m->next)
		v[k++] = m;
	for (k = 0; k < n; k++)
		ask_lookup(v[k]);
	free(v);
}

static struct dsieve_msg *find(uint64_t id, bool inject)
{
	for (struct dsieve_out *o = active; o; o = o->next)
		for (struct dsieve_msg *m = o->msgs; m; m = m->next)
			if (id != 0 && (inject ? m->inject_req : m->rcpt_req) == id)
				return m;
	return NULL;
}

/* RCPT_RESULT: u32 code, str enh, str text, u32 n,
 * n * (str dest, str folder, u8 kind, u64 quota) -> QUEUE_INJECT. */
static void on_rcpt_result(const struct ipc_msg *im)
{
	struct dsieve_msg *m = find(im->id, false);
	if (m == NULL)
		return;
	struct ipc_reader r;
	uint32_t code, n;
	const char *enh, *text, *dest, *folder;
	uint8_t kind;
	uint64_t quota;
	ipc_reader_init(&r, im);
	bool ok = ipc_r_u32(&r, &code) && ipc_r_str(&r, &enh) &&
	    ipc_r_str(&r, &text) && ipc_r_u32(&r, &n);
	struct ipc_chan *queue = child_peer(PROC_QUEUE);
	if (!ok || code != 250 || n == 0 || n > ENVELOPE_MAX_RCPTS ||
	    queue == NULL) {
		msg_end(m, false, ok && code != 250 ? text : "recipient not resolved");
		return;
	}
	struct buf p = BUF_INIT;
	ipc_w_str(&p, m->sender);
	ipc_w_u32(&p, m->kind == DSIEVE_VACATION ? ENV_F_SUBMISSION : 0);
	ipc_w_u32(&p, n);
	for (uint32_t i = 0; ok && i < n; i++) {
		ok = ipc_r_str(&r, &dest) && ipc_r_str(&r, &folder) &&
		    ipc_r_u8(&r, &kind) && ipc_r_u64(&r, &quota);
		ipc_w_str(&p, m->rcpt);
		ipc_w_str(&p, ok ? dest : "");
		ipc_w_str(&p, ok ? folder : "");
		ipc_w_u8(&p, ok ? kind : 0);
	}
	if (!ok || !ipc_r_done(&r)) {
		msg_end(m, false, "malformed RCPT_RESULT");
	} else {
		m->rcpt_req = 0;
		m->inject_req = ++next_req;
		ipc_send_buf(queue, MSG_QUEUE_INJECT, m->inject_req, m->fd, &p);
		m->fd = -1;     /* ipc_send closed it */
	}
	buf_free(&p);
}

/* QUEUE_INJECT_RESULT: u32 code, str enh, str text (250: the id). */
static void on_inject_result(const struct ipc_msg *im)
{
	struct dsieve_msg *m = find(im->id, true);
	if (m == NULL)
		return;
	struct ipc_reader r;
	uint32_t code;
	const char *enh, *text;
	ipc_reader_init(&r, im);
	if (!ipc_r_u32(&r, &code) || !ipc_r_str(&r, &enh) ||
	    !ipc_r_str(&r, &text) || !ipc_r_done(&r)) {
		msg_end(m, false, "malformed QUEUE_INJECT_RESULT");
	} else if (code != 250) {
		msg_end(m, false, text);
	} else {
		log_info("deliver: sieve %s to <%s> queued as %s", kind_name(m->kind),
		    m->rcpt, text);
		msg_end(m, true, NULL);
	}
}

bool dsieve_message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_LOOKUP && m->type == MSG_RCPT_RESULT)
		on_rcpt_result(m);
	else if (from == PROC_QUEUE && m->type == MSG_QUEUE_INJECT_RESULT)
		on_inject_result(m);
	else
		return false;
	return true;
}

/* Ends every message waiting on the peer (all of them with PROC_NROLES). */
static void fail_waiting(enum proc_role peer, const char *why)
{
	bool again = true;
	while (again) {
		again = false;
		for (struct dsieve_out *o = active; o && !again; o = o->next)
			for (struct dsieve_msg *m = o->msgs; m && !again; m = m->next)
				if ((m->rcpt_req && peer != PROC_QUEUE) ||
				    (m->inject_req && peer != PROC_LOOKUP)) {
					msg_end(m, false, why);
					again = true;   /* o may be gone: start over */
				}
	}
}

void dsieve_peer_down(enum proc_role peer)
{
	if (peer == PROC_LOOKUP || peer == PROC_QUEUE)
		fail_waiting(peer, "peer restarted");
}

void dsieve_shutdown(void)
{
	fail_waiting(PROC_NROLES, "shutting down");
	dsieve_cache_free();
}
