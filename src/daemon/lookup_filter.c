/* The optional filters of inbound mail, one after the other: clamd
 * (INSTREAM) and rspamd (HTTP /checkv2). Each gets the queue file as it
 * is, streamed from the descriptor smtp lent us, and FILTER_SECONDS to
 * answer; a filter that cannot be reached or answers nonsense is "down",
 * and filter_fail says whether the mail then waits (451) or goes on with
 * a header saying so. */
#include "daemon/lookup_verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/child.h"
#include "filter/clamd.h"
#include "filter/http.h"
#include "filter/rspamd.h"

#define FILTER_SECONDS 60
#define REPLY_MAX (1024 * 1024)

enum filter_kind { F_CLAMD, F_RSPAMD, F_COUNT };

static const char *const filter_names[F_COUNT] = { "clamd", "rspamd" };

struct filter_conn {
	struct vjob *j;
	enum filter_kind kind;
	struct bufferevent *bev;
	uint64_t off;            /* next file octet to send */
	bool sent_all;
	struct buf reply;
};

static void next_filter(struct vjob *j);

void lookup_filter_free(struct vjob *j)
{
	struct filter_conn *c = j->conn;
	if (c == NULL)
		return;
	if (c->bev)
		bufferevent_free(c->bev);
	buf_free(&c->reply);
	free(c);
	j->conn = NULL;
}

static void filter_down(struct vjob *j, enum filter_kind k, const char *why)
{
	const char *name = filter_names[k];
	log_warn("%s: %s unavailable: %s", j->qid, name, why);
	if (strcmp(config_str(child_config(), "filter_fail"), "closed") == 0) {
		j->filter_code = 451;
		snprintf(j->filter_enh, sizeof j->filter_enh, "4.7.0");
		snprintf(j->filter_text, sizeof j->filter_text,
		    "Message filter unavailable, try again later");
	} else {
		buf_printf(&j->filter_headers, "X-Archmailbox-Filter: %s "
		    "unavailable\r\n", name);
	}
}

static void refuse(struct vjob *j, uint32_t code, const char *enh,
    const char *text)
{
	j->filter_code = code;
	snprintf(j->filter_enh, sizeof j->filter_enh, "%s", enh);
	snprintf(j->filter_text, sizeof j->filter_text, "%s", text);
}

static void clamd_result(struct vjob *j, const struct buf *reply)
{
	char name[128], text[200];
	switch (clamd_parse_reply(reply->data ? reply->data : "", reply->len,
	    name, sizeof name)) {
	case CLAMD_CLEAN:
		break;
	case CLAMD_TOO_LARGE:
		/* Deferring would not help: it will never be smaller. */
		log_info("%s: clamd: too large to scan", j->qid);
		buf_addstr(&j->filter_headers,
		    "X-Archmailbox-Filter: clamd skipped (message too large)\r\n");
		break;
	case CLAMD_VIRUS:
		log_info("%s: clamd: %s", j->qid, name);
		snprintf(text, sizeof text, "Message refused: virus %s found", name);
		refuse(j, 554, "5.7.1", text);
		break;
	default:
		filter_down(j, F_CLAMD, "error reply");
		break;
	}
}

static void rspamd_result(struct vjob *j, const struct buf *reply)
{
	struct http_response h;
	struct rspamd_result r;
	struct buf tmp = BUF_INIT;
	if (!http_response_parse(reply->data ? reply->data : "", reply->len, &h,
	    &tmp) || h.status != 200 || !rspamd_parse(h.body, h.body_len, &r)) {
		filter_down(j, F_RSPAMD, "no valid reply");
		buf_free(&tmp);
		return;
	}
	buf_free(&tmp);
	log_info("%s: rspamd: %s, score %.2f", j->qid, rspamd_action_name(r.action),
	    r.score / 1000.0);
	j->filter_score = r.score;
	j->filter_scored = true;
	switch (r.action) {
	case RSPAMD_REJECT:
		refuse(j, 550, "5.7.1", "Message refused as spam");
		break;
	case RSPAMD_SOFT_REJECT:
	case RSPAMD_GREYLIST:
		refuse(j, 451, "4.7.1", "Try again later");
		break;
	case RSPAMD_ADD_HEADER:
	case RSPAMD_REWRITE_SUBJECT:
		j->filter_junk = true;
		break;
	default:
		break;
	}
}

/* The filter has answered (or not): take its word, go to the next. */
static void conn_done(struct filter_conn *c, const char *failure)
{
	struct vjob *j = c->j;
	if (failure != NULL)
		filter_down(j, c->kind, failure);
	else if (c->kind == F_CLAMD)
		clamd_result(j, &c->reply);
	else
		rspamd_result(j, &c->reply);
	lookup_filter_free(j);
	next_filter(j);
}

