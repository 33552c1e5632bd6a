/* queue process: owns the spool. Gives smtp a file to write each message
 * into, makes it durable on commit (only then may smtp say 250:
 * queue_commit.c), hands every recipient to delivery or, in batches per
 * domain, to the relay (queue_relay.c), records the outcome, retries
 * later when it was temporary and tells the sender when it failed
 * (queue_notice.c). */
#include "daemon/roles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/runas.h"
#include "common/xmalloc.h"
#include "daemon/queue_state.h"
#include "smtp/queue_sched.h"

struct queue_state q;


struct qmsg *queue_msg_add(struct envelope *e)
{
	struct qmsg *m = xcalloc(1, sizeof *m);
	m->env = *e;
	m->busy = xcalloc(e->nrcpts ? e->nrcpts : 1, sizeof *m->busy);
	m->notify = xcalloc(e->nrcpts ? e->nrcpts : 1, sizeof *m->notify);
	m->next = q.head;
	if (q.head)
		q.head->prev = m;
	q.head = m;
	return m;
}

static void qmsg_free(struct qmsg *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		q.head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	/* Work items may still point at it. */
	for (unsigned i = 0; i < q.rcount; i++) {
		struct work *w = &q.ready[(q.rhead + i) % 4096];
		if (w->msg == m)
			w->msg = NULL;
	}
	envelope_free(&m->env);
	free(m->busy);
	free(m->notify);
	free(m);
}

static bool rcpt_due(const struct qmsg *m, uint32_t i, uint64_t now)
{
	const struct rcpt *r = &m->env.rcpts[i];
	return !m->busy[i] && !m->doomed && (r->state == RCPT_PENDING ||
	    (r->state == RCPT_DEFERRED && r->next_attempt <= now));
}

/* Queues every due recipient of m; false if the ring is full. */
bool queue_enqueue_due(struct qmsg *m, uint64_t now)
{
	for (uint32_t i = 0; i < m->env.nrcpts; i++) {
		if (!rcpt_due(m, i, now))
			continue;
		if (q.rcount == 4096)
			return false;
		q.ready[(q.rhead + q.rcount++) % 4096] = (struct work){ m, i };
		m->busy[i] = true;      /* reserved until sent and answered */
	}
	return true;
}

static void save_or_remove(struct qmsg *m)
{
	struct buf err = BUF_INIT;
	bool ok = envelope_all_final(&m->env) ?
	    queue_store_remove(q.qs, m->env.id, &err) :
	    queue_store_update(q.qs, &m->env, &err);
	if (!ok)
		log_err("queue %s: %s", m->env.id, buf_cstr(&err));
	buf_free(&err);
	if (envelope_all_final(&m->env))
		qmsg_free(m);
}

/* The retry schedule as configured now (SIGHUP may change it). */
static struct queue_policy policy(void)
{
	const struct config *c = child_config();
	return (struct queue_policy){
		(uint64_t)config_int(c, "queue_retry_min"),
		(uint64_t)config_int(c, "queue_retry_max"),
		(uint64_t)config_int(c, "delay_notice_after"),
		(uint64_t)config_int(c, "queue_lifetime"),
	};
}

static bool owes_failure(const struct qmsg *m)
{
	for (uint32_t i = 0; i < m->env.nrcpts; i++)
		if (m->notify[i] == NOTIFY_OWED)
			return true;
	return false;
}

static bool delay_due(const struct qmsg *m, uint64_t now)
{
	struct queue_policy p = policy();
	return queue_delay_notice_due(&p, m->env.arrival, m->env.flags, now) &&
	    bounce_needed(&m->env, BOUNCE_DELAYED);
}


