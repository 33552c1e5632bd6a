/* lookup process: the only reader of the user database. Answers whether a
 * recipient is ours and where it goes, and hands delivery the public key
 * and quota of a user. */
#include "daemon/roles.h"

#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "mail/address.h"
#include "store/userdb.h"
#include "daemon/logincache.h"
#include "daemon/lookup_int.h"
#include "daemon/lookup_verdict.h"

#include <event2/event.h>

struct userdb *lookup_db;

static bool setup(const struct config *cfg, struct buf *err)
{
	struct buf path = BUF_INIT;
	config_state_path(cfg, USERDB_FILE, &path);
	lookup_db = userdb_open(path.data, true, err);
	buf_free(&path);
	if (lookup_db != NULL && !logincache_init()) {
		buf_addstr(err, "cannot allocate the login cache");
		return false;
	}
	return lookup_db != NULL && lookup_verdict_setup(cfg, err) &&
	    lookup_policy_setup(cfg, err);
}

static struct event *expiry;

static void on_expiry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	logincache_expire();
}

static void start(void)
{
	struct timeval every = { 60, 0 };
	expiry = event_new(child_base(), -1, EV_PERSIST, on_expiry, NULL);
	event_add(expiry, &every);
}

void reply_verdict(enum proc_role to, uint32_t type, uint64_t id,
    uint32_t code, const char *enh, const char *text, const struct buf *extra)
{
	struct buf p = BUF_INIT;
	ipc_w_u32(&p, code);
	ipc_w_str(&p, enh);
	ipc_w_str(&p, text);
	if (extra != NULL)
		buf_add(&p, extra->data, extra->len);
	struct ipc_chan *ch = child_peer(to);
	if (ch != NULL)
		ipc_send_buf(ch, type, id, -1, &p);
	buf_free(&p);
}

/* Destinations as the RCPT_RESULT payload tail. */
static bool encode_dests(const struct userdb_dests *d, struct buf *out,
    struct buf *err)
{
	ipc_w_u32(out, (uint32_t)d->n);
	for (size_t i = 0; i < d->n; i++) {
		const struct userdb_dest *x = &d->v[i];
		unsigned long long quota = 0;
		if (x->kind == USERDB_DEST_LOCAL) {
			struct userdb_user u;
			if (userdb_user_get(lookup_db, x->address, &u, err) != 1)
				return false;
			quota = u.quota;
			userdb_user_clear(&u);
		}
		ipc_w_str(out, x->address);
		ipc_w_str(out, x->folder ? x->folder : "");
		ipc_w_u8(out, x->kind == USERDB_DEST_LOCAL ? 1 : 2);
		ipc_w_u64(out, quota);
	}
	return true;
}

static void set_reply(struct rcpt_reply *r, uint32_t code, const char *enh,
    const char *text)
{
	r->code = code;
	r->enh = enh;
	r->text = text;
}

static void rcpt_check(const char *rcpt, bool authed, struct rcpt_reply *out)
{
	struct buf canon = BUF_INIT, local = BUF_INIT, domain = BUF_INIT;
	struct buf err = BUF_INIT;
	struct userdb_dests dests = { NULL, 0 };
	if (!addr_canon(rcpt, &canon, &err) || !addr_split(canon.data, &local, &domain)) {
		set_reply(out, 553, "5.1.3",
		    "Recipient address rejected: invalid address");
		goto out;
	}
	int ours = userdb_domain_exists(lookup_db, domain.data, &err);
	if (ours < 0) {
		log_err("lookup: %s", buf_cstr(&err));
		set_reply(out, 451, "4.3.0", "Temporary lookup failure");
		goto out;
	}
	if (ours == 0 && !authed) {
		set_reply(out, 554, "5.7.1", "Relay access denied");
		goto out;
	}
	if (ours == 0) {
		/* An authenticated user's mail to another domain: relay it. */
		struct userdb_dest one = { USERDB_DEST_EXTERNAL, canon.data, NULL };
		struct userdb_dests remote = { &one, 1 };
		encode_dests(&remote, &out->extra, &err);
		set_reply(out, 250, "2.1.5", "Ok");
		goto out;
	}
	enum userdb_resolved r = userdb_resolve(lookup_db, canon.data, &dests, &err);
	if (r == USERDB_UNKNOWN) {
		set_reply(out, 550, "5.1.1",
		    "Recipient address rejected: User unknown");
	} else if (r != USERDB_RESOLVED || !encode_dests(&dests, &out->extra, &err)) {
		log_err("lookup: %s: %s", canon.data, buf_cstr(&err));
		buf_reset(&out->extra);
		set_reply(out, 451, "4.3.0", "Temporary lookup failure");
	} else {
		set_reply(out, 250, "2.1.5", "Ok");
	}
out:
	userdb_dests_free(&dests);
	buf_free(&canon);
	buf_free(&local);
	buf_free(&domain);
	buf_free(&err);
}