/* The next piece of the file, clamd's chunks framed. */
static void send_more(struct filter_conn *c)
{
	static char chunk[CLAMD_CHUNK_MAX];
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (c->sent_all)
		return;
	ssize_t n = pread(c->j->fd, chunk, sizeof chunk, (off_t)c->off);
	if (n < 0) {
		conn_done(c, "cannot read the message");
		return;
	}
	if (c->kind == F_CLAMD) {
		unsigned char len[4];
		clamd_chunk_len((uint32_t)n, len);
		evbuffer_add(out, len, 4);
	}
	evbuffer_add(out, chunk, (size_t)n);
	c->off += (uint64_t)n;
	c->sent_all = n == 0 || (c->kind == F_RSPAMD && c->off >= c->j->size);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	send_more(arg);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct filter_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char tmp[4096];
	int n;
	while ((n = evbuffer_remove(in, tmp, sizeof tmp)) > 0) {
		if (c->reply.len + (size_t)n > REPLY_MAX) {
			conn_done(c, "reply too long");
			return;
		}
		buf_add(&c->reply, tmp, (size_t)n);
	}
	/* clamd's z-commands end their reply with NUL */
	if (c->kind == F_CLAMD && memchr(c->reply.data, '\0', c->reply.len) != NULL)
		conn_done(c, NULL);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct filter_conn *c = arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if ((what & BEV_EVENT_ERROR) && (what & BEV_EVENT_WRITING) &&
	    !(what & BEV_EVENT_TIMEOUT)) {
		/* The filter stopped reading (clamd past its size limit) and
		 * may have said why: stop sending, read what it said. */
		c->sent_all = true;
		bufferevent_disable(bev, EV_WRITE);
		evbuffer_drain(bufferevent_get_output(bev),
		    evbuffer_get_length(bufferevent_get_output(bev)));
		return;
	}
	if (what & BEV_EVENT_EOF)
		conn_done(c, c->reply.len > 0 ? NULL : "closed without a reply");
	else if (what & BEV_EVENT_TIMEOUT)
		conn_done(c, "timed out");
	else
		conn_done(c, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* A socket address from "/path", "IP:PORT", "[IPv6]:PORT" or
 * "localhost:PORT" (no name lookups: filters run on known hosts). */
static bool filter_addr(const char *target, struct sockaddr_storage *ss,
    int *len)
{
	memset(ss, 0, sizeof *ss);
	if (target[0] == '/') {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		if (strlen(target) >= sizeof un->sun_path)
			return false;
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, target, strlen(target) + 1);
		*len = (int)sizeof *un;
		return true;
	}
	char tmp[300];
	if (strncmp(target, "localhost:", 10) == 0) {
		snprintf(tmp, sizeof tmp, "127.0.0.1:%s", target + 10);
		target = tmp;
	}
	*len = (int)sizeof *ss;
	return evutil_parse_sockaddr_port(target, (struct sockaddr *)ss, len) == 0;
}

/* Where to connect and what to send first; false if misconfigured. */
static bool prepare(struct vjob *j, enum filter_kind k, const char *setting,
    struct sockaddr_storage *ss, int *len, struct buf *head)
{
	if (k == F_CLAMD) {
		buf_add(head, CLAMD_COMMAND, CLAMD_COMMAND_LEN);
		return filter_addr(setting, ss, len);
	}
	char host[HTTP_HOST_MAX + 1], hostport[HTTP_HOST_MAX + 16];
	unsigned port;
	struct buf path = BUF_INIT;
	bool ok = http_url_parse(setting, host, &port, &path);
	if (ok) {
		snprintf(hostport, sizeof hostport, strchr(host, ':') ? "[%s]:%u" :
		    "%s:%u", host, port);
		ok = filter_addr(hostport, ss, len);
		const char *cp = path.len > 1 ? buf_cstr(&path) : "/checkv2";
		struct rspamd_request q = { host, cp, j->client, j->helo,
			j->sender, j->qid, config_str(child_config(), "hostname"),
			(const char *const *)j->rcpts, j->nrcpts, j->size };
		rspamd_request_head(&q, head);
	}
	buf_free(&path);
	return ok;
}

static bool start_conn(struct vjob *j, enum filter_kind k, const char *setting)
{
	struct sockaddr_storage ss;
	int len;
	struct buf head = BUF_INIT;
	if (!prepare(j, k, setting, &ss, &len, &head)) {
		buf_free(&head);
		filter_down(j, k, "bad address in the configuration");
		return false;
	}
	struct filter_conn *c = xcalloc(1, sizeof *c);
	c->j = j;
	c->kind = k;
	c->bev = bufferevent_socket_new(child_base(), -1, BEV_OPT_CLOSE_ON_FREE);
	j->conn = c;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	struct timeval tv = { FILTER_SECONDS, 0 };
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	bufferevent_write(c->bev, head.data, head.len);
	buf_free(&head);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, len) != 0) {
		lookup_filter_free(j);
		filter_down(j, k, "cannot connect");
		return false;
	}
	return true;
}

static void next_filter(struct vjob *j)
{
	while (j->filter_code == 0 && j->filter_next < F_COUNT) {
		enum filter_kind k = (enum filter_kind)j->filter_next++;
		const char *setting = config_str(child_config(),
		    k == F_CLAMD ? "clamd_socket" : "rspamd_url");
		if (*setting != '\0' && start_conn(j, k, setting))
			return;
	}
	vjob_decide(j);
}

void lookup_filter_start(struct vjob *j)
{
	/* Refused already: no filter needs to see it. */
	const struct dmarc_verdict *d = &j->auth.dmarc;
	j->filter_next = d->result == DMARC_RESULT_FAIL &&
	    d->disposition == DMARC_POLICY_REJECT ? F_COUNT : 0;
	next_filter(j);
}
