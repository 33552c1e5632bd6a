/* The mail transaction of an smtp session: MAIL gets a queue file, RCPT
 * asks lookup (and deliver, for the quota), the body goes into the queue
 * file behind our Received header, and the end of DATA is answered only
 * when the queue has made the message durable. */
#include "daemon/roles.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "common/config.h"
#include "mail/header.h"
#include "mail/msgid.h"
#include "mailauth/authres.h"
#include "daemon/smtp_int.h"

#define WBUF_FLUSH (64 * 1024)
#define HEAD_MAX   (1024 * 1024)

static uint64_t next_req;

static void log_message(struct session *s, const char *status);

void tx_init(struct session *s)
{
	envelope_init(&s->env);
	s->qfd = -1;
}

/* Forgets the transaction; a queue file not committed is dropped. */
void tx_reset(struct session *s)
{
	if (s->qfd >= 0)
		close(s->qfd);
	if (s->env.id[0] != '\0' && s->wait != TX_COMMIT) {
		struct buf p = BUF_INIT;
		ipc_w_str(&p, s->env.id);
		struct ipc_chan *q = child_peer(PROC_QUEUE);
		if (q != NULL)
			ipc_send_buf(q, MSG_QUEUE_ABORT, 0, -1, &p);
		buf_free(&p);
	}
	char *helo = xstrdup(s->env.helo);
	envelope_free(&s->env);
	envelope_init(&s->env);
	envelope_set(&s->env.helo, helo);
	free(helo);
	free(s->quota);
	s->quota = NULL;
	buf_reset(&s->dnsbl);
	s->qfd = -1;
	s->wait = TX_IDLE;
	s->written = 0;
	s->write_errno = 0;
	buf_reset(&s->wbuf);
}

/* Answers the pending verdict and, unless the session is in the middle
 * of processing input already, lets it go on. */
static void answer(struct session *s, int code, const char *enh, const char *text)
{
	s->wait = TX_IDLE;
	smtp_server_reply(s->srv, code, enh, text);
	if (!s->in_pump)
		session_resume(s);
}

/* Ends the transaction (dropping an uncommitted queue file), logs it if
 * status is given, then answers: in that order, so input the answer lets
 * through starts from a clean slate. */
static void finish(struct session *s, int code, const char *enh,
    const char *text, const char *status)
{
	if (status != NULL)
		log_message(s, status);
	tx_reset(s);
	answer(s, code, enh, text);
}

static const char *const try_later = "Temporary local problem, try again later";

/* Sends a request (with fd, which is closed, unless -1) to a peer and
 * waits for its answer; false if the peer is not there (the caller
 * answers). */
static bool ask_fd(struct session *s, enum proc_role peer, uint32_t type,
    enum tx_wait wait, const struct buf *p, int fd)
{
	struct ipc_chan *ch = child_peer(peer);
	s->req = ++next_req;
	s->wait = wait;
	if (ch == NULL && fd >= 0)
		close(fd);
	if (ch == NULL || !ipc_send_buf(ch, type, s->req, fd, p)) {
		log_warn("smtp: %s is not available", proc_name(peer));
		s->wait = TX_IDLE;
		return false;
	}
	return true;
}

static bool ask(struct session *s, enum proc_role peer, uint32_t type,
    enum tx_wait wait, const struct buf *p)
{
	return ask_fd(s, peer, type, wait, p, -1);
}

static void clean_copy(char **field, const char *v)
{
	char tmp[256];
	size_t i = 0;
	for (; v[i] != '\0' && i < sizeof tmp - 1; i++)
		tmp[i] = (unsigned char)v[i] < 0x21 || v[i] == 0x7f ? '?' : v[i];
	tmp[i] = '\0';
	envelope_set(field, tmp);
}

static void on_mail(struct session *s, const struct smtp_event *ev)
{
	tx_reset(s);
	envelope_set(&s->env.sender, ev->path->mailbox);
	envelope_set(&s->env.client, s->client);
	envelope_set(&s->env.tls, s->tls);
	s->env.flags = (ev->body == SMTP_BODY_8BITMIME ? ENV_F_8BITMIME : 0) |
	    (ev->smtputf8 ? ENV_F_SMTPUTF8 : 0);
	s->env.size = ev->size;
	struct buf p = BUF_INIT;
	if (s->auth_user != NULL) {
		/* Submission: first, is this sender the user's to use? */
		envelope_set(&s->env.auth_user, s->auth_user);
		s->env.flags |= ENV_F_SUBMISSION;
		ipc_w_str(&p, s->auth_user);
		ipc_w_str(&p, ev->path->mailbox);
		if (!ask(s, PROC_LOOKUP, MSG_SENDER_CHECK, TX_SENDER, &p))
			answer(s, 451, "4.3.0", try_later);
	} else if (!ask(s, PROC_QUEUE, MSG_QUEUE_CREATE, TX_CREATE, &p)) {
		answer(s, 451, "4.3.0", try_later);
	}
	buf_free(&p);
}

