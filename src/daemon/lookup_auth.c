/* lookup: passwords for SMTP AUTH and the addresses an authenticated
 * user may send as. A client address that keeps failing is answered ever
 * more slowly, then turned away for a while without a password check (as
 * Postfix's anvil and Dovecot's auth penalty do). Passwords are never
 * logged and are wiped from our buffers. */
#include "daemon/roles.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "daemon/logincache.h"
#include "daemon/lookup_int.h"
#include "mail/address.h"
#include "store/trees.h"
#include "store/userdb.h"

#define PENALTY_SLOTS  256
#define PENALTY_MAX_MS 8000      /* the longest a failure is answered late */
#define BAN_FAILURES   10        /* within PENALTY_WINDOW: then banned */
#define BAN_SECONDS    900
#define PENALTY_WINDOW 3600

struct penalty {
	char client[64];
	unsigned failures;
	time_t last, banned_until;
};

struct late_reply {
	struct event *ev;
	enum proc_role to;
	uint32_t type;
	uint64_t id;
};

static struct penalty penalties[PENALTY_SLOTS];

static struct penalty *penalty_of(const char *client, bool create)
{
	struct penalty *oldest = &penalties[0];
	time_t now = time(NULL);
	for (int i = 0; i < PENALTY_SLOTS; i++) {
		struct penalty *p = &penalties[i];
		if (p->client[0] != '\0' && strcmp(p->client, client) == 0) {
			if (now - p->last > PENALTY_WINDOW && now >= p->banned_until)
				p->failures = 0;
			return p;
		}
		if (p->last < oldest->last)
			oldest = p;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof *oldest);
	str_copy(oldest->client, sizeof oldest->client, client);
	return oldest;
}

/* The master records the ban and adds it to the firewall. */
static void report_ban(const char *client)
{
	struct buf p = BUF_INIT;
	ipc_w_str(&p, client);
	ipc_w_u32(&p, BAN_SECONDS);
	struct ipc_chan *ch = child_peer(PROC_MASTER);
	if (ch != NULL)
		ipc_send_buf(ch, MSG_BAN, 0, -1, &p);
	buf_free(&p);
}

/* MSG_BAN: str address, u32 seconds (a ban from before a restart);
 * MSG_UNBAN: str address (`mailboxctl ban del`). */
void lookup_on_ban(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *client;
	uint32_t secs = 0;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &client) || (m->type == MSG_BAN &&
	    !ipc_r_u32(&r, &secs)) || !ipc_r_done(&r)) {
		log_err("lookup: malformed BAN/UNBAN");
		return;
	}
	struct penalty *p = penalty_of(client, m->type == MSG_BAN);
	if (p == NULL)
		return;
	time_t now = time(NULL);
	p->last = now;
	if (m->type == MSG_BAN) {
		p->failures = BAN_FAILURES;
		p->banned_until = now + (time_t)secs;
	} else {
		p->failures = 0;
		p->banned_until = 0;
		log_info("auth: ban of %s lifted", client);
	}
}

static void send_result(enum proc_role to, uint32_t type, uint64_t id,
    uint8_t result, const char *user)
{
	struct buf p = BUF_INIT;
	ipc_w_u8(&p, result);
	ipc_w_str(&p, user);
	struct ipc_chan *ch = child_peer(to);
	if (ch != NULL)
		ipc_send_buf(ch, type, id, -1, &p);
	buf_free(&p);
}

static void on_late(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct late_reply *l = arg;
	send_result(l->to, l->type, l->id, AUTH_BAD, "");
	event_free(l->ev);
	free(l);
}

/* A failure is answered after a delay that doubles with each failure. */
static void reply_failure(enum proc_role to, uint32_t type, uint64_t id,
    const struct penalty *p)
{
	long ms = 500L << (p->failures < 5 ? p->failures - 1 : 4);
	if (ms > PENALTY_MAX_MS)
		ms = PENALTY_MAX_MS;
	struct late_reply *l = xcalloc(1, sizeof *l);
	l->to = to;
	l->type = type;
	l->id = id;
	l->ev = evtimer_new(child_base(), on_late, l);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	evtimer_add(l->ev, &tv);
}

