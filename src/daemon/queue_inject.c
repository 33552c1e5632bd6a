/* Messages made inside mailboxd go through the same spool and group
 * commit as those smtp receives, so they are as durable and are
 * retried, relayed and signed the same way. */
#include "daemon/queue_int.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "daemon/child.h"
#include "daemon/proc.h"

/* Copies src (from offset 0, with pread: its offset may be shared) to
 * dst, at most max bytes; the size copied in *size. */
static bool copy_fd(int src, int dst, unsigned long long max, uint64_t *size,
    struct buf *err)
{
	char chunk[64 * 1024];
	uint64_t off = 0;
	for (;;) {
		ssize_t n = pread(src, chunk, sizeof chunk, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "reading the message: %s", strerror(errno));
			return false;
		}
		if (n == 0)
			break;
		off += (uint64_t)n;
		if (max > 0 && off > max) {
			buf_printf(err, "message larger than %llu bytes", max);
			return false;
		}
		if (!file_write_full(dst, chunk, (size_t)n)) {
			buf_printf(err, "writing to the spool: %s", strerror(errno));
			return false;
		}
	}
	*size = off;
	return true;
}

bool queue_inject(const struct envelope *tmpl, int src_fd, const void *msg,
    size_t len, uint64_t req, enum proc_role from, struct buf *err)
{
	struct queue_store *qs = queue_spool();
	char id[QUEUE_ID_SIZE];
	int fd = -1;
	if (qs == NULL) {
		buf_printf(err, "the queue is stopping");
		return false;
	}
	if (!queue_store_create(qs, id, &fd, err))
		return false;
	struct envelope e;
	envelope_copy(&e, tmpl);
	memcpy(e.id, id, sizeof e.id);
	e.arrival = (uint64_t)time(NULL);
	e.size = len;
	bool ok = src_fd >= 0 ?
	    copy_fd(src_fd, fd, config_size(child_config(), "max_message_size"),
	        &e.size, err) :
	    file_write_full(fd, msg, len);
	if (src_fd < 0 && !ok)
		buf_printf(err, "writing to the spool: %s", strerror(errno));
	close(fd);
	ok = ok && envelope_check(&e, err);
	if (!ok) {
		queue_store_abort(qs, id);
		envelope_free(&e);
		return false;
	}
	queue_pending_add(req, from, &e);
	return true;
}

static void reply_refused(uint64_t id, const char *why)
{
	struct buf p = BUF_INIT;
	ipc_w_u32(&p, 451);
	ipc_w_str(&p, "4.3.0");
	ipc_w_str(&p, why);
	struct ipc_chan *ch = child_peer(PROC_DELIVER);
	if (ch != NULL)
		ipc_send_buf(ch, MSG_QUEUE_INJECT_RESULT, id, -1, &p);
	buf_free(&p);
}

/* The template of MSG_QUEUE_INJECT's payload (see proc.h). */
static bool read_template(const struct ipc_msg *m, struct envelope *e)
{
	struct ipc_reader r;
	const char *sender, *orig, *dest, *folder;
	uint32_t n;
	uint8_t kind;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &sender) || !ipc_r_u32(&r, &e->flags) ||
	    !ipc_r_u32(&r, &n) || n == 0 || n > ENVELOPE_MAX_RCPTS)
		return false;
	envelope_set(&e->sender, sender);
	for (uint32_t i = 0; i < n; i++) {
		if (!ipc_r_str(&r, &orig) || !ipc_r_str(&r, &dest) ||
		    !ipc_r_str(&r, &folder) || !ipc_r_u8(&r, &kind))
			return false;
		envelope_add_rcpt(e, orig, dest, folder, (enum rcpt_kind)kind);
	}
	return ipc_r_done(&r);
}

void queue_on_inject(const struct ipc_msg *m)
{
	struct envelope e;
	struct buf err = BUF_INIT;
	envelope_init(&e);
	if (m->fd < 0 || !read_template(m, &e)) {
		log_err("queue: malformed QUEUE_INJECT from deliver");
		reply_refused(m->id, "malformed request");
	} else if (!queue_inject(&e, m->fd, NULL, 0, m->id, PROC_DELIVER, &err)) {
		log_err("queue: message from deliver not queued: %s", buf_cstr(&err));
		reply_refused(m->id, "not queued");
	}
	envelope_free(&e);
	buf_free(&err);
}
