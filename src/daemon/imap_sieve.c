/* The ManageSieve session of a user: bytes from imap-login's relay go to
 * the engine (imap/managesieve.h), its answers go back. */
#include "daemon/imap_sieve.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/config.h"
#include "common/log.h"
#include "daemon/child.h"
#include "imap/managesieve.h"
#include "store/sievestore.h"

#define AUTOLOGOUT 1800

static struct {
	struct msv_session *s;
	struct bufferevent *bev;
	bool closing;
} ms;

static void finish(void)
{
	if (ms.bev)
		bufferevent_free(ms.bev);
	msv_session_free(ms.s);
	child_exit(0);
}

static void flush(void)
{
	size_t n;
	const char *out = msv_session_output(ms.s, &n);
	if (n > 0) {
		bufferevent_write(ms.bev, out, n);
		msv_session_consume(ms.s, n);
	}
	if (msv_session_closed(ms.s) && !ms.closing) {
		ms.closing = true;
		bufferevent_disable(ms.bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(ms.bev)) == 0)
			finish();
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	while (!ms.closing && (n = evbuffer_get_contiguous_space(in)) > 0) {
		msv_session_feed(ms.s, evbuffer_pullup(in, (ssize_t)n), n);
		evbuffer_drain(in, n);
		flush();
	}
}

static void on_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
	if (ms.closing)
		finish();
}

static void bye(const char *text)
{
	struct buf b = BUF_INIT;
	msv_reply(&b, "BYE", NULL, text);
	bufferevent_write(ms.bev, b.data, b.len);
	buf_free(&b);
	ms.closing = true;
	bufferevent_disable(ms.bev, EV_READ);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if ((what & BEV_EVENT_TIMEOUT) && !ms.closing) {
		bye("Autologout; idle for too long");
		bufferevent_enable(ms.bev, EV_WRITE);
		return;
	}
	finish();
}

void imap_sieve_start(int fd, const char *user, const char *client)
{
	struct buf mail = BUF_INIT, dir = BUF_INIT;
	config_state_path(child_config(), "mail", &mail);
	sievestore_dir(mail.data, user, &dir);
	ms.s = msv_session_new(dir.data);
	evutil_make_socket_nonblocking(fd);
	ms.bev = bufferevent_socket_new(child_base(), fd, BEV_OPT_CLOSE_ON_FREE);
	struct timeval tmo = { AUTOLOGOUT, 0 };
	bufferevent_set_timeouts(ms.bev, &tmo, NULL);
	bufferevent_setcb(ms.bev, on_read, on_drained, on_event, NULL);
	bufferevent_enable(ms.bev, EV_READ | EV_WRITE);
	log_info("managesieve: %s session from %s", user, client);
	buf_free(&mail);
	buf_free(&dir);
}

bool imap_sieve_shutdown(void)
{
	if (ms.s == NULL)
		return false;
	if (ms.closing)
		finish();
	bye("Server shutting down");
	return true;
}