/* From smtp at RCPT; from queue and deliver for the messages they make
 * (bounces, vacation replies, redirects). */
static void on_rcpt_check(enum proc_role from, const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *rcpt, *sender, *client;
	uint64_t size;
	uint8_t authed;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &rcpt) || !ipc_r_str(&r, &sender) ||
	    !ipc_r_str(&r, &client) || !ipc_r_u64(&r, &size) ||
	    !ipc_r_u8(&r, &authed) || !ipc_r_done(&r)) {
		log_err("lookup: malformed RCPT_CHECK");
		return;
	}
	struct rcpt_reply rr = { 0, NULL, NULL, BUF_INIT };
	rcpt_check(rcpt, authed != 0, &rr);
	/* Mail for us from the outside: the client's reputation next. */
	if (rr.code == 250 && !authed && from == PROC_SMTP) {
		lookup_policy_rcpt(m->id, client, sender, rcpt, &rr);
		return;
	}
	if (rr.code == 250 && from == PROC_SMTP)
		ipc_w_str(&rr.extra, "");       /* no block lists asked */
	reply_verdict(from, MSG_RCPT_RESULT, m->id, rr.code, rr.enh, rr.text,
	    rr.code == 250 ? &rr.extra : NULL);
	buf_free(&rr.extra);
}

static void on_user_info(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *address;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &address) || !ipc_r_done(&r)) {
		log_err("lookup: malformed USER_INFO");
		return;
	}
	struct userdb_user u;
	struct buf err = BUF_INIT, p = BUF_INIT;
	int found = userdb_user_get(lookup_db, address, &u, &err);
	if (found < 0)
		log_err("lookup: %s: %s", address, buf_cstr(&err));
	/* 2: temporary failure, so delivery retries instead of bouncing. */
	ipc_w_u8(&p, found == 1 ? 1 : found == 0 ? 0 : 2);
	ipc_w_bytes(&p, found == 1 ? u.key.pk : (const unsigned char *)"",
	    found == 1 ? sizeof u.key.pk : 0);
	ipc_w_u8(&p, found == 1 && u.encrypt);
	ipc_w_u64(&p, found == 1 ? u.quota : 0);
	if (found == 1)
		userdb_user_clear(&u);
	struct ipc_chan *ch = child_peer(PROC_DELIVER);
	if (ch != NULL)
		ipc_send_buf(ch, MSG_USER_INFO_RESULT, m->id, -1, &p);
	buf_free(&p);
	buf_free(&err);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_IMAPLOGIN && m->type == MSG_IMAP_LOGIN) {
		lookup_on_imap_login(m);    /* takes the fd */
		return;
	}
	if (from == PROC_SMTP && m->type == MSG_VERDICT) {
		lookup_on_verdict(m);       /* takes the fd */
		return;
	}
	if (m->fd >= 0)
		close(m->fd);
	if (m->type == MSG_RCPT_CHECK && (from == PROC_SMTP ||
	    from == PROC_QUEUE || from == PROC_DELIVER))
		on_rcpt_check(from, m);
	else if (from == PROC_DELIVER && m->type == MSG_USER_INFO)
		on_user_info(m);
	else if (from == PROC_SMTP && m->type == MSG_AUTH)
		lookup_on_auth(m);
	else if (from == PROC_SMTP && m->type == MSG_SENDER_CHECK)
		lookup_on_sender_check(m);
	else if (from == PROC_MASTER && (m->type == MSG_BAN || m->type == MSG_UNBAN))
		lookup_on_ban(m);
	else
		log_warn("lookup: unexpected message %u from %s", m->type, proc_name(from));
}

static void shutdown_lookup(void)
{
	if (expiry)
		event_free(expiry);
	logincache_free();      /* wipes cached keys */
	lookup_policy_shutdown();
	lookup_verdict_shutdown();
	userdb_close(lookup_db);
	child_exit(0);
}

const struct role_ops lookup_role = {
	.role = PROC_LOOKUP, .setup = setup, .start = start, .message = message,
	.shutdown = shutdown_lookup,
};