/* Checks a password for a client address, keeping its penalty. AUTH_BAD
 * means the caller must answer through reply_failure (*pen is set). */
static enum auth_result check_login(const char *user, const char *pw,
    const char *client, struct buf *canon, struct penalty **pen)
{
	struct penalty *p = penalty_of(client, false);
	time_t now = time(NULL);
	if (p != NULL && now < p->banned_until)
		return AUTH_BANNED;
	struct buf err = BUF_INIT;
	struct userdb_user u;
	bool valid = addr_canon(user, canon, &err);
	int found = valid ? userdb_user_get(lookup_db, canon->data, &u, &err) : 0;
	bool has_sk, cached = found == 1 &&
	    logincache_check(canon->data, pw, &u.key, NULL, &has_sk);
	enum userdb_auth a = cached ? USERDB_AUTH_OK : valid ?
	    userdb_user_check_password(lookup_db, canon->data, pw, strlen(pw), &err) :
	    USERDB_AUTH_BAD;
	enum auth_result r = AUTH_OK;
	if (a == USERDB_AUTH_OK) {
		if (p != NULL)
			p->failures = 0;
		if (!cached && found == 1)
			logincache_put(canon->data, pw, &u.key, NULL);
		log_info("auth: %s logged in from %s%s", canon->data, client,
		    cached ? " (cached)" : "");
	} else if (a == USERDB_AUTH_ERROR) {
		log_err("auth: %s", buf_cstr(&err));
		r = AUTH_TEMPFAIL;
	} else {
		p = penalty_of(client, true);
		p->failures++;
		p->last = now;
		if (p->failures >= BAN_FAILURES) {
			p->banned_until = now + BAN_SECONDS;
			log_warn("auth: %s banned for %d s after %u failures", client,
			    BAN_SECONDS, p->failures);
			report_ban(client);
		}
		log_info("auth: failed for <%s> from %s", buf_cstr(canon), client);
		*pen = p;
		r = AUTH_BAD;
	}
	if (found == 1)
		userdb_user_clear(&u);
	buf_free(&err);
	return r;
}

/* MSG_AUTH: str user, str password, str client. */
void lookup_on_auth(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *user, *pw, *client;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &user) || !ipc_r_str(&r, &pw) ||
	    !ipc_r_str(&r, &client) || !ipc_r_done(&r)) {
		log_err("lookup: malformed AUTH");
		return;
	}
	struct buf canon = BUF_INIT;
	struct penalty *pen = NULL;
	enum auth_result a = check_login(user, pw, client, &canon, &pen);
	if (a == AUTH_BAD)
		reply_failure(PROC_SMTP, MSG_AUTH_RESULT, m->id, pen);
	else
		send_result(PROC_SMTP, MSG_AUTH_RESULT, m->id, a,
		    a == AUTH_OK ? canon.data : "");
	/* The password lives in the message buffer; wipe it there. */
	sodium_memzero((void *)m->data, m->len);
	buf_free(&canon);
}

/* After an IMAP login: unlocks the user's key and asks the master for a
 * session process, handing it the proxy socket. */
static enum auth_result start_session(const char *user, const char *pw,
    const char *client, uint8_t proto, int fd)
{
	struct userdb_user u;
	struct buf err = BUF_INIT, p = BUF_INIT;
	unsigned char sk[TREES_SK_LEN];
	int found = userdb_user_get(lookup_db, user, &u, &err);
	bool has_sk = false;
	bool ok = found == 1 && (!u.encrypt ||
	    (logincache_check(user, pw, &u.key, sk, &has_sk) && has_sk) ||
	    trees_key_unlock(&u.key, pw, strlen(pw), sk));
	if (ok && u.encrypt && !has_sk)
		logincache_put(user, pw, &u.key, sk);
	if (ok) {
		ipc_w_str(&p, user);
		ipc_w_bytes(&p, u.key.pk, sizeof u.key.pk);
		ipc_w_bytes(&p, sk, u.encrypt ? sizeof sk : 0);
		ipc_w_u64(&p, u.quota);
		ipc_w_str(&p, client);
		ipc_w_u8(&p, proto);
		ok = ipc_send_buf(child_peer(PROC_MASTER), MSG_SESSION_SPAWN, 0, fd, &p);
		fd = -1;
	} else {
		log_err("auth: %s: cannot unlock the key: %s", user, buf_cstr(&err));
	}
	if (fd >= 0)
		close(fd);
	if (found == 1)
		userdb_user_clear(&u);
	sodium_memzero(sk, sizeof sk);
	buf_free(&p);        /* wipes the key */
	buf_free(&err);
	return ok ? AUTH_OK : AUTH_TEMPFAIL;
}

