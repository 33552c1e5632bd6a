/* queue process: the group commit. smtp's messages (QUEUE_CREATE gives a
 * file, QUEUE_COMMIT its envelope) and those made inside mailboxd
 * (queue_inject) are made durable together, one sync of each spool
 * directory per turn of the event loop; only then is each answered. */
#include "daemon/queue_state.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/child.h"

/* Answers whoever asked for a commit: smtp (QUEUE_RESULT), deliver
 * (QUEUE_INJECT_RESULT) or the queue itself (a log line on failure). */
static void reply_to(enum proc_role from, uint64_t id, uint32_t code,
    const char *enh, const char *text)
{
	if (from == PROC_QUEUE) {
		queue_notice_committed(id, code == 250, text);
		return;
	}
	struct ipc_chan *ch = child_peer(from);
	if (ch == NULL)
		return;
	struct buf p = BUF_INIT;
	ipc_w_u32(&p, code);
	ipc_w_str(&p, enh);
	ipc_w_str(&p, text);
	ipc_send_buf(ch, from == PROC_SMTP ? MSG_QUEUE_RESULT :
	    MSG_QUEUE_INJECT_RESULT, id, -1, &p);
	buf_free(&p);
}

static void reply_smtp(uint64_t id, uint32_t code, const char *enh, const char *text)
{
	reply_to(PROC_SMTP, id, code, enh, text);
}

void queue_on_create(const struct ipc_msg *m)
{
	char id[QUEUE_ID_SIZE];
	int fd;
	struct buf err = BUF_INIT;
	if (q.stopping || !queue_store_create(q.qs, id, &fd, &err)) {
		if (!q.stopping)
			log_err("queue: %s", buf_cstr(&err));
		reply_smtp(m->id, 452, "4.3.1", "Insufficient system storage");
	} else {
		struct buf p = BUF_INIT;
		ipc_w_str(&p, id);
		struct ipc_chan *ch = child_peer(PROC_SMTP);
		if (ch)
			ipc_send_buf(ch, MSG_QUEUE_CREATED, m->id, fd, &p);
		else
			close(fd);
		buf_free(&p);
	}
	buf_free(&err);
}

/* Commits that arrived in one turn of the event loop are made durable
 * together, with one sync of each queue directory (queue_store.h). */
void queue_commit_pending(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	size_t n = q.npending;
	const struct envelope **es = xcalloc(n, sizeof *es);
	bool *ok = xcalloc(n, sizeof *ok);
	struct buf *errs = xcalloc(n, sizeof *errs);
	uint64_t now = (uint64_t)time(NULL);
	for (size_t i = 0; i < n; i++) {
		q.pending[i].env.arrival = now;
		es[i] = &q.pending[i].env;
	}
	queue_store_commit_many(q.qs, es, n, ok, errs);
	for (size_t i = 0; i < n; i++) {
		struct envelope *e = &q.pending[i].env;
		if (!ok[i]) {
			log_err("queue %s: commit failed: %s", e->id, buf_cstr(&errs[i]));
			reply_to(q.pending[i].from, q.pending[i].req, 452, "4.3.1",
			    "Insufficient system storage");
			envelope_free(e);
		} else {
			reply_to(q.pending[i].from, q.pending[i].req, 250, "2.0.0",
			    e->id);
			struct qmsg *qm = queue_msg_add(e);
			queue_enqueue_due(qm, now);
		}
		buf_free(&errs[i]);
	}
	q.npending = 0;
	free(es);
	free(ok);
	free(errs);
	queue_kick();
}

void queue_on_commit(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const unsigned char *p;
	size_t len;
	struct envelope e = { .nrcpts = 0 };   /* envelope_decode fills it */
	struct buf err = BUF_INIT;
	ipc_reader_init(&r, m);
	bool ok = ipc_r_bytes(&r, &p, &len) && ipc_r_done(&r) &&
	    envelope_decode(p, len, &e, &err);
	if (!ok) {
		log_err("queue: refused envelope from smtp: %s", buf_cstr(&err));
		reply_smtp(m->id, 451, "4.3.0", "Error: bad envelope");
		envelope_free(&e);
	} else {
		queue_pending_add(m->id, PROC_SMTP, &e);
	}
	buf_free(&err);
}

void queue_on_abort(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *id;
	ipc_reader_init(&r, m);
	if (ipc_r_str(&r, &id) && ipc_r_done(&r) && queue_id_valid(id))
		queue_store_abort(q.qs, id);
}


struct queue_store *queue_spool(void)
{
	return q.stopping ? NULL : q.qs;
}

void queue_pending_add(uint64_t req, enum proc_role from, struct envelope *e)
{
	if (q.npending == q.cpending) {
		q.cpending = q.cpending ? 2 * q.cpending : 16;
		q.pending = xreallocarray(q.pending, q.cpending, sizeof *q.pending);
	}
	q.pending[q.npending].req = req;
	q.pending[q.npending].from = from;
	q.pending[q.npending++].env = *e;    /* owns the strings now */
	memset(e, 0, sizeof *e);
	event_active(q.committer, EV_TIMEOUT, 0);
}