static void notice_done(void *arg, bool sent)
{
	struct qmsg *m = arg;
	for (uint32_t i = 0; i < m->env.nrcpts; i++)
		if (m->notify[i] == NOTIFY_SENDING)
			m->notify[i] = sent ? NOTIFY_NONE : NOTIFY_OWED;
	if (sent && m->notice_kind == BOUNCE_DELAYED)
		m->env.flags |= ENV_F_DELAY_SENT;
	if (!sent)
		m->notice_retry = (uint64_t)time(NULL) + NOTICE_RETRY;
	m->notifying = false;
	if (--m->inflight == 0)
		queue_settle(m);
}

static bool start_notice(struct qmsg *m, enum bounce_kind kind)
{
	bool *pick = NULL;
	if (kind == BOUNCE_FAILED) {
		pick = xcalloc(m->env.nrcpts, sizeof *pick);
		for (uint32_t i = 0; i < m->env.nrcpts; i++)
			pick[i] = m->notify[i] == NOTIFY_OWED;
	}
	bool ok = queue_notice_start(&m->env, kind, pick, notice_done, m);
	for (uint32_t i = 0; ok && pick != NULL && i < m->env.nrcpts; i++)
		if (pick[i])
			m->notify[i] = NOTIFY_SENDING;
	free(pick);
	if (ok) {
		m->notifying = true;
		m->notice_kind = kind;
		m->inflight++;
	}
	return ok;
}

/* Runs when nothing is under way for m: the sender hears of failures
 * (one bounce for all recipients that failed since the last), then of a
 * long delay; then m is saved or removed. A bounce is committed before
 * the envelope that records the failures, so a crash in between makes
 * the queue try those recipients again (and bounce again), never lose
 * the bounce: FAILED on disk means the sender was told. */
void queue_settle(struct qmsg *m)
{
	struct buf err = BUF_INIT;
	uint64_t now = (uint64_t)time(NULL);
	if (m->doomed) {
		log_info("%s: removed by the administrator; no bounce", m->env.id);
		if (!queue_store_remove(q.qs, m->env.id, &err))
			log_err("queue %s: %s", m->env.id, buf_cstr(&err));
		buf_free(&err);
		qmsg_free(m);
		return;
	}
	bool owed = owes_failure(m);
	if (owed || delay_due(m, now)) {
		if (now >= m->notice_retry &&
		    start_notice(m, owed ? BOUNCE_FAILED : BOUNCE_DELAYED))
			return;
		if (now >= m->notice_retry)
			m->notice_retry = now + NOTICE_RETRY;
		if (owed)
			return;     /* the failures are saved with their bounce */
	}
	save_or_remove(m);
}

/* Messages idle with a notice to (re)try. */
static void settle_idle(uint64_t now)
{
	struct qmsg *m = q.head, *next;
	for (; m != NULL; m = next) {
		next = m->next;
		if (m->inflight == 0 && now >= m->notice_retry &&
		    (owes_failure(m) || delay_due(m, now)))
			queue_settle(m);
	}
}

void queue_apply_result(struct qmsg *m, uint32_t i, uint8_t outcome,
    const char *reason, const char *relay);

static bool send_delivery(struct qmsg *m, uint32_t i)
{
	struct ipc_chan *ch = child_peer(PROC_DELIVER);
	struct buf err = BUF_INIT, p = BUF_INIT, enc = BUF_INIT;
	int fd = ch ? queue_store_open_msg(q.qs, m->env.id, &err) : -1;
	bool ok = fd >= 0 && envelope_encode(&m->env, &enc, &err);
	if (ok) {
		ipc_w_bytes(&p, enc.data, enc.len);
		ipc_w_u32(&p, i);
		ipc_w_u8(&p, m->recovered || m->env.rcpts[i].attempts > 0);
		uint64_t id = ++q.next_req;
		ok = ipc_send_buf(ch, MSG_DELIVER, id, fd, &p);
		fd = -1;
		if (ok) {
			for (unsigned k = 0; k < MAX_INFLIGHT; k++)
				if (q.req[k].msg == NULL) {
					q.req[k].id = id;
					q.req[k].msg = m;
					q.req[k].rcpt = i;
					break;
				}
			q.inflight++;
			m->inflight++;
		}
	} else if (ch != NULL) {
		log_err("queue %s: %s", m->env.id, buf_cstr(&err));
	}
	if (fd >= 0)
		close(fd);
	buf_free(&err);
	buf_free(&p);
	buf_free(&enc);
	return ok;
}

