/* deliver process: the only writer of the mail store. Takes one recipient
 * of a queued message at a time from the queue, asks lookup for the
 * user's public key and quota, and stores the message compressed and
 * encrypted in the user's Maildir (msgstore.h). Also answers smtp's quota
 * questions, since only the store's owner can see how full a mailbox is. */
#include "daemon/roles.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/deliver_index.h"
#include "daemon/deliver_spam.h"
#include "daemon/workers.h"
#include "smtp/envelope.h"
#include "store/maildir.h"
#include "store/msgstore.h"

#define USAGE_SLOTS 64
#define USAGE_TTL   30      /* seconds a mailbox's usage is trusted */

struct job {
	struct work work;       /* first: the pool hands it back as this */
	struct job *next;
	uint64_t queue_req;     /* id of the queue's MSG_DELIVER */
	uint64_t info_req;      /* id of our MSG_USER_INFO */
	int fd;
	struct envelope env;
	uint32_t rcpt;
	uint8_t retry;
	/* Filled before a worker takes it; the worker touches only these
	 * (the spam step adds to headers and sets junk). */
	struct msgstore_delivery md;
	char *mail_dir, *hostname;
	int32_t junk_score;     /* config spam_junk_score */
	struct buf headers, reason, path, junk;
	enum msgstore_result result;
};

struct usage {
	char *address;
	uint64_t bytes;
	time_t at;
};

static struct {
	struct workers *pool;
	struct job *jobs;
	uint64_t next_req;
	struct buf mail_dir;
	enum compress_algo algo;
	int level;
	int32_t junk_score;
	struct usage usage[USAGE_SLOTS];
} d;

static void apply_config(const struct config *cfg)
{
	buf_reset(&d.mail_dir);
	config_state_path(cfg, "mail", &d.mail_dir);
	if (!compress_algo_parse(config_str(cfg, "compression"), &d.algo))
		d.algo = COMPRESS_XZ;
	long long level = config_int(cfg, "compression_level");
	d.level = level < 0 ? COMPRESS_LEVEL_DEFAULT : (int)level;
	d.junk_score = (int32_t)config_score(cfg, "spam_junk_score");
}

/* Quota use of a mailbox: scanning a Maildir is costly, so the figure is
 * cached briefly and kept current by our own deliveries. */
static struct usage *usage_slot(const char *address)
{
	struct usage *oldest = &d.usage[0];
	for (int i = 0; i < USAGE_SLOTS; i++) {
		struct usage *u = &d.usage[i];
		if (u->address != NULL && strcmp(u->address, address) == 0)
			return u;
		if (u->at < oldest->at)
			oldest = u;
	}
	free(oldest->address);
	oldest->address = xstrdup(address);
	oldest->at = 0;
	return oldest;
}

static uint64_t usage_of(const char *address)
{
	struct usage *u = usage_slot(address);
	time_t now = time(NULL);
	if (u->at == 0 || now - u->at > USAGE_TTL) {
		struct buf md = BUF_INIT;
		maildir_user_path(d.mail_dir.data, address, &md);
		u->bytes = maildir_usage(md.data);
		u->at = now;
		buf_free(&md);
	}
	return u->bytes;
}

static void usage_add(const char *address, uint64_t bytes)
{
	struct usage *u = usage_slot(address);
	if (u->at != 0)
		u->bytes += bytes;
}

static void send_verdict(enum proc_role to, uint32_t type, uint64_t id,
    uint32_t code, const char *enh, const char *text)
{
	struct buf p = BUF_INIT;
	ipc_w_u32(&p, code);
	ipc_w_str(&p, enh);
	ipc_w_str(&p, text);
	struct ipc_chan *ch = child_peer(to);
	if (ch != NULL)
		ipc_send_buf(ch, type, id, -1, &p);
	buf_free(&p);
}

/* MSG_QUOTA_CHECK: u64 size, u32 n, n * (str user, u64 quota). */
static void on_quota_check(const struct ipc_msg *m)
{
	struct ipc_reader r;
	uint64_t size, quota;
	uint32_t n;
	const char *user;
	ipc_reader_init(&r, m);
	bool ok = ipc_r_u64(&r, &size) && ipc_r_u32(&r, &n);
	uint32_t code = 250;
	for (uint32_t i = 0; ok && i < n && code == 250; i++) {
		if (!(ok = ipc_r_str(&r, &user) && ipc_r_u64(&r, &quota)))
			break;
		if (quota == 0)
			continue;
		if (size > quota)
			code = 552;
		else if (usage_of(user) + size > quota)
			code = 452;
	}
	if (!ok || (code == 250 && !ipc_r_done(&r))) {
		log_err("deliver: malformed QUOTA_CHECK");
		send_verdict(PROC_SMTP, MSG_QUOTA_RESULT, m->id, 451, "4.3.0",
		    "Temporary local problem");
	} else if (code == 552) {
		send_verdict(PROC_SMTP, MSG_QUOTA_RESULT, m->id, 552, "5.2.2",
		    "Message is larger than the recipient's mailbox quota");
	} else if (code == 452) {
		send_verdict(PROC_SMTP, MSG_QUOTA_RESULT, m->id, 452, "4.2.2",
		    "Recipient's mailbox is full, try again later");
	} else {
		send_verdict(PROC_SMTP, MSG_QUOTA_RESULT, m->id, 250, "2.0.0", "Ok");
	}
}