static void on_auth(struct session *s, const struct smtp_event *ev)
{
	if (*ev->authzid != '\0' && strcmp(ev->authzid, ev->authcid) != 0) {
		smtp_server_reply(s->srv, 535, "5.7.8",
		    "Authentication credentials invalid (no proxy login)");
		return;
	}
	struct buf p = BUF_INIT;
	ipc_w_str(&p, ev->authcid);
	ipc_w_str(&p, ev->password);
	ipc_w_str(&p, s->client);
	if (!ask(s, PROC_LOOKUP, MSG_AUTH, TX_AUTH, &p))
		answer(s, 454, "4.7.0", "Temporary authentication failure");
	buf_free(&p);      /* wipes the password */
}

static void on_rcpt(struct session *s, const struct smtp_event *ev)
{
	struct buf p = BUF_INIT;
	buf_set(&s->rcpt_orig, ev->path->mailbox);
	s->rcpt_mark = s->env.nrcpts;
	ipc_w_str(&p, ev->path->mailbox);
	ipc_w_str(&p, s->env.sender);
	ipc_w_str(&p, s->client);
	ipc_w_u64(&p, s->env.size);
	ipc_w_u8(&p, s->auth_user != NULL);
	if (!ask(s, PROC_LOOKUP, MSG_RCPT_CHECK, TX_RCPT, &p))
		answer(s, 451, "4.3.0", try_later);
	buf_free(&p);
}