void queue_kick(void)
{
	while (q.rcount > 0 && q.inflight < MAX_INFLIGHT &&
	    child_peer(PROC_DELIVER) != NULL) {
		struct work w = q.ready[q.rhead];
		q.rhead = (q.rhead + 1) % 4096;
		q.rcount--;
		if (w.msg == NULL)
			continue;
		if (w.msg->doomed) {
			w.msg->busy[w.rcpt] = false;
			continue;
		}
		if (w.msg->env.rcpts[w.rcpt].kind == RCPT_REMOTE) {
			queue_relay_batch(w.msg, w.rcpt);
		} else if (!send_delivery(w.msg, w.rcpt)) {
			w.msg->busy[w.rcpt] = false;
			break;
		}
	}
}

static void arm_timer(void)
{
	uint64_t now = (uint64_t)time(NULL), due = UINT64_MAX;
	uint64_t notice_age = policy().delay_notice;
	for (struct qmsg *m = q.head; m; m = m->next) {
		for (uint32_t i = 0; i < m->env.nrcpts; i++)
			if (!m->busy[i] && m->env.rcpts[i].state == RCPT_DEFERRED &&
			    m->env.rcpts[i].next_attempt < due)
				due = m->env.rcpts[i].next_attempt;
		/* Notices to retry or fall due; those due already are done. */
		uint64_t notice = m->env.arrival + notice_age;
		if (notice_age > 0 && !(m->env.flags & ENV_F_DELAY_SENT) &&
		    notice > now && notice < due)
			due = notice;
		if (m->notice_retry > now && m->notice_retry < due)
			due = m->notice_retry;
	}
	uint64_t wait = due == UINT64_MAX ? 300 : due > now ? due - now : 0;
	struct timeval tv = { (time_t)(wait < 300 ? wait : 300), 0 };
	evtimer_add(q.timer, &tv);
}

void queue_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	uint64_t now = (uint64_t)time(NULL);
	settle_idle(now);
	for (struct qmsg *m = q.head; m; m = m->next)
		if (!queue_enqueue_due(m, now))
			break;
	queue_kick();
	arm_timer();
}

void queue_apply_result(struct qmsg *m, uint32_t i, uint8_t outcome,
    const char *reason, const char *relay)
{
	struct rcpt *rc = &m->env.rcpts[i];
	uint64_t now = (uint64_t)time(NULL);
	const char *how = "sent";
	struct queue_policy p = policy();
	if (outcome == DELIVER_OK) {
		queue_rcpt_delivered(rc);
	} else if (outcome == DELIVER_PERMFAIL) {
		queue_rcpt_failed(rc, reason);
		how = "bounced";
	} else {
		how = queue_rcpt_deferred(&p, rc, m->env.arrival, now, reason) ?
		    "expired" : "deferred";
	}
	if (rc->state == RCPT_FAILED && m->env.sender[0] != '\0')
		m->notify[i] = NOTIFY_OWED;
	bool aliased = strcmp(rc->dest, rc->orig) != 0;
	if (relay != NULL) {
		log_info("%s: to=<%s>%s%s%s relay=%s status=%s (%s)", m->env.id,
		    rc->dest, aliased ? " orig_to=<" : "", aliased ? rc->orig : "",
		    aliased ? ">" : "", *relay ? relay : "none", how, reason);
		return;
	}
	log_info("%s: to=<%s>%s%s%s status=%s%s%s", m->env.id, rc->dest,
	    aliased ? " orig_to=<" : "", aliased ? rc->orig : "",
	    aliased ? ">" : "",
	    how, *reason ? " " : "", reason);
}