static void reply_queue(uint64_t id, enum deliver_outcome outcome,
    const char *reason)
{
	struct buf p = BUF_INIT;
	ipc_w_u8(&p, (uint8_t)outcome);
	ipc_w_str(&p, reason);
	struct ipc_chan *ch = child_peer(PROC_QUEUE);
	if (ch != NULL)
		ipc_send_buf(ch, MSG_DELIVER_RESULT, id, -1, &p);
	buf_free(&p);
}

static void job_free(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	envelope_free(&j->env);
	free(j->mail_dir);
	free(j->hostname);
	buf_free(&j->headers);
	buf_free(&j->path);
	buf_free(&j->reason);
	buf_free(&j->junk);
	free(j);
}

static struct job *job_take(uint64_t info_req)
{
	for (struct job **pp = &d.jobs; *pp; pp = &(*pp)->next)
		if ((*pp)->info_req == info_req) {
			struct job *j = *pp;
			*pp = j->next;
			return j;
		}
	return NULL;
}

static void job_finish(struct job *j, enum deliver_outcome outcome,
    const char *reason)
{
	reply_queue(j->queue_req, outcome, reason);
	job_free(j);
}

/* MSG_DELIVER: fd; bytes envelope, u32 recipient index, u8 retry. */
static void on_deliver(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const unsigned char *p;
	size_t len;
	struct buf err = BUF_INIT;
	struct job *j = xcalloc(1, sizeof *j);
	j->queue_req = m->id;
	j->fd = m->fd;
	/* envelope_decode initialises j->env; zeroed, it is safe to free. */
	ipc_reader_init(&r, m);
	bool ok = j->fd >= 0 && ipc_r_bytes(&r, &p, &len) &&
	    ipc_r_u32(&r, &j->rcpt) && ipc_r_u8(&r, &j->retry) && ipc_r_done(&r) &&
	    envelope_decode(p, len, &j->env, &err) && j->rcpt < j->env.nrcpts &&
	    j->env.rcpts[j->rcpt].kind == RCPT_LOCAL;
	struct ipc_chan *lookup = child_peer(PROC_LOOKUP);
	if (!ok) {
		log_err("deliver: malformed DELIVER from queue %s", buf_cstr(&err));
		job_finish(j, DELIVER_TEMPFAIL, "451 4.3.0 malformed delivery request");
	} else if (lookup == NULL) {
		job_finish(j, DELIVER_TEMPFAIL, "451 4.3.0 user lookup unavailable");
	} else {
		struct buf q = BUF_INIT;
		j->info_req = ++d.next_req;
		ipc_w_str(&q, j->env.rcpts[j->rcpt].dest);
		ipc_send_buf(lookup, MSG_USER_INFO, j->info_req, -1, &q);
		buf_free(&q);
		j->next = d.jobs;
		d.jobs = j;
	}
	buf_free(&err);
}

/* The spam verdict (headers under the inbound ones; spam goes to Junk,
 * even from user+folder), then the store and the index. */
static void store_run(struct work *w)
{
	struct job *j = (struct job *)w;
	struct spam_verdict spam;
	struct buf maildir = BUF_INIT;
	maildir_user_path(j->mail_dir, j->md.address, &maildir);
	deliver_spam(maildir.data, j->fd, &j->env, j->junk_score, &j->headers,
	    &j->junk, &spam);
	j->md.headers = j->headers.data;
	j->md.headers_len = j->headers.len;
	if (spam.spam)
		j->md.folder = buf_cstr(&j->junk);
	j->result = msgstore_deliver(&j->md, &j->reason);
	if (j->result == MSGSTORE_OK && j->path.len > 0) {
		/* not when an earlier attempt delivered it */
		struct deliver_index_msg m = {
			.path = j->path.data, .headers = j->headers.data,
			.headers_len = j->headers.len, .fd = j->fd,
			.size = j->env.size, .pk = j->md.encrypt ? j->md.pk : NULL,
		};
		deliver_index(maildir.data, &m);
	}
	buf_free(&maildir);
}

static void store_done(struct work *w)
{
	struct job *j = (struct job *)w;
	const struct rcpt *rc = &j->env.rcpts[j->rcpt];
	if (!w->ran) {
		job_finish(j, DELIVER_TEMPFAIL, "451 4.3.0 delivery stopped");
		return;
	}
	if (j->result == MSGSTORE_OK)
		usage_add(rc->dest, j->headers.len + j->env.size);
	job_finish(j, j->result == MSGSTORE_OK ? DELIVER_OK :
	    j->result == MSGSTORE_PERMFAIL ? DELIVER_PERMFAIL : DELIVER_TEMPFAIL,
	    buf_cstr(&j->reason));
}

