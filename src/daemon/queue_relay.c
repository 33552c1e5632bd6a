/* queue process: relay jobs. The recipients of one message in one domain
 * go to the relay together (one connection), and its per-recipient
 * results are recorded like local deliveries. */
#include "daemon/queue_state.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/child.h"

/* The domain of a recipient address (after its last '@'). */
static const char *rcpt_domain(const struct rcpt *r)
{
	const char *at = strrchr(r->dest, '@');
	return at ? at + 1 : "";
}

/* Takes the other recipients of m in i's domain out of the ready ring,
 * so one relay job (one connection) carries them all. */
static uint32_t gather_domain(struct qmsg *m, uint32_t i, uint32_t *out)
{
	const char *domain = rcpt_domain(&m->env.rcpts[i]);
	uint32_t n = 0;
	out[n++] = i;
	for (unsigned k = 0; k < q.rcount && n < RELAY_MAX_RCPTS; k++) {
		struct work *w = &q.ready[(q.rhead + k) % 4096];
		const struct rcpt *r = w->msg == m ? &m->env.rcpts[w->rcpt] : NULL;
		if (r != NULL && r->kind == RCPT_REMOTE &&
		    strcasecmp(rcpt_domain(r), domain) == 0) {
			out[n++] = w->rcpt;
			w->msg = NULL;
		}
	}
	return n;
}

static struct relay_req *relay_slot(void)
{
	for (unsigned k = 0; k < MAX_RELAYS; k++)
		if (q.relays[k].msg == NULL)
			return &q.relays[k];
	return NULL;
}

/* MSG_RELAY: fd; str id, str sender, u32 flags, u32 n,
 * n * (u32 index, str address). */
static bool send_relay(struct qmsg *m, struct relay_req *rq)
{
	struct ipc_chan *ch = child_peer(PROC_RELAY);
	struct buf err = BUF_INIT, p = BUF_INIT;
	int fd = queue_store_open_msg(q.qs, m->env.id, &err);
	if (fd < 0) {
		log_err("queue %s: %s", m->env.id, buf_cstr(&err));
		buf_free(&err);
		return false;
	}
	ipc_w_str(&p, m->env.id);
	ipc_w_str(&p, m->env.sender);
	ipc_w_u32(&p, m->env.flags);
	ipc_w_u32(&p, rq->n);
	for (uint32_t k = 0; k < rq->n; k++) {
		ipc_w_u32(&p, rq->rcpts[k]);
		ipc_w_str(&p, m->env.rcpts[rq->rcpts[k]].dest);
	}
	rq->id = ++q.next_req;
	bool ok = ipc_send_buf(ch, MSG_RELAY, rq->id, fd, &p);
	buf_free(&p);
	buf_free(&err);
	return ok;
}

/* Hands recipient i of m, with the others of its domain, to the relay;
 * without a relay or a free slot they wait for the next round. */
void queue_relay_batch(struct qmsg *m, uint32_t i)
{
	struct relay_req *rq = child_peer(PROC_RELAY) ? relay_slot() : NULL;
	if (rq == NULL) {
		m->busy[i] = false;
		q.relay_waiting = true;     /* picked up when a slot frees */
		return;
	}
	rq->rcpts = xcalloc(RELAY_MAX_RCPTS, sizeof *rq->rcpts);
	rq->n = gather_domain(m, i, rq->rcpts);
	if (!send_relay(m, rq)) {
		for (uint32_t k = 0; k < rq->n; k++)
			m->busy[rq->rcpts[k]] = false;
		free(rq->rcpts);
		rq->rcpts = NULL;
		return;
	}
	rq->msg = m;
	m->inflight++;
}

static void relay_req_free(struct relay_req *rq)
{
	free(rq->rcpts);
	*rq = (struct relay_req){ .msg = NULL };
}

/* MSG_RELAY_RESULT: str relay, u32 n, n * (u32 index, u8 outcome,
 * str reply). Recipients it does not mention are deferred. */
void queue_on_relay_result(const struct ipc_msg *m)
{
	struct relay_req *rq = NULL;
	for (unsigned k = 0; k < MAX_RELAYS && rq == NULL; k++)
		if (q.relays[k].msg != NULL && q.relays[k].id == m->id)
			rq = &q.relays[k];
	if (rq == NULL) {
		log_warn("queue: result for unknown relay job %llu",
		    (unsigned long long)m->id);
		return;
	}
	struct qmsg *qm = rq->msg;
	struct ipc_reader r;
	const char *relay, *reply;
	uint32_t n, idx;
	uint8_t outcome;
	ipc_reader_init(&r, m);
	bool ok = ipc_r_str(&r, &relay) && ipc_r_u32(&r, &n);
	for (uint32_t k = 0; ok && k < n; k++) {
		ok = ipc_r_u32(&r, &idx) && ipc_r_u8(&r, &outcome) &&
		    ipc_r_str(&r, &reply) && outcome <= DELIVER_PERMFAIL;
		for (uint32_t x = 0; ok && x < rq->n; x++)
			if (rq->rcpts[x] == idx && qm->busy[idx]) {
				qm->busy[idx] = false;
				queue_apply_result(qm, idx, outcome, reply, relay);
			}
	}
	if (!ok)
		log_err("queue: malformed RELAY_RESULT");
	for (uint32_t x = 0; x < rq->n; x++)
		if (qm->busy[rq->rcpts[x]]) {
			qm->busy[rq->rcpts[x]] = false;
			queue_apply_result(qm, rq->rcpts[x], DELIVER_TEMPFAIL,
			    "451 4.3.0 no result from the relay", "");
		}
	relay_req_free(rq);
	if (--qm->inflight == 0)
		queue_settle(qm);
	if (q.relay_waiting) {
		q.relay_waiting = false;
		queue_on_timer(-1, 0, NULL);      /* queues what waited, kicks */
	} else {
		queue_kick();
	}
}

/* Relay jobs lost with the relay process: their recipients are due again. */
void queue_relays_forget(void)
{
	for (unsigned k = 0; k < MAX_RELAYS; k++) {
		struct relay_req *rq = &q.relays[k];
		if (rq->msg == NULL)
			continue;
		for (uint32_t x = 0; x < rq->n; x++)
			rq->msg->busy[rq->rcpts[x]] = false;
		rq->msg->inflight--;
		relay_req_free(rq);
	}
}