static void on_result(const struct ipc_msg *m)
{
	struct ipc_reader r;
	uint8_t outcome;
	const char *reason;
	ipc_reader_init(&r, m);
	if (!ipc_r_u8(&r, &outcome) || !ipc_r_str(&r, &reason) || !ipc_r_done(&r) ||
	    outcome > DELIVER_PERMFAIL) {
		log_err("queue: malformed DELIVER_RESULT");
		return;
	}
	for (unsigned k = 0; k < MAX_INFLIGHT; k++) {
		if (q.req[k].msg == NULL || q.req[k].id != m->id)
			continue;
		struct qmsg *qm = q.req[k].msg;
		uint32_t i = q.req[k].rcpt;
		q.req[k].msg = NULL;
		q.inflight--;
		qm->inflight--;
		qm->busy[i] = false;
		queue_apply_result(qm, i, outcome, reason, NULL);
		if (qm->inflight == 0)
			queue_settle(qm);
		queue_kick();
		return;
	}
	log_warn("queue: result for unknown delivery %llu", (unsigned long long)m->id);
}

/* `mailboxctl queue delete`: each queue/delete/<id> names a message to
 * remove, without a bounce, once nothing of it is under way. */
static void take_deletions(const struct config *cfg)
{
	struct buf dir = BUF_INIT;
	config_state_path(cfg, "queue/delete", &dir);
	DIR *d = opendir(dir.data);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (!queue_id_valid(de->d_name))
			continue;
		struct qmsg *m = q.head;
		while (m != NULL && strcmp(m->env.id, de->d_name) != 0)
			m = m->next;
		if (m == NULL)
			log_warn("queue: delete %s: no such message", de->d_name);
		else if (!m->doomed) {
			m->doomed = true;
			if (m->inflight == 0)
				queue_settle(m);
		}
		if (unlinkat(dirfd(d), de->d_name, 0) != 0)
			log_err("queue: %s/%s: %s", dir.data, de->d_name, strerror(errno));
	}
	if (d != NULL)
		closedir(d);
	buf_free(&dir);
}

/* Every deferred recipient becomes due now. */
static void flush_all(void)
{
	for (struct qmsg *m = q.head; m; m = m->next)
		for (uint32_t i = 0; i < m->env.nrcpts; i++)
			if (m->env.rcpts[i].state == RCPT_DEFERRED)
				m->env.rcpts[i].next_attempt = 0;
	queue_on_timer(-1, 0, NULL);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_MASTER && m->type == MSG_FLUSH) {
		take_deletions(child_config());
		flush_all();
	}
	else if (from == PROC_SMTP && m->type == MSG_QUEUE_CREATE)
		queue_on_create(m);
	else if (from == PROC_SMTP && m->type == MSG_QUEUE_COMMIT)
		queue_on_commit(m);
	else if (from == PROC_SMTP && m->type == MSG_QUEUE_ABORT)
		queue_on_abort(m);
	else if (from == PROC_DELIVER && m->type == MSG_DELIVER_RESULT)
		on_result(m);
	else if (from == PROC_DELIVER && m->type == MSG_QUEUE_INJECT)
		queue_on_inject(m);
	else if (from == PROC_RELAY && m->type == MSG_RELAY_RESULT)
		queue_on_relay_result(m);
	else if (from == PROC_LOOKUP && m->type == MSG_RCPT_RESULT)
		queue_notice_on_rcpt_result(m);
	else
		log_warn("queue: unexpected message %u from %s", m->type, proc_name(from));
	if (m->fd >= 0)
		close(m->fd);
}

/* Deliveries under way when deliver or relay died are simply tried
 * again. */
static void peer_down(enum proc_role peer)
{
	if (peer == PROC_RELAY)
		queue_relays_forget();
	if (peer == PROC_LOOKUP)
		queue_notice_lookup_down();
	if (peer != PROC_DELIVER)
		return;
	for (unsigned k = 0; k < MAX_INFLIGHT; k++) {
		struct qmsg *qm = q.req[k].msg;
		if (qm == NULL)
			continue;
		qm->busy[q.req[k].rcpt] = false;
		qm->inflight--;
		qm->recovered = true;
		q.req[k].msg = NULL;
	}
	q.inflight = 0;
}

