/* One SMTP session of the relay: a libevent connection to one address
 * driving the sans-I/O client engine (smtp/client.h), opportunistic
 * STARTTLS with an OpenSSL filter, and the message streamed from the
 * queue file (DKIM fields first) as the socket drains, never whole. */
#include "daemon/relay_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/config.h"
#include "common/log.h"
#include "common/str.h"
#include "common/tls.h"
#include "common/xmalloc.h"
#include "daemon/child.h"
#include "smtp/client.h"
#include "smtp/envelope.h"
#include "smtp/mtasts.h"

#define CONNECT_TIMEOUT 30
#define TLS_TIMEOUT     60
#define CHUNK           (64 * 1024)
#define OUT_HIGH        (256 * 1024)   /* stop feeding the body above this */


void relay_conn_free(struct rconn *c)
{
	if (c == NULL)
		return;
	reuse_forget(c);
	if (c->bev)
		bufferevent_free(c->bev);
	smtp_client_free(c->cli);
	event_free(c->timer);
	free(c);
}

/* The session ended without a result for the message: next address. */
static void give_up(struct rconn *c, const char *why)
{
	struct rjob *j = c->job;
	log_info("relay %s: %s: %s", j->id, c->relay, why);
	buf_set(&j->last_error, why);
	str_copy(j->last_relay, sizeof j->last_relay, c->relay);
	j->conn = NULL;
	reuse_release(c);
	relay_conn_free(c);
	relay_route_next(j);
}

static void arm(struct rconn *c, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };
	if (secs > 0)
		evtimer_add(c->timer, &tv);
	else
		evtimer_del(c->timer);
}

static void flush(struct rconn *c)
{
	size_t len;
	const char *out = smtp_client_output(c->cli, &len);
	if (len > 0) {
		bufferevent_write(c->bev, out, len);
		smtp_client_output_consume(c->cli, len);
	}
}

static void stream_body(struct rconn *c)
{
	static unsigned char chunk[CHUNK];
	struct evbuffer *out = bufferevent_get_output(c->bev);
	while (smtp_client_wants_body(c->cli) && evbuffer_get_length(out) < OUT_HIGH) {
		if (!c->sig_sent) {
			c->sig_sent = true;
			if (c->job->sig.len > 0)
				smtp_client_body(c->cli, c->job->sig.data,
				    c->job->sig.len);
		} else {
			ssize_t n = pread(c->job->fd, chunk, sizeof chunk, c->off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				/* Never end a message cut short: drop the
				 * connection, so the peer discards it and the
				 * engine defers the recipients (4.4.2). */
				log_err("relay %s: read: %s", c->job->id,
				    strerror(errno));
				smtp_client_eof(c->cli);
				return;
			}
			if (n == 0) {
				smtp_client_body_end(c->cli);
			} else {
				c->off += n;
				smtp_client_body(c->cli, chunk, (size_t)n);
			}
		}
		flush(c);
	}
}

static void send_message(struct rconn *c)
{
	struct rjob *j = c->job;
	struct stat st;
	struct smtp_client_msg m = {
		.sender = j->sender, .rcpts = (const char *const *)j->rcpts,
		.nrcpts = j->n,
		.size = fstat(j->fd, &st) == 0 ? (uint64_t)st.st_size + j->sig.len : 0,
		.eightbit = (j->flags & ENV_F_8BITMIME) != 0,
		.smtputf8 = (j->flags & ENV_F_SMTPUTF8) != 0,
	};
	c->sent = true;
	smtp_client_send(c->cli, &m);
}

static uint8_t outcome_of(int code)
{
	return code >= 200 && code < 300 ? DELIVER_OK :
	    code >= 500 ? DELIVER_PERMFAIL : DELIVER_TEMPFAIL;
}

/* The message's result: reported now, the session then quits. */
static void done(struct rconn *c, const struct smtp_cevent *ev)
{
	struct rjob *j = c->job;
	uint8_t *outcome = xcalloc(j->n, 1);
	const char **reply = xcalloc(j->n, sizeof *reply);
	for (size_t i = 0; i < j->n; i++) {
		if (ev->status == SMTP_MSG_NEED_7BIT) {
			outcome[i] = DELIVER_PERMFAIL;
			/* RFC 6152 3 lets us bounce rather than convert to
			 * 7 bit (which would also break the DKIM signatures
			 * made over the 8-bit form). */
			reply[i] = "554 5.6.3 Conversion required but not "
			    "supported: 8-bit message, and the receiving server "
			    "lacks 8BITMIME";
		} else {
			outcome[i] = outcome_of(ev->rcpts[i].code);
			reply[i] = ev->rcpts[i].text;
		}
	}
	c->job = NULL;
	j->conn = NULL;
	relay_finish(j, outcome, reply, c->relay);
	free(outcome);
	free(reply);
}

/* Handles one engine event; false when c is gone. */
static bool on_event(struct rconn *c, const struct smtp_cevent *ev);

