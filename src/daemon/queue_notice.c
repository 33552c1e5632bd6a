/* Delivery status notifications from the queue (bounces and delay
 * notices, src/smtp/bounce.h). A notice is built from the original's
 * envelope and header block at once, its recipient (the original's
 * sender) resolved through lookup's RCPT_CHECK like any recipient, and
 * it is then queued with queue_inject: with the null sender, so nothing
 * ever answers it, and marked as submitted so the relay signs it with
 * the key of our host name's domain when there is one. */
#include "daemon/queue_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/child.h"

struct notice {
	struct notice *next;
	uint64_t req;
	bool committing;           /* queued; waiting for the group commit */
	char qid[QUEUE_ID_SIZE];   /* the original message */
	char *sender;              /* whom the notice goes to */
	uint32_t flags;
	enum bounce_kind kind;
	struct buf text;
	queue_notice_done_fn *done;
	void *arg;
};

static struct notice *notices;
static uint64_t next_req;

static const char *kind_name(enum bounce_kind kind)
{
	return kind == BOUNCE_FAILED ? "bounce" : "delay notice";
}

static void notice_free(struct notice *n)
{
	free(n->sender);
	buf_free(&n->text);
	free(n);
}

static void unlink_notice(struct notice *n)
{
	for (struct notice **pp = &notices; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			return;
		}
}

static void finish(struct notice *n, bool sent)
{
	unlink_notice(n);
	queue_notice_done_fn *done = n->done;
	void *arg = n->arg;
	notice_free(n);
	done(arg, sent);
}

static bool has_8bit(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] >= 0x80)
			return true;
	return false;
}

/* The header block of the original, read from the spool. */
static bool read_headers(const char *id, struct buf *out)
{
	struct buf err = BUF_INIT;
	int fd = queue_store_open_msg(queue_spool(), id, &err);
	bool ok = fd >= 0 && bounce_read_headers(fd, out);
	if (!ok)
		log_err("queue %s: cannot read its headers for a notice: %s", id,
		    fd < 0 ? buf_cstr(&err) : "read error");
	if (fd >= 0)
		close(fd);
	buf_free(&err);
	return ok;
}

/* env with only the recipients pick marks (a shallow view: the strings
 * stay env's; free only view->rcpts). */
static void pick_view(const struct envelope *env, const bool *pick,
    struct envelope *view)
{
	*view = *env;
	if (pick == NULL)
		return;
	view->rcpts = xcalloc(env->nrcpts ? env->nrcpts : 1, sizeof *view->rcpts);
	view->nrcpts = 0;
	for (size_t i = 0; i < env->nrcpts; i++)
		if (pick[i])
			view->rcpts[view->nrcpts++] = env->rcpts[i];
}

bool queue_notice_start(const struct envelope *env, enum bounce_kind kind,
    const bool *pick, queue_notice_done_fn *done, void *arg)
{
	struct ipc_chan *lookup = child_peer(PROC_LOOKUP);
	struct buf headers = BUF_INIT;
	if (lookup == NULL || queue_spool() == NULL ||
	    !read_headers(env->id, &headers)) {
		buf_free(&headers);
		return false;
	}
	struct notice *n = xcalloc(1, sizeof *n);
	struct envelope view;
	pick_view(env, pick, &view);
	struct bounce_params bp = { &view, kind,
		config_str(child_config(), "hostname"), (uint64_t)time(NULL),
		headers.data, headers.len };
	bounce_build(&bp, &n->text);
	if (pick != NULL)
		free(view.rcpts);
	n->req = ++next_req;
	memcpy(n->qid, env->id, sizeof n->qid);
	n->sender = xstrdup(env->sender);
	n->kind = kind;
	n->done = done;
	n->arg = arg;
	/* 8-bit header bytes of the original are quoted as they are. */
	n->flags = ENV_F_SUBMISSION | (env->flags & ENV_F_SMTPUTF8) |
	    (has_8bit(&headers) ? ENV_F_8BITMIME : 0);
	buf_free(&headers);

	struct buf p = BUF_INIT;
	ipc_w_str(&p, n->sender);
	ipc_w_str(&p, "");
	ipc_w_str(&p, "");
	ipc_w_u64(&p, n->text.len);
	ipc_w_u8(&p, 1);    /* as if authenticated: remote senders resolve */
	bool ok = ipc_send_buf(lookup, MSG_RCPT_CHECK, n->req, -1, &p);
	buf_free(&p);
	if (!ok) {
		notice_free(n);
		return false;
	}
	n->next = notices;
	notices = n;
	return true;
}