static void rfc5322_date(char *out, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, len, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

static const char *with_protocol(const struct session *s)
{
	static const char *names[] = { "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA",
		"UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA" };
	unsigned i = (s->tls[0] != '\0') | (*s->env.auth_user != '\0') << 1 |
	    ((s->env.flags & ENV_F_SMTPUTF8) != 0) << 2;
	return names[i];
}

/* RFC 5321 4.4 trace header, with how TLS was used (as Postfix writes it). */
static void write_received(struct session *s)
{
	char date[64];
	rfc5322_date(date, sizeof date);
	const char *helo = *s->env.helo ? s->env.helo : "unknown";
	if (s->auth_user != NULL && config_bool(child_config(), "mask_src"))
		buf_printf(&s->wbuf, "Received: by %s (archmailbox) with %s id %s",
		    smtp_hostname(), with_protocol(s), s->env.id);
	else
		buf_printf(&s->wbuf, "Received: from %s ([%s])\r\n\tby %s "
		    "(archmailbox) with %s id %s", helo, s->client,
		    smtp_hostname(), with_protocol(s), s->env.id);
	if (s->tls[0] != '\0')
		buf_printf(&s->wbuf, "\r\n\t(%s)", s->tls);
	if (s->env.nrcpts == 1)
		buf_printf(&s->wbuf, "\r\n\tfor <%s>", s->env.rcpts[0].orig);
	buf_printf(&s->wbuf, "; %s\r\n", date);
	s->head = (struct head_scan){ .active = true,
		.submission = s->auth_user != NULL, .start = s->wbuf.len,
		.mark = s->wbuf.len };
}

static void flush_body(struct session *s)
{
	size_t off = 0;
	while (s->write_errno == 0 && off < s->wbuf.len) {
		ssize_t n = write(s->qfd, s->wbuf.data + off, s->wbuf.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			s->write_errno = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	s->written += off;
	buf_reset(&s->wbuf);
}

/* Puts Date and Message-ID, whichever the message lacks, at off. */
static void insert_missing(struct session *s, size_t off)
{
	struct buf add = BUF_INIT, out = BUF_INIT;
	char date[64];
	if (!s->head.date) {
		rfc5322_date(date, sizeof date);
		buf_printf(&add, "Date: %s\r\n", date);
	}
	if (!s->head.message_id) {
		buf_addstr(&add, "Message-ID: ");
		msgid_generate(smtp_hostname(), &add);
		buf_addstr(&add, "\r\n");
	}
	buf_add(&out, s->wbuf.data, off);
	buf_add(&out, add.data, add.len);
	buf_add(&out, s->wbuf.data + off, s->wbuf.len - off);
	buf_free(&s->wbuf);
	s->wbuf = out;
	buf_free(&add);
}

/* Fields only we write: the filters' notes and block-list hits (lookup)
 * and the spam verdict (deliver). A sender's own copy could pass for
 * ours, in a user's Sieve rule or mail program. */
static const char *const our_fields[] = { "X-Archmailbox-Filter",
	"X-Archmailbox-DNSBL", "X-Spam", "X-Spam-Score" };

/* Inbound: drops from the header section, wbuf[start, end), the
 * Authentication-Results fields claiming our host name and the fields
 * only we write. */
static void strip_forged(struct session *s, size_t end)
{
	struct buf ar = BUF_INIT, out = BUF_INIT;
	size_t start = s->head.start;
	size_t n = authres_strip_ours(s->wbuf.data + start, end - start,
	    smtp_hostname(), &ar);
	buf_add(&out, s->wbuf.data, start);
	size_t m = hdr_strip(buf_cstr(&ar), ar.len, our_fields,
	    sizeof our_fields / sizeof *our_fields, &out);
	buf_add(&out, s->wbuf.data + end, s->wbuf.len - end);
	buf_free(&s->wbuf);
	buf_free(&ar);
	s->wbuf = out;
	if (n > 0)
		log_info("%s: dropped %zu Authentication-Results field%s claiming "
		    "to be ours", s->env.id, n, n == 1 ? "" : "s");
	if (m > 0)
		log_info("%s: dropped %zu X-Spam or X-Archmailbox field%s only we "
		    "may write", s->env.id, m, m == 1 ? "" : "s");
}

/* The header section is complete at end: for submission add Date and
 * Message-ID if missing, for inbound mail drop forged fields. */
static void head_complete(struct session *s, size_t end)
{
	s->head.active = false;
	if (s->head.submission)
		insert_missing(s, end);
	else
		strip_forged(s, end);
}

/* Follows the message's header section as it arrives (held in wbuf
 * until its end is seen). */
static void scan_head(struct session *s, bool at_end)
{
	while (s->head.active) {
		const char *p = s->wbuf.data + s->head.mark;
		size_t left = s->wbuf.len - s->head.mark;
		const char *eol = memmem(p, left, "\r\n", 2);
		if (eol == NULL) {
			if (at_end) {
				head_complete(s, s->wbuf.len);
			} else if (s->wbuf.len > HEAD_MAX) {
				/* Not worth holding: submission goes on without
				 * additions, inbound mail is refused (forged
				 * results could hide past the limit). */
				s->head.active = false;
				s->head.too_big = !s->head.submission;
			}
			return;
		}
		size_t n = (size_t)(eol - p);
		if (n == 0) {
			head_complete(s, s->head.mark);
			return;
		}
		if (n >= 11 && strncasecmp(p, "Message-ID:", 11) == 0)
			s->head.message_id = true;
		if (n >= 5 && strncasecmp(p, "Date:", 5) == 0)
			s->head.date = true;
		s->head.mark += n + 2;
	}
}

static void on_body(struct session *s, const struct smtp_event *ev)
{
	if (s->qfd < 0)
		return;
	buf_add(&s->wbuf, ev->data, ev->len);
	scan_head(s, false);
	if (!s->head.active && s->wbuf.len >= WBUF_FLUSH)
		flush_body(s);
}

/* The one log line of a message: who, to whom, how big, how, and what
 * became of it. */
static void log_message(struct session *s, const char *status)
{
	struct buf to = BUF_INIT;
	for (size_t i = 0; i < s->env.nrcpts; i++) {
		const char *orig = s->env.rcpts[i].orig;
		if (i > 0 && strcmp(orig, s->env.rcpts[i - 1].orig) == 0)
			continue;
		buf_printf(&to, "%s<%s>", to.len ? "," : "", orig);
	}
	log_info("%s: from=<%s> to=%s size=%llu client=%s helo=%s tls=%s status=%s",
	    s->env.id, s->env.sender, buf_cstr(&to),
	    (unsigned long long)s->written, s->client, s->env.helo,
	    s->tls[0] ? s->tls : "none", status);
	buf_free(&to);
}

enum asked { ASK_NONE, ASK_SENT, ASK_FAILED };

/* Asks deliver whether the local recipients from index `from` on have
 * room for size bytes. */
static enum asked ask_quota(struct session *s, size_t from, uint64_t size,
    enum tx_wait wait)
{
	struct buf p = BUF_INIT;
	uint32_t n = 0;
	for (size_t i = from; i < s->env.nrcpts; i++)
		n += s->quota[i] != 0;
	if (n == 0)
		return ASK_NONE;
	ipc_w_u64(&p, size);
	ipc_w_u32(&p, n);
	for (size_t i = from; i < s->env.nrcpts; i++)
		if (s->quota[i] != 0) {
			ipc_w_str(&p, s->env.rcpts[i].dest);
			ipc_w_u64(&p, s->quota[i]);
		}
	bool sent = ask(s, PROC_DELIVER, MSG_QUOTA_CHECK, wait, &p);
	buf_free(&p);
	return sent ? ASK_SENT : ASK_FAILED;
}

static void commit(struct session *s)
{
	struct buf p = BUF_INIT, err = BUF_INIT;
	s->env.size = s->written;
	if (!envelope_encode(&s->env, &p, &err)) {
		log_err("%s: envelope refused: %s", s->env.id, buf_cstr(&err));
		finish(s, 451, "4.3.0", try_later,
		    "refused (envelope)");
	} else {
		struct buf q = BUF_INIT;
		ipc_w_bytes(&q, p.data, p.len);
		if (!ask(s, PROC_QUEUE, MSG_QUEUE_COMMIT, TX_COMMIT, &q))
			finish(s, 451, "4.3.0", try_later, "deferred (queue unavailable)");
		buf_free(&q);
	}
	buf_free(&p);
	buf_free(&err);
}

/* Inbound mail: lookup checks the message in the queue file (lent to it
 * for reading) before it is committed. */
static void ask_verdict(struct session *s)
{
	struct buf p = BUF_INIT;
	int fd = s->qfd;
	s->qfd = -1;
	ipc_w_str(&p, s->env.id);
	ipc_w_str(&p, s->client);
	ipc_w_str(&p, s->env.helo);
	ipc_w_str(&p, s->env.sender);
	ipc_w_str(&p, buf_cstr(&s->dnsbl));
	uint32_t n = s->env.nrcpts < VERDICT_MAX_RCPTS ?
	    (uint32_t)s->env.nrcpts : VERDICT_MAX_RCPTS;
	ipc_w_u32(&p, n);
	for (uint32_t i = 0; i < n; i++)
		ipc_w_str(&p, s->env.rcpts[i].orig);
	if (!ask_fd(s, PROC_LOOKUP, MSG_VERDICT, TX_VERDICT, &p, fd))
		finish(s, 451, "4.3.0", try_later, "deferred (lookup unavailable)");
	buf_free(&p);
}

/* The message is written and has room: check it, then commit it. */
static void checked_commit(struct session *s)
{
	if (s->auth_user == NULL)
		ask_verdict(s);
	else
		commit(s);
}

static void on_data_end(struct session *s)
{
	scan_head(s, true);
	flush_body(s);
	if (s->auth_user != NULL && s->qfd >= 0) {
		close(s->qfd);
		s->qfd = -1;
	}
	if (s->head.too_big) {
		finish(s, 552, "5.3.4", "Message header section too large",
		    "refused (header too large)");
	} else if (s->write_errno == ENOSPC || s->write_errno == EDQUOT) {
		log_err("%s: writing to the queue: %s", s->env.id, strerror(s->write_errno));
		finish(s, 452, "4.3.1", "Insufficient system storage",
		    "deferred (disk full)");
	} else if (s->write_errno != 0) {
		log_err("%s: writing to the queue: %s", s->env.id, strerror(s->write_errno));
		finish(s, 451, "4.3.0", try_later,
		    "deferred (queue write error)");
	} else {
		enum asked a = ask_quota(s, 0, s->written, TX_DATA_QUOTA);
		if (a == ASK_NONE)
			checked_commit(s);
		else if (a == ASK_FAILED)
			finish(s, 451, "4.3.0", try_later, "deferred (deliver unavailable)");
	}
}

void tx_event(struct session *s, const struct smtp_event *ev)
{
	switch (ev->type) {
	case SMTP_EV_HELO:
		clean_copy(&s->env.helo, ev->helo);
		break;
	case SMTP_EV_MAIL:
		on_mail(s, ev);
		break;
	case SMTP_EV_RCPT:
		on_rcpt(s, ev);
		break;
	case SMTP_EV_AUTH:
		on_auth(s, ev);
		break;
	case SMTP_EV_DATA:
		write_received(s);
		break;
	case SMTP_EV_BODY:
		on_body(s, ev);
		break;
	case SMTP_EV_DATA_END:
		on_data_end(s);
		break;
	case SMTP_EV_RESET:
		if (s->env.id[0] != '\0' && s->written + s->wbuf.len > 0) {
			char status[96];
			snprintf(status, sizeof status, "refused (%s)",
			    ev->text ? ev->text : "transaction reset");
			log_message(s, status);
		}
		tx_reset(s);
		break;
	default:
		break;
	}
}

/* ---- answers from the peers ---- */

static struct session *waiting_for(struct session *list, uint64_t id)
{
	for (struct session *s = list; s; s = s->next)
		if (s->wait != TX_IDLE && s->req == id)
			return s;
	return NULL;
}

static bool read_verdict(struct ipc_reader *r, struct smtp_verdict *v)
{
	return ipc_r_u32(r, &v->code) && ipc_r_str(r, &v->enhanced) &&
	    ipc_r_str(r, &v->text) && v->code >= 200 && v->code < 600;
}

static void on_created(struct session *s, const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *id;
	ipc_reader_init(&r, m);
	if (m->fd < 0 || !ipc_r_str(&r, &id) || !ipc_r_done(&r) ||
	    !str_copy(s->env.id, sizeof s->env.id, id)) {
		log_err("smtp: malformed QUEUE_CREATED");
		if (m->fd >= 0)
			close(m->fd);
		answer(s, 451, "4.3.0", try_later);
		return;
	}
	s->qfd = m->fd;
	answer(s, 250, "2.1.0", "Ok");
}

/* Adds the destinations of an accepted RCPT (RCPT_RESULT tail):
 * u32 n, n * (str dest, str folder, u8 kind, u64 quota), then notes the
 * block lists naming the client (str), for the end-of-DATA verdict. */
static bool add_dests(struct session *s, struct ipc_reader *r)
{
	uint32_t n;
	if (!ipc_r_u32(r, &n) || n > ENVELOPE_MAX_RCPTS)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		const char *dest, *folder;
		uint8_t kind;
		uint64_t quota;
		if (!ipc_r_str(r, &dest) || !ipc_r_str(r, &folder) ||
		    !ipc_r_u8(r, &kind) || !ipc_r_u64(r, &quota) ||
		    (kind != RCPT_LOCAL && kind != RCPT_REMOTE))
			return false;
		bool dup = false;
		for (size_t k = 0; k < s->env.nrcpts && !dup; k++)
			dup = strcmp(s->env.rcpts[k].dest, dest) == 0 &&
			    strcmp(s->env.rcpts[k].folder, folder) == 0;
		if (dup)
			continue;
		envelope_add_rcpt(&s->env, buf_cstr(&s->rcpt_orig), dest, folder,
		    (enum rcpt_kind)kind);
		s->quota = xreallocarray(s->quota, s->env.nrcpts, sizeof *s->quota);
		s->quota[s->env.nrcpts - 1] = kind == RCPT_LOCAL ? quota : 0;
	}
	const char *listed;
	if (!ipc_r_str(r, &listed) || !ipc_r_done(r))
		return false;
	if (*listed != '\0')
		buf_set(&s->dnsbl, listed);
	return true;
}

/* Takes back the recipients the pending RCPT added. */
static void drop_new_rcpts(struct session *s)
{
	while (s->env.nrcpts > s->rcpt_mark) {
		struct rcpt *r = &s->env.rcpts[--s->env.nrcpts];
		free(r->orig);
		free(r->dest);
		free(r->folder);
		free(r->error);
	}
}

static void on_rcpt_result(struct session *s, const struct ipc_msg *m)
{
	struct ipc_reader r;
	struct smtp_verdict v;
	ipc_reader_init(&r, m);
	if (!read_verdict(&r, &v)) {
		log_err("smtp: malformed RCPT_RESULT");
		answer(s, 451, "4.3.0", "Temporary lookup failure");
		return;
	}
	if (v.code != 250) {
		if (!ipc_r_done(&r))
			log_err("smtp: malformed RCPT_RESULT");
		answer(s, (int)v.code, v.enhanced, v.text);
		return;
	}
	if (!add_dests(s, &r)) {
		drop_new_rcpts(s);
		log_err("smtp: malformed RCPT_RESULT destinations");
		answer(s, 451, "4.3.0", "Temporary lookup failure");
		return;
	}
	if (s->env.nrcpts > ENVELOPE_MAX_RCPTS) {
		drop_new_rcpts(s);
		answer(s, 452, "4.5.3", "Too many recipients");
		return;
	}
	enum asked a = ask_quota(s, s->rcpt_mark, s->env.size, TX_RCPT_QUOTA);
	if (a == ASK_NONE) {
		answer(s, 250, "2.1.5", "Ok");
	} else if (a == ASK_FAILED) {
		drop_new_rcpts(s);
		answer(s, 451, "4.3.0", try_later);
	}
}

static void on_quota_result(struct session *s, const struct ipc_msg *m)
{
	struct ipc_reader r;
	struct smtp_verdict v;
	ipc_reader_init(&r, m);
	if (!read_verdict(&r, &v) || !ipc_r_done(&r)) {
		log_err("smtp: malformed QUOTA_RESULT");
		v = (struct smtp_verdict){ 451, "4.3.0", "Temporary local problem" };
	}
	if (s->wait == TX_RCPT_QUOTA) {
		if (v.code != 250)
			drop_new_rcpts(s);
		answer(s, (int)v.code, v.code == 250 ? "2.1.5" : v.enhanced, v.text);
	} else if (v.code == 250) {
		checked_commit(s);
	} else {
		char status[64];
		snprintf(status, sizeof status, "refused (%u %s)", v.code, v.enhanced);
		finish(s, (int)v.code, v.enhanced, v.text, status);
	}
}

static void on_queue_result(struct session *s, const struct ipc_msg *m)
{
	struct ipc_reader r;
	struct smtp_verdict v;
	ipc_reader_init(&r, m);
	if (!read_verdict(&r, &v) || !ipc_r_done(&r))
		v = (struct smtp_verdict){ 451, "4.3.0", "Temporary local problem" };
	if (s->wait == TX_CREATE) {
		answer(s, v.code == 250 ? 451 : (int)v.code, v.enhanced, v.text);
	} else if (v.code == 250) {
		char text[96];
		snprintf(text, sizeof text, "Ok: queued as %s", s->env.id);
		finish(s, 250, "2.0.0", text, "queued");
	} else {
		/* A failed commit leaves nothing in the queue. */
		finish(s, (int)v.code, v.enhanced, v.text,
		    "deferred (queue commit failed)");
	}
}

static void on_auth_result(struct session *s, const struct ipc_msg *m)
{
	struct ipc_reader r;
	uint8_t result;
	const char *user;
	ipc_reader_init(&r, m);
	if (!ipc_r_u8(&r, &result) || !ipc_r_str(&r, &user) || !ipc_r_done(&r) ||
	    (result == AUTH_OK && *user == '\0'))
		result = AUTH_TEMPFAIL;
	switch (result) {
	case AUTH_OK:
		free(s->auth_user);
		s->auth_user = xstrdup(user);
		answer(s, 235, "2.7.0", "Authentication successful");
		break;
	case AUTH_BAD:
		answer(s, 535, "5.7.8", "Authentication credentials invalid");
		break;
	case AUTH_BANNED:
		answer(s, 454, "4.7.0", "Too many failed logins from your address, "
		    "try again later");
		break;
	default:
		answer(s, 454, "4.7.0", "Temporary authentication failure");
		break;
	}
}

static void on_sender_result(struct session *s, const struct ipc_msg *m)
{
	struct ipc_reader r;
	struct smtp_verdict v;
	ipc_reader_init(&r, m);
	if (!read_verdict(&r, &v) || !ipc_r_done(&r))
		v = (struct smtp_verdict){ 451, "4.3.0", "Temporary lookup failure" };
	if (v.code != 250) {
		answer(s, (int)v.code, v.enhanced, v.text);
		return;
	}
	struct buf p = BUF_INIT;
	if (!ask(s, PROC_QUEUE, MSG_QUEUE_CREATE, TX_CREATE, &p))
		answer(s, 451, "4.3.0", try_later);
	buf_free(&p);
}

static void on_verdict_result(struct session *s, const struct ipc_msg *m)
{
	struct ipc_reader r;
	struct smtp_verdict v;
	const char *headers;
	uint32_t score;
	uint8_t junk;
	ipc_reader_init(&r, m);
	if (!read_verdict(&r, &v) || (v.code == 250 && (!ipc_r_str(&r, &headers) ||
	    !ipc_r_u32(&r, &score) || !ipc_r_u8(&r, &junk)))) {
		log_err("smtp: malformed VERDICT_RESULT");
		v = (struct smtp_verdict){ 451, "4.3.0", try_later };
	}
	if (v.code != 250) {
		char status[64];
		snprintf(status, sizeof status, "%s (%u %s)", v.code < 500 ?
		    "deferred" : "refused", v.code, v.enhanced);
		finish(s, (int)v.code, v.enhanced, v.text, status);
		return;
	}
	envelope_set(&s->env.added_headers, headers);
	s->env.spam_score = (int32_t)score;
	if (junk)
		s->env.flags |= ENV_F_JUNK;
	commit(s);
}

/* A reply for a session that has gone: drop what it would have owned. */
static void orphan(enum proc_role from, const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *id;
	if (from != PROC_QUEUE || m->type != MSG_QUEUE_CREATED)
		return;
	ipc_reader_init(&r, m);
	if (ipc_r_str(&r, &id)) {
		struct buf p = BUF_INIT;
		ipc_w_str(&p, id);
		ipc_send_buf(child_peer(PROC_QUEUE), MSG_QUEUE_ABORT, 0, -1, &p);
		buf_free(&p);
	}
	close(m->fd);
}

void tx_peer_message(struct session *sessions, enum proc_role from,
    const struct ipc_msg *m)
{
	struct session *s = waiting_for(sessions, m->id);
	if (s == NULL) {
		orphan(from, m);
		return;
	}
	if (from == PROC_QUEUE && m->type == MSG_QUEUE_CREATED && s->wait == TX_CREATE)
		on_created(s, m);
	else if (from == PROC_QUEUE && m->type == MSG_QUEUE_RESULT &&
	    (s->wait == TX_CREATE || s->wait == TX_COMMIT))
		on_queue_result(s, m);
	else if (from == PROC_LOOKUP && m->type == MSG_RCPT_RESULT && s->wait == TX_RCPT)
		on_rcpt_result(s, m);
	else if (from == PROC_LOOKUP && m->type == MSG_AUTH_RESULT && s->wait == TX_AUTH)
		on_auth_result(s, m);
	else if (from == PROC_LOOKUP && m->type == MSG_SENDER_RESULT &&
	    s->wait == TX_SENDER)
		on_sender_result(s, m);
	else if (from == PROC_LOOKUP && m->type == MSG_VERDICT_RESULT &&
	    s->wait == TX_VERDICT)
		on_verdict_result(s, m);
	else if (from == PROC_DELIVER && m->type == MSG_QUOTA_RESULT &&
	    (s->wait == TX_RCPT_QUOTA || s->wait == TX_DATA_QUOTA))
		on_quota_result(s, m);
	else
		log_warn("smtp: unexpected message %u from %s", m->type, proc_name(from));
}

static enum proc_role waits_on(enum tx_wait w)
{
	switch (w) {
	case TX_CREATE: case TX_COMMIT: return PROC_QUEUE;
	case TX_RCPT: case TX_AUTH: case TX_SENDER: case TX_VERDICT:
		return PROC_LOOKUP;
	case TX_RCPT_QUOTA: case TX_DATA_QUOTA: return PROC_DELIVER;
	default: return PROC_MASTER;
	}
}

void tx_peer_down(struct session *sessions, enum proc_role peer)
{
	for (struct session *s = sessions; s; s = s->next) {
		if (s->wait == TX_IDLE || waits_on(s->wait) != peer)
			continue;
		switch (s->wait) {
		case TX_RCPT_QUOTA:
			drop_new_rcpts(s);
			/* fall through */
		case TX_CREATE: case TX_RCPT: case TX_SENDER:
			answer(s, 451, "4.3.0", try_later);
			break;
		case TX_AUTH:
			answer(s, 454, "4.7.0", "Temporary authentication failure");
			break;
		default:
			/* Mid-commit the queue recovers or drops the file itself. */
			finish(s, 451, "4.3.0", try_later, "deferred (process restarted)");
			break;
		}
	}
}