/* Hands the job to a worker with everything msgstore_deliver needs. */
static void store(struct job *j, const unsigned char *pk, bool encrypt,
    uint64_t quota)
{
	const struct rcpt *rc = &j->env.rcpts[j->rcpt];
	if (!msgstore_delivery_headers(j->env.sender, rc->dest, rc->orig,
	    &j->headers)) {
		job_finish(j, DELIVER_PERMFAIL, "554 5.6.0 address unfit for a header");
		return;
	}
	/* The inbound verdict's headers (checked by envelope_decode). */
	buf_add(&j->headers, j->env.added_headers, strlen(j->env.added_headers));
	j->mail_dir = xstrdup(d.mail_dir.data);
	j->hostname = xstrdup(config_str(child_config(), "hostname"));
	j->junk_score = d.junk_score;
	j->md = (struct msgstore_delivery){
		.mail_dir = j->mail_dir, .address = rc->dest,
		.folder = rc->folder, .encrypt = encrypt, .algo = d.algo,
		.level = d.level, .quota = quota,
		.used = quota ? usage_of(rc->dest) : MSGSTORE_USAGE_UNKNOWN,
		.headers = j->headers.data, .headers_len = j->headers.len,
		.fd = j->fd, .size = j->env.size, .queue_id = j->env.id,
		.rcpt = j->rcpt, .hostname = j->hostname, .path = &j->path,
		.retry = j->retry != 0,
	};
	if (encrypt)
		memcpy(j->md.pk, pk, TREES_PK_LEN);
	j->work.run = store_run;
	j->work.done = store_done;
	workers_submit(d.pool, &j->work);
}

/* MSG_USER_INFO_RESULT: u8 found, bytes pk, u8 encrypt, u64 quota. */
static void on_user_info(const struct ipc_msg *m)
{
	struct job *j = job_take(m->id);
	if (j == NULL) {
		log_warn("deliver: user info for no delivery");
		return;
	}
	struct ipc_reader r;
	uint8_t found, encrypt;
	const unsigned char *pk;
	size_t pklen;
	uint64_t quota;
	ipc_reader_init(&r, m);
	if (!ipc_r_u8(&r, &found) || !ipc_r_bytes(&r, &pk, &pklen) ||
	    !ipc_r_u8(&r, &encrypt) || !ipc_r_u64(&r, &quota) || !ipc_r_done(&r) ||
	    (found == 1 && encrypt && pklen != TREES_PK_LEN)) {
		log_err("deliver: malformed USER_INFO_RESULT");
		job_finish(j, DELIVER_TEMPFAIL, "451 4.3.0 user lookup failed");
	} else if (found == 0) {
		/* Removed between RCPT and delivery. */
		job_finish(j, DELIVER_PERMFAIL, "550 5.1.1 user unknown");
	} else if (found != 1) {
		job_finish(j, DELIVER_TEMPFAIL, "451 4.3.0 user lookup failed");
	} else {
		store(j, pk, encrypt != 0, quota);
	}
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_QUEUE && m->type == MSG_DELIVER) {
		on_deliver(m);      /* the job owns the fd */
		return;
	}
	if (m->fd >= 0)
		close(m->fd);
	if (from == PROC_LOOKUP && m->type == MSG_USER_INFO_RESULT)
		on_user_info(m);
	else if (from == PROC_SMTP && m->type == MSG_QUOTA_CHECK)
		on_quota_check(m);
	else
		log_warn("deliver: unexpected message %u from %s", m->type,
		    proc_name(from));
}

/* Jobs waiting on lookup or for a queue that went away: the queue retries
 * what it did not hear back about. */
static void drop_jobs(bool tell_queue)
{
	while (d.jobs != NULL) {
		struct job *j = d.jobs;
		d.jobs = j->next;
		if (tell_queue)
			reply_queue(j->queue_req, DELIVER_TEMPFAIL,
			    "451 4.3.0 user lookup restarted");
		job_free(j);
	}
}

static void peer_down(enum proc_role peer)
{
	if (peer == PROC_LOOKUP)
		drop_jobs(true);
	else if (peer == PROC_QUEUE)
		drop_jobs(false);  /* nobody to tell */
}

static bool setup(const struct config *cfg, struct buf *err)
{
	(void)err;
	apply_config(cfg);
	return true;
}

static void start(void)
{
	/* Two workers keep a CPU busy while the other waits on a sync. */
	d.pool = workers_new(child_base(), 2);
}

static void shutdown_deliver(void)
{
	workers_free(d.pool);   /* lets deliveries under way finish */
	deliver_index_close();
	drop_jobs(false);
	for (int i = 0; i < USAGE_SLOTS; i++)
		free(d.usage[i].address);
	buf_free(&d.mail_dir);
	child_exit(0);
}

const struct role_ops deliver_role = {
	.role = PROC_DELIVER, .setup = setup, .start = start,
	.reload = apply_config, .message = message, .peer_down = peer_down,
	.shutdown = shutdown_deliver,
};
