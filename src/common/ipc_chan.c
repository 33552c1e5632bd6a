/* IPC channels on libevent: SOCK_SEQPACKET keeps message boundaries, so
 * each recvmsg is one whole message and a descriptor travels with it. */
#include "common/ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"

struct out_msg {
	struct out_msg *next;
	int fd;
	size_t len;
	unsigned char data[];
};

struct ipc_chan {
	struct event_base *base;
	int sock;
	char *name;
	struct event *rev, *wev;
	ipc_handler *fn;
	void *arg;
	struct out_msg *head, **tail;
	bool dead;
	unsigned char *rbuf;
	struct event *reap;              /* set by ipc_chan_free_later */
	struct ipc_chan *next_doomed;
};

/* Channels waiting for their deferred free, so an exit can free them. */
static struct ipc_chan *doomed;

bool ipc_socketpair(int fds[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0;
}

static ssize_t send_one(int sock, int fd, const void *p, size_t len)
{
	struct iovec iov = { (void *)p, len };
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.space;
		mh.msg_controllen = sizeof cm.space;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Receives one datagram; returns its length, 0 at EOF, -1 on error (errno
 * EAGAIN when nothing is waiting, EMSGSIZE when it was cut). */
static ssize_t recv_one(int sock, unsigned char *p, size_t cap, int *fd)
{
	struct iovec iov = { p, cap };
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cm.space, .msg_controllen = sizeof cm.space };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	*fd = -1;
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
			if (*fd < 0)
				*fd = got;
			else
				close(got);     /* one descriptor per message */
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

static void chan_die(struct ipc_chan *ch, const char *why)
{
	if (ch->dead)
		return;
	ch->dead = true;
	if (why != NULL)
		log_warn("ipc %s: %s", ch->name, why);
	event_del(ch->rev);
	event_del(ch->wev);
	ch->fn(ch, NULL, ch->arg);
}

static void on_readable(evutil_socket_t sock, short what, void *arg)
{
	struct ipc_chan *ch = arg;
	(void)what;
	/* Bounded batch so one busy peer cannot starve the others. */
	for (int i = 0; i < 64 && !ch->dead; i++) {
		int fd;
		ssize_t n = recv_one(sock, ch->rbuf, IPC_HDR_LEN + IPC_MAX_PAYLOAD, &fd);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* A reset is a peer that exited: as good as EOF. */
			chan_die(ch, n == 0 || errno == ECONNRESET ? NULL : strerror(errno));
			return;
		}
		struct ipc_msg m;
		if (!ipc_unframe(ch->rbuf, (size_t)n, &m)) {
			if (fd >= 0)
				close(fd);
			chan_die(ch, "malformed message");
			return;
		}
		m.fd = fd;
		ch->fn(ch, &m, ch->arg);
	}
}

static void flush_out(struct ipc_chan *ch)
{
	while (ch->head != NULL) {
		struct out_msg *o = ch->head;
		ssize_t n = send_one(ch->sock, o->fd, o->data, o->len);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			event_add(ch->wev, NULL);
			return;
		}
		if (n < 0) {
			chan_die(ch, strerror(errno));
			return;
		}
		ch->head = o->next;
		if (ch->head == NULL)
			ch->tail = &ch->head;
		if (o->fd >= 0)
			close(o->fd);
		free(o);
	}
}

static void on_writable(evutil_socket_t sock, short what, void *arg)
{
	(void)sock;
	(void)what;
	flush_out(arg);
}

struct ipc_chan *ipc_chan_new(struct event_base *base, int fd, const char *name,
    ipc_handler *fn, void *arg)
{
	struct ipc_chan *ch = xcalloc(1, sizeof *ch);
	ch->base = base;
	ch->sock = fd;
	ch->name = xstrdup(name);
	ch->fn = fn;
	ch->arg = arg;
	ch->tail = &ch->head;
	ch->rbuf = xmalloc(IPC_HDR_LEN + IPC_MAX_PAYLOAD);
	evutil_make_socket_nonblocking(fd);
	ch->rev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, ch);
	ch->wev = event_new(base, fd, EV_WRITE, on_writable, ch);
	event_add(ch->rev, NULL);
	return ch;
}

static void unlink_doomed(struct ipc_chan *ch);

void ipc_chan_free(struct ipc_chan *ch)
{
	if (ch == NULL)
		return;
	if (ch->reap != NULL) {
		unlink_doomed(ch);
		event_free(ch->reap);
	}
	event_free(ch->rev);
	event_free(ch->wev);
	while (ch->head != NULL) {
		struct out_msg *o = ch->head;
		ch->head = o->next;
		if (o->fd >= 0)
			close(o->fd);
		free(o);
	}
	close(ch->sock);
	free(ch->rbuf);
	free(ch->name);
	free(ch);
}

static void unlink_doomed(struct ipc_chan *ch)
{
	for (struct ipc_chan **pp = &doomed; *pp; pp = &(*pp)->next_doomed)
		if (*pp == ch) {
			*pp = ch->next_doomed;
			return;
		}
}

static void free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ipc_chan_free(arg);
}

void ipc_chan_free_later(struct ipc_chan *ch)
{
	if (ch == NULL || ch->reap != NULL)
		return;
	ch->dead = true;
	event_del(ch->rev);
	event_del(ch->wev);
	ch->reap = evtimer_new(ch->base, free_cb, ch);
	ch->next_doomed = doomed;
	doomed = ch;
	event_active(ch->reap, EV_TIMEOUT, 0);
}

void ipc_chan_free_doomed(void)
{
	while (doomed != NULL)
		ipc_chan_free(doomed);
}

const char *ipc_chan_name(const struct ipc_chan *ch)
{
	return ch->name;
}

bool ipc_send(struct ipc_chan *ch, uint32_t type, uint64_t id, int fd,
    const void *payload, size_t len)
{
	if (ch->dead || len > IPC_MAX_PAYLOAD) {
		if (fd >= 0)
			close(fd);
		if (!ch->dead)
			log_err("ipc %s: message type %u too large (%zu)", ch->name,
			    type, len);
		return false;
	}
	struct buf frame = BUF_INIT;
	ipc_frame(&frame, type, id, payload, len);
	struct out_msg *o = xmalloc(sizeof *o + frame.len);
	o->next = NULL;
	o->fd = fd;
	o->len = frame.len;
	memcpy(o->data, frame.data, frame.len);
	buf_free(&frame);
	*ch->tail = o;
	ch->tail = &o->next;
	if (ch->head == o)
		flush_out(ch);
	return !ch->dead;
}

bool ipc_send_buf(struct ipc_chan *ch, uint32_t type, uint64_t id, int fd,
    const struct buf *payload)
{
	return ipc_send(ch, type, id, fd, payload->data, payload->len);
}

bool ipc_send_sync(int sock, uint32_t type, uint64_t id, int fd,
    const void *payload, size_t len)
{
	if (len > IPC_MAX_PAYLOAD)
		return false;
	struct buf frame = BUF_INIT;
	ipc_frame(&frame, type, id, payload, len);
	bool ok = send_one(sock, fd, frame.data, frame.len) == (ssize_t)frame.len;
	buf_free(&frame);
	return ok;
}

bool ipc_recv_sync(int sock, unsigned char *storage, size_t cap,
    struct ipc_msg *m)
{
	int fd;
	ssize_t n = recv_one(sock, storage, cap, &fd);
	if (n <= 0 || !ipc_unframe(storage, (size_t)n, m)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	m->fd = fd;
	return true;
}