static void peer_up(enum proc_role peer)
{
	if (peer == PROC_DELIVER || peer == PROC_RELAY || peer == PROC_LOOKUP)
		queue_on_timer(-1, 0, NULL);
}

static void load_committed(struct queue_ids *ids)
{
	for (size_t i = 0; i < ids->n; i++) {
		struct envelope e = { .nrcpts = 0 };   /* filled by the load */
		struct buf err = BUF_INIT;
		if (queue_store_load(q.qs, ids->ids[i], &e, &err)) {
			queue_msg_add(&e)->recovered = true;
			memset(&e, 0, sizeof e);    /* owned by the queue now */
		} else {
			log_err("queue %s: %s", ids->ids[i], buf_cstr(&err));
		}
		envelope_free(&e);
		buf_free(&err);
	}
	if (ids->n > 0)
		log_info("queue: %zu messages waiting", ids->n);
}

/* Started as root, the spool must belong to the queue's user before it
 * drops privileges: its directories, and any file an earlier run left. */
static bool give_spool(const char *dir, const char *user, struct buf *err)
{
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		buf_printf(err, "no such user %s", user);
		return false;
	}
	static const char *const subdirs[] = { "", "/incoming", "/msg", "/env",
		"/corrupt", "/delete" };
	for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s%s", dir, subdirs[i]);
		DIR *d = opendir(p.data);
		struct dirent *de;
		bool ok = d != NULL && chown(p.data, pw->pw_uid, pw->pw_gid) == 0;
		while (ok && i > 0 && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				ok = fchownat(dirfd(d), de->d_name, pw->pw_uid,
				    pw->pw_gid, AT_SYMLINK_NOFOLLOW) == 0;
		if (!ok)
			buf_printf(err, "%s: cannot give it to %s: %s", p.data, user,
			    strerror(errno));
		if (d != NULL)
			closedir(d);
		buf_free(&p);
		if (!ok)
			return false;
	}
	return true;
}

static bool setup(const struct config *cfg, struct buf *err)
{
	struct buf dir = BUF_INIT, requests = BUF_INIT;
	struct queue_ids ids = { NULL, 0 };
	config_state_path(cfg, "queue", &dir);
	config_state_path(cfg, "queue/delete", &requests);
	q.qs = queue_store_open(dir.data, &ids, err);
	bool ok = q.qs != NULL && file_mkdir(requests.data, 0700, err) &&
	    (geteuid() != 0 || give_spool(dir.data, runas_user(cfg, ROLE_QUEUE), err));
	buf_free(&dir);
	buf_free(&requests);
	if (!ok) {
		queue_ids_free(&ids);
		return false;
	}
	load_committed(&ids);
	queue_ids_free(&ids);
	take_deletions(cfg);      /* left while the queue was down */
	return true;
}

static void start(void)
{
	q.committer = evtimer_new(child_base(), queue_commit_pending, NULL);
	q.timer = evtimer_new(child_base(), queue_on_timer, NULL);
	arm_timer();
}

static void shutdown_queue(void)
{
	/* Everything committed is on disk; what is under way is redone. */
	q.stopping = true;
	if (q.npending > 0)
		queue_commit_pending(-1, 0, NULL);   /* smtp waits for these answers */
	queue_notice_free_all();
	while (q.head)
		qmsg_free(q.head);
	free(q.pending);
	if (q.committer)
		event_free(q.committer);
	if (q.timer)
		event_free(q.timer);
	queue_store_close(q.qs);
	child_exit(0);
}

const struct role_ops queue_role = {
	.role = PROC_QUEUE, .setup = setup, .start = start, .message = message,
	.peer_up = peer_up, .peer_down = peer_down, .shutdown = shutdown_queue,
};