/* MSG_IMAP_LOGIN: str user, str password, str client, u8 protocol; fd. */
void lookup_on_imap_login(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *user, *pw, *client;
	uint8_t proto;
	ipc_reader_init(&r, m);
	if (m->fd < 0 || !ipc_r_str(&r, &user) || !ipc_r_str(&r, &pw) ||
	    !ipc_r_str(&r, &client) || !ipc_r_u8(&r, &proto) || !ipc_r_done(&r)) {
		log_err("lookup: malformed IMAP_LOGIN");
		if (m->fd >= 0)
			close(m->fd);
		return;
	}
	struct buf canon = BUF_INIT;
	struct penalty *pen = NULL;
	enum auth_result a = check_login(user, pw, client, &canon, &pen);
	if (a == AUTH_OK)
		a = start_session(canon.data, pw, client, proto, m->fd);
	else
		close(m->fd);
	if (a == AUTH_BAD)
		reply_failure(PROC_IMAPLOGIN, MSG_IMAP_LOGIN_RESULT, m->id, pen);
	else
		send_result(PROC_IMAPLOGIN, MSG_IMAP_LOGIN_RESULT, m->id, a,
		    a == AUTH_OK ? canon.data : "");
	sodium_memzero((void *)m->data, m->len);
	buf_free(&canon);
}

/* Whether user may use sender: their own address (any +tag), or an
 * address whose destinations include them (their aliases). */
static int may_send_as(const char *user, const char *sender, struct buf *err)
{
	struct buf canon = BUF_INIT;
	struct userdb_dests d = { NULL, 0 };
	int ok = 0;
	if (!addr_canon(sender, &canon, err)) {
		ok = 0;
	} else if (strcmp(canon.data, user) == 0) {
		ok = 1;
	} else {
		enum userdb_resolved r = userdb_resolve(lookup_db, canon.data, &d, err);
		if (r == USERDB_RESOLVE_ERROR && err->len > 0)
			ok = -1;
		for (size_t i = 0; r == USERDB_RESOLVED && i < d.n && ok == 0; i++)
			ok = d.v[i].kind == USERDB_DEST_LOCAL &&
			    strcmp(d.v[i].address, user) == 0;
	}
	userdb_dests_free(&d);
	buf_free(&canon);
	return ok;
}

/* MSG_SENDER_CHECK: str user, str sender. */
void lookup_on_sender_check(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *user, *sender;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &user) || !ipc_r_str(&r, &sender) || !ipc_r_done(&r)) {
		log_err("lookup: malformed SENDER_CHECK");
		return;
	}
	struct buf err = BUF_INIT;
	int ok = *sender == '\0' ? 0 : may_send_as(user, sender, &err);
	if (ok < 0) {
		log_err("lookup: sender check %s: %s", sender, buf_cstr(&err));
		reply_verdict(PROC_SMTP, MSG_SENDER_RESULT, m->id, 451, "4.3.0",
		    "Temporary lookup failure", NULL);
	} else if (ok == 0) {
		reply_verdict(PROC_SMTP, MSG_SENDER_RESULT, m->id, 553, "5.7.1",
		    "Sender address rejected: not owned by the authenticated user", NULL);
	} else {
		reply_verdict(PROC_SMTP, MSG_SENDER_RESULT, m->id, 250, "2.1.0", "Ok", NULL);
	}
	buf_free(&err);
}