static struct notice *find(uint64_t req, bool committing)
{
	for (struct notice *n = notices; n; n = n->next)
		if (n->req == req && n->committing == committing)
			return n;
	return NULL;
}

/* The sender's destinations (RCPT_RESULT after the code) become the
 * notice's recipients; then it joins the next group commit. */
static bool inject(struct notice *n, struct ipc_reader *r)
{
	struct envelope t;
	struct buf err = BUF_INIT;
	uint32_t count;
	bool ok = ipc_r_u32(r, &count) && count > 0 && count <= ENVELOPE_MAX_RCPTS;
	envelope_init(&t);
	envelope_set(&t.sender, "");
	t.flags = n->flags;
	for (uint32_t i = 0; ok && i < count; i++) {
		const char *dest, *folder;
		uint8_t kind;
		uint64_t quota;
		ok = ipc_r_str(r, &dest) && ipc_r_str(r, &folder) &&
		    ipc_r_u8(r, &kind) && ipc_r_u64(r, &quota);
		if (ok)
			envelope_add_rcpt(&t, n->sender, dest, folder,
			    (enum rcpt_kind)kind);
	}
	ok = ok && ipc_r_done(r);
	if (!ok)
		buf_printf(&err, "malformed RCPT_RESULT");
	ok = ok && queue_inject(&t, -1, n->text.data, n->text.len, n->req,
	    PROC_QUEUE, &err);
	if (!ok)
		log_err("queue %s: %s to <%s> not queued: %s", n->qid,
		    kind_name(n->kind), n->sender, buf_cstr(&err));
	envelope_free(&t);
	buf_free(&err);
	return ok;
}

void queue_notice_on_rcpt_result(const struct ipc_msg *m)
{
	struct notice *n = find(m->id, false);
	struct ipc_reader r;
	uint32_t code;
	const char *enh, *text;
	if (n == NULL)
		return;
	ipc_reader_init(&r, m);
	if (!ipc_r_u32(&r, &code) || !ipc_r_str(&r, &enh) ||
	    !ipc_r_str(&r, &text)) {
		log_err("queue: malformed RCPT_RESULT");
		finish(n, false);
	} else if (code / 100 == 2) {
		if (inject(n, &r))
			n->committing = true;
		else
			finish(n, false);
	} else if (code / 100 == 5) {
		/* Nobody to tell: the notice is dropped, as it must not be
		 * retried for ever. */
		log_warn("queue %s: %s to <%s> dropped: %u %s %s", n->qid,
		    kind_name(n->kind), n->sender, code, enh, text);
		finish(n, true);
	} else {
		finish(n, false);
	}
}

void queue_notice_committed(uint64_t req, bool ok, const char *text)
{
	struct notice *n = find(req, true);
	if (n == NULL)
		return;
	if (ok)
		log_info("queue %s: %s to <%s> queued as %s", n->qid,
		    kind_name(n->kind), n->sender, text);
	finish(n, ok);
}

void queue_notice_lookup_down(void)
{
	/* Those waiting for lookup's answer will not get it; take them out
	 * first, since done() may start new notices. */
	struct notice *lost = NULL, **pp = &notices;
	while (*pp != NULL) {
		struct notice *n = *pp;
		if (n->committing) {
			pp = &n->next;
			continue;
		}
		*pp = n->next;
		n->next = lost;
		lost = n;
	}
	while (lost != NULL) {
		struct notice *n = lost;
		lost = n->next;
		n->next = NULL;
		queue_notice_done_fn *done = n->done;
		void *arg = n->arg;
		notice_free(n);
		done(arg, false);
	}
}

void queue_notice_free_all(void)
{
	while (notices != NULL) {
		struct notice *n = notices;
		notices = n->next;
		notice_free(n);
	}
}
