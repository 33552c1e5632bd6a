/* imap process: one per logged-in IMAP session, started by the master
 * when lookup has checked the password. It runs as the mail user, holds
 * the user's unlocked secret key in locked memory (never written
 * anywhere), and speaks IMAP through the session engine (imap/session.h)
 * over the socket that imap-login relays the client's TLS connection to. */
#include "daemon/roles.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "filter/spamverdict.h"
#include "imap/session.h"
#include "store/maildir.h"
#include "store/trees.h"

#define AUTOLOGOUT  1800      /* RFC 9051 5.4: at least 30 minutes */
#define POLL_USEC   300000    /* how often IDLE looks for new mail */

static struct {
	struct imap_session *s;
	char *spam_db;           /* the user's classifier store */
	struct bayes_db *spam;   /* opened at the first training signal */
	struct bufferevent *bev;
	struct event *poll;
	char *user;
	bool closing;
} im;

/* A move into or out of Junk trains the user's classifier here and now:
 * only this process can read the message (it holds the key), and a
 * queue of signals for later would have to find messages that may have
 * moved again. Relearning a message as the other class moves its counts
 * (bayes_db.h), so a mistaken move and its undo cancel out. */
static void on_training(void *arg, const struct imap_training *t)
{
	(void)arg;
	struct buf err = BUF_INIT;
	enum bayes_learn r;
	bool missing;
	if (im.spam == NULL && t->msg != NULL)
		im.spam = bayes_db_open(im.spam_db, true, &missing, &err);
	if (t->msg == NULL)
		log_warn("imap: %s: %s %u/%u unreadable, not learnt", im.user,
		    t->mailbox, t->uidvalidity, t->uid);
	else if (im.spam == NULL || !spam_train_db(im.spam, t->msg, t->msg_len,
	    t->spam, &r, &err))
		log_warn("imap: %s: spam classifier: %s", im.user, buf_cstr(&err));
	else if (r != BAYES_ALREADY)
		log_info("imap: %s: learnt %s %u/%u as %s", im.user, t->mailbox,
		    t->uidvalidity, t->uid, t->spam ? "spam" : "ham");
	buf_free(&err);
}

static void finish(void)
{
	if (im.poll)
		event_free(im.poll);
	if (im.bev)
		bufferevent_free(im.bev);
	imap_session_free(im.s);
	bayes_db_close(im.spam);
	free(im.spam_db);
	free(im.user);
	child_exit(0);
}

static void on_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
	if (im.closing)
		finish();
}

/* Sends what the engine wrote; ends the process once a closed session's
 * last words are out. */
static void flush(void)
{
	size_t n;
	const char *out = imap_session_output(im.s, &n);
	if (n > 0) {
		bufferevent_write(im.bev, out, n);
		imap_session_output_consume(im.s, n);
	}
	if (imap_session_closed(im.s) && !im.closing) {
		im.closing = true;
		bufferevent_disable(im.bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(im.bev)) == 0)
			finish();
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	while ((n = evbuffer_get_contiguous_space(in)) > 0) {
		imap_session_feed(im.s, evbuffer_pullup(in, (ssize_t)n), n);
		evbuffer_drain(in, n);
	}
	imap_session_run(im.s);
	flush();
}

static void bye(const char *text)
{
	if (im.bev == NULL || im.closing)
		finish();
	bufferevent_write(im.bev, "* BYE ", 6);
	bufferevent_write(im.bev, text, strlen(text));
	bufferevent_write(im.bev, "\r\n", 2);
	im.closing = true;
	bufferevent_disable(im.bev, EV_READ);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if ((what & BEV_EVENT_TIMEOUT) && !im.closing) {
		bye("Autologout; idle for too long");
		bufferevent_enable(im.bev, EV_WRITE);
		return;
	}
	finish();       /* the client (or imap-login) is gone */
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (im.s != NULL && imap_session_idling(im.s)) {
		imap_session_poll(im.s);
		flush();
	}
}

/* MSG_SESSION_SPAWN: str user, bytes pk, bytes sk, u64 quota, str client. */
static void start_session(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *user, *client;
	const unsigned char *pk, *sk;
	size_t pklen, sklen;
	uint64_t quota;
	ipc_reader_init(&r, m);
	if (im.s != NULL || m->fd < 0 || !ipc_r_str(&r, &user) ||
	    !ipc_r_bytes(&r, &pk, &pklen) || !ipc_r_bytes(&r, &sk, &sklen) ||
	    !ipc_r_u64(&r, &quota) || !ipc_r_str(&r, &client) || !ipc_r_done(&r) ||
	    pklen != TREES_PK_LEN || (sklen != 0 && sklen != TREES_SK_LEN)) {
		log_err("imap: malformed session message");
		child_exit(1);
	}
	const struct config *cfg = child_config();
	struct buf mail = BUF_INIT, md = BUF_INIT, err = BUF_INIT;
	config_state_path(cfg, "mail", &mail);
	maildir_user_path(mail.data, user, &md);
	enum compress_algo algo;
	if (!compress_algo_parse(config_str(cfg, "compression"), &algo))
		algo = COMPRESS_XZ;
	long long level = config_int(cfg, "compression_level");
	struct imap_session_params p = {
		.user = user, .maildir = md.data, .pk = pk,
		.sk = sklen ? sk : NULL, .encrypt = sklen != 0, .quota = quota,
		.append_limit = config_size(cfg, "max_message_size"),
		.hostname = config_str(cfg, "hostname"), .algo = algo,
		.level = level < 0 ? COMPRESS_LEVEL_DEFAULT : (int)level,
		.training = on_training,
	};
	im.user = xstrdup(user);
	evutil_make_socket_nonblocking(m->fd);
	im.bev = bufferevent_socket_new(child_base(), m->fd, BEV_OPT_CLOSE_ON_FREE);
	im.s = imap_session_new(&p, &err);
	if (im.s == NULL) {
		log_err("imap: %s: %s", user, buf_cstr(&err));
		bye("[UNAVAILABLE] Mailbox unavailable, try again later");
	} else {
		struct buf db = BUF_INIT;
		spam_db_path(md.data, &db);
		im.spam_db = buf_detach(&db);
		log_info("imap: %s session from %s", user, client);
		struct timeval tmo = { AUTOLOGOUT, 0 }, tick = { 0, POLL_USEC };
		bufferevent_set_timeouts(im.bev, &tmo, NULL);
		im.poll = event_new(child_base(), -1, EV_PERSIST, on_poll, NULL);
		event_add(im.poll, &tick);
	}
	bufferevent_setcb(im.bev, on_read, on_drained, on_event, NULL);
	bufferevent_enable(im.bev, EV_READ | EV_WRITE);
	/* The engine keeps its own locked copy of the key. */
	sodium_memzero((void *)m->data, m->len);
	buf_free(&mail);
	buf_free(&md);
	buf_free(&err);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_MASTER && m->type == MSG_SESSION_SPAWN) {
		start_session(m);    /* takes the fd */
		return;
	}
	log_warn("imap: unexpected message %u from %s", m->type, proc_name(from));
	if (m->fd >= 0)
		close(m->fd);
}

static bool setup(const struct config *cfg, struct buf *err)
{
	(void)cfg;
	(void)err;
	return true;
}

static void start(void) {}

static void shutdown_imap(void)
{
	bye("Server shutting down");
}

const struct role_ops imap_role = {
	.role = PROC_IMAP, .setup = setup, .start = start, .message = message,
	.shutdown = shutdown_imap,
};