void relay_conn_pump(struct rconn *c)
{
	struct smtp_cevent ev;
	while (smtp_client_next_event(c->cli, &ev))
		if (!on_event(c, &ev))
			return;
	flush(c);
	arm(c, c->tls_pending ? TLS_TIMEOUT : c->idle ? RELAY_IDLE_SECS :
	    smtp_client_wait_seconds(c->cli));
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct rconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	while ((n = evbuffer_get_length(in)) > 0) {
		unsigned char tmp[4096];
		size_t k = n < sizeof tmp ? n : sizeof tmp;
		evbuffer_remove(in, tmp, k);
		smtp_client_feed(c->cli, tmp, k);
	}
	relay_conn_pump(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct rconn *c = arg;
	if (c->cli != NULL && smtp_client_wants_body(c->cli)) {
		stream_body(c);
		relay_conn_pump(c);
	}
}

static void on_bev_event(struct bufferevent *bev, short what, void *arg);

/* The certificate must match one of the host's TLSA records; the name
 * is not checked for DANE-EE(3) (RFC 7672 3.1.1). */
static bool dane_setup(struct rconn *c, SSL *ssl)
{
	const struct rjob *j = c->job;
	int usable = 0;
	if (SSL_dane_enable(ssl, c->host) <= 0)
		return false;
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (size_t i = 0; i < j->ntlsa; i++)
		if (SSL_dane_tlsa_add(ssl, j->tlsa[i].usage, j->tlsa[i].selector,
		    j->tlsa[i].mtype, j->tlsa[i].data, j->tlsa[i].len) > 0)
			usable++;
	/* Records OpenSSL cannot use leave TLS mandatory, unauthenticated. */
	c->dane = usable > 0;
	return true;
}

/* After the handshake: false (and c gone) if DANE refuses the peer. */
static bool dane_check(struct rconn *c)
{
	char why[600];
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	if (!c->dane)
		return true;
	if (ssl != NULL && SSL_get_verify_result(ssl) == X509_V_OK &&
	    SSL_get0_dane_authority(ssl, NULL, NULL) >= 0) {
		log_info("relay %s: %s: certificate matches its TLSA records",
		    c->job ? c->job->id : "-", c->relay);
		return true;
	}
	snprintf(why, sizeof why, "451 4.7.5 certificate of %s matches none "
	    "of its TLSA records (DANE)", c->relay);
	give_up(c, why);
	return false;
}

/* MTA-STS: the certificate must be valid for the MX host's name
 * (RFC 8461 4.2), checked against the CA store with OpenSSL's own
 * verification; the result is looked at after the handshake. */
static bool sts_setup(struct rconn *c, SSL *ssl)
{
	const struct rjob *j = c->job;
	if (j == NULL || j->sts == NULL || j->ntlsa > 0 || j->tls_required)
		return true;      /* no policy, or DANE decides */
	c->sts = true;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(ssl, c->host) == 1;
}

/* After the handshake: false (and c gone) if an enforced MTA-STS policy
 * refuses the certificate; with testing it is only logged. */
static bool sts_check(struct rconn *c)
{
	char why[700];
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	long res = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_ERR_UNSPECIFIED;
	if (!c->sts || res == X509_V_OK)
		return true;
	bool enforce = c->job->sts->mode == MTASTS_ENFORCE;
	snprintf(why, sizeof why, "451 4.7.5 certificate of %s is not valid for "
	    "it: %s (MTA-STS)", c->relay, X509_verify_cert_error_string(res));
	if (!enforce) {
		log_warn("relay %s: %s; sent anyway (mode testing)", c->job->id,
		    why + 10);
		return true;
	}
	give_up(c, why);
	return false;
}

static void start_tls(struct rconn *c)
{
	SSL *ssl = SSL_new(relay_g.tls);
	struct bufferevent *f = NULL;
	if (ssl != NULL) {
		struct in6_addr a;
		if (inet_pton(AF_INET, c->host, &a) != 1 &&
		    inet_pton(AF_INET6, c->host, &a) != 1)
			SSL_set_tlsext_host_name(ssl, c->host);
		if (c->job != NULL && c->job->ntlsa > 0 && !dane_setup(c, ssl)) {
			SSL_free(ssl);
			give_up(c, "451 4.7.5 cannot set up DANE");
			return;
		}
		if (!sts_setup(c, ssl)) {
			SSL_free(ssl);
			give_up(c, "451 4.7.5 cannot set up MTA-STS");
			return;
		}
		f = bufferevent_openssl_filter_new(child_base(), c->bev, ssl,
		    BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	}
	if (f == NULL) {
		if (ssl != NULL)
			SSL_free(ssl);
		give_up(c, "451 4.7.5 cannot start TLS");
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(f, 1);
	c->bev = f;
	c->tls_pending = true;
	bufferevent_setcb(f, on_read, on_write, on_bev_event, c);
	bufferevent_setwatermark(f, EV_WRITE, CHUNK, 0);
	bufferevent_enable(f, EV_READ | EV_WRITE);
	arm(c, TLS_TIMEOUT);
}

static bool on_event(struct rconn *c, const struct smtp_cevent *ev)
{
	struct rjob *j;
	switch (ev->type) {
	case SMTP_CEV_STARTTLS:
		flush(c);
		start_tls(c);
		return false;     /* the handshake's end resumes the engine */
	case SMTP_CEV_READY:
		if (!c->sent)
			send_message(c);
		else if ((j = reuse_next_waiting(c)) != NULL)
			relay_conn_take(c, j);
		else
			c->idle = true;     /* quits after RELAY_IDLE_SECS */
		return true;
	case SMTP_CEV_BODY:
		stream_body(c);
		return true;
	case SMTP_CEV_DONE:
		done(c, ev);
		return true;
	case SMTP_CEV_CLOSED:
		flush(c);
		if (c->job != NULL) {
			give_up(c, ev->result->text);
		} else {
			reuse_release(c);
			relay_conn_free(c);
		}
		return false;
	case SMTP_CEV_NONE:
		break;
	}
	return true;
}

static void connected(struct rconn *c)
{
	const struct config *cfg = child_config();
	/* Credentials only for relay_host, and only ever under TLS. */
	bool auth = relay_g.auth_user != NULL && c->route[0] == '[';
	struct smtp_client_params p = {
		.helo_name = config_str(cfg, "hostname"), .peer = c->relay,
		.auth_user = auth ? relay_g.auth_user : NULL,
		.auth_pass = auth ? relay_g.auth_pass : NULL,
		.flags = c->job->tls_required || relay_sts_enforced(c->job) || auth ?
		    SMTP_CLI_F_TLS_REQUIRED : 0,
	};
	c->connected = true;
	c->cli = smtp_client_new(&p);
	log_debug("relay %s: connected to %s", c->job ? c->job->id : "-", c->relay);
}

static void on_bev_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct rconn *c = arg;
	char why[600];
	if (what & BEV_EVENT_CONNECTED) {
		if (c->tls_pending) {
			c->tls_pending = false;
			if (!dane_check(c) || !sts_check(c))
				return;
			smtp_client_tls_started(c->cli);
		} else {
			connected(c);
		}
		relay_conn_pump(c);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (!c->connected || c->tls_pending) {
		int e = EVUTIL_SOCKET_ERROR();
		snprintf(why, sizeof why, c->tls_pending ?
		    "451 4.7.5 TLS handshake with %s failed: %s" :
		    "451 4.4.1 connect to %s: %s", c->relay, c->tls_pending ?
		    tls_last_error() : evutil_socket_error_to_string(e));
		if (c->job != NULL) {
			give_up(c, why);
		} else {
			relay_conn_free(c);
		}
		return;
	}
	smtp_client_eof(c->cli);
	relay_conn_pump(c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct rconn *c = arg;
	char why[600];
	if (c->idle) {
		c->idle = false;
		smtp_client_quit(c->cli);
		relay_conn_pump(c);
		return;
	}
	if (!c->connected || c->tls_pending) {
		snprintf(why, sizeof why, "451 4.4.2 %s with %s timed out",
		    c->connected ? "TLS handshake" : "connection", c->relay);
		give_up(c, why);
		return;
	}
	smtp_client_timeout(c->cli);
	relay_conn_pump(c);
}

static bool sockaddr_of(const char *ip, unsigned port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
		return true;
	}
	if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof *v6;
		return true;
	}
	return false;
}

void relay_conn_start(struct rjob *j, const char *host, const char *ip,
    unsigned port)
{
	struct rconn *c = xcalloc(1, sizeof *c);
	struct sockaddr_storage ss;
	socklen_t sslen;
	c->job = j;
	j->conn = c;
	str_copy(c->host, sizeof c->host, host);
	str_copy(c->route, sizeof c->route, j->route);
	reuse_track(c);
	reuse_hand_over(j, c);
	snprintf(c->relay, sizeof c->relay, "%s[%s]:%u", host, ip, port);
	c->timer = evtimer_new(child_base(), on_timeout, c);
	c->bev = bufferevent_socket_new(child_base(), -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	bufferevent_setcb(c->bev, on_read, on_write, on_bev_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CHUNK, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	arm(c, CONNECT_TIMEOUT);
	if (!sockaddr_of(ip, port, &ss, &sslen) ||
	    bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss,
	    (int)sslen) != 0)
		give_up(c, "451 4.4.1 cannot connect");
}

/* Sends j next on c, a session that is READY. */
void relay_conn_take(struct rconn *c, struct rjob *j)
{
	c->job = j;
	j->conn = c;
	c->sent = c->sig_sent = c->idle = false;
	c->off = 0;
	log_debug("relay %s: on the session with %s", j->id, c->relay);
	send_message(c);
}
