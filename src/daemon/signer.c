/* signer process: the only one that can read the DKIM private keys
 * (state_dir/dkim, owned by the dkim user). The relay hands it a queued
 * message's descriptor and the signing domain; it streams the message
 * through the sans-I/O signer (header block, then the body in chunks,
 * never whole) and answers with the DKIM-Signature fields to prepend. */
#include "daemon/roles.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "mail/address.h"
#include "mail/addrlist.h"
#include "mail/header.h"
#include "mailauth/dkim_sign.h"
#include "store/dkimkeys.h"

#define HEADER_MAX (1024 * 1024)
#define CHUNK      (64 * 1024)

static struct {
	struct buf dir;
} sg;

static void reply(uint64_t id, bool ok, const char *fields)
{
	struct buf p = BUF_INIT;
	ipc_w_u8(&p, ok);
	ipc_w_str(&p, fields);
	struct ipc_chan *ch = child_peer(PROC_RELAY);
	if (ch != NULL)
		ipc_send_buf(ch, MSG_SIGN_RESULT, id, -1, &p);
	buf_free(&p);
}

/* End of the header block in hdr (after its blank line), or 0. */
static size_t header_end(const struct buf *hdr)
{
	for (size_t i = 0; i + 1 < hdr->len; i++) {
		if (hdr->data[i] != '\n')
			continue;
		if (hdr->data[i + 1] == '\n')
			return i + 2;
		if (i + 2 < hdr->len && hdr->data[i + 1] == '\r' &&
		    hdr->data[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Reads the header block into hdr; *off is where the body starts. A
 * message without a body ends at EOF. */
static bool read_header(int fd, struct buf *hdr, off_t *off, struct buf *err)
{
	char chunk[8192];
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof chunk, (off_t)hdr->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "read: %s", strerror(errno));
			return false;
		}
		buf_add(hdr, chunk, (size_t)n);
		size_t end = header_end(hdr);
		if (end > 0 || n == 0) {
			*off = (off_t)(end > 0 ? end : hdr->len);
			hdr->len = (size_t)*off;
			return true;
		}
		if (hdr->len > HEADER_MAX) {
			buf_printf(err, "header block over %d bytes", HEADER_MAX);
			return false;
		}
	}
}

static bool feed_body(struct dkim_signer *s, int fd, off_t off, struct buf *err)
{
	static unsigned char chunk[CHUNK];
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof chunk, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "read: %s", strerror(errno));
			return false;
		}
		if (n == 0)
			return true;
		dkim_signer_body(s, chunk, (size_t)n);
		off += n;
	}
}

static bool sign_with(int fd, const struct dkimkeys_active *ks,
    const char *domain, struct buf *out, struct buf *err)
{
	struct dkim_sign_key keys[DKIMKEYS_ACTIVE_MAX];
	struct buf hdr = BUF_INIT;
	off_t off = 0;
	for (size_t i = 0; i < ks->n; i++)
		keys[i] = (struct dkim_sign_key){ domain, ks->selector[i], ks->key[i] };
	bool ok = read_header(fd, &hdr, &off, err);
	struct dkim_signer *s = ok ? dkim_signer_new(hdr.data, hdr.len, keys,
	    ks->n, (long long)time(NULL), err) : NULL;
	ok = s != NULL && feed_body(s, fd, off, err) &&
	    dkim_signer_finish(s, out, err);
	dkim_signer_free(s);
	buf_free(&hdr);
	return ok;
}

/* The domain of the message's one From address ("" if there is not
 * exactly one valid address): what DMARC aligns with. */
static bool from_domain(int fd, struct buf *out, struct buf *err)
{
	struct buf hdr = BUF_INIT, from = BUF_INIT;
	struct addrlist l = { .n = 0 };
	off_t off = 0;
	bool ok = read_header(fd, &hdr, &off, err);
	if (ok && hdr_count(hdr.data, hdr.len, "From") == 1 &&
	    hdr_get(hdr.data, hdr.len, "From", &from)) {
		addrlist_parse(from.data, from.len, 2, &l);
		if (l.n == 1 && !l.v[0].invalid && l.v[0].host != NULL)
			buf_addstr(out, l.v[0].host);
	}
	addrlist_free(&l);
	buf_free(&from);
	buf_free(&hdr);
	return ok;
}

/* Signs with the domain's active keys; *out stays empty if it has none.
 * An empty domain means the From header's (a notice of the null sender,
 * such as a vacation reply). */
static bool sign(int fd, const char *domain, struct buf *out, struct buf *err)
{
	struct buf named = BUF_INIT;
	if (domain[0] == '\0') {
		bool ok = from_domain(fd, &named, err);
		if (ok && named.len > 0)
			ok = sign(fd, named.data, out, err);
		buf_free(&named);
		return ok;
	}
	struct buf ascii = BUF_INIT;
	struct dkimkeys list = { .n = 0 };
	struct dkimkeys_active ks = { .n = 0 };
	bool ok = addr_domain_ascii(domain, &ascii, err) &&
	    dkimkeys_load(sg.dir.data, ascii.data, &list, err);
	bool any = false;
	for (size_t i = 0; ok && i < list.n; i++)
		any = any || list.v[i].active;
	if (ok && any)
		ok = dkimkeys_load_active(sg.dir.data, ascii.data, &ks, err) &&
		    sign_with(fd, &ks, ascii.data, out, err);
	dkimkeys_active_free(&ks);
	dkimkeys_free(&list);
	buf_free(&ascii);
	return ok;
}

/* MSG_SIGN: fd; str domain. */
static void on_sign(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *domain;
	struct buf out = BUF_INIT, err = BUF_INIT;
	ipc_reader_init(&r, m);
	if (m->fd < 0 || !ipc_r_str(&r, &domain) || !ipc_r_done(&r)) {
		log_err("signer: malformed SIGN request");
		reply(m->id, false, "");
	} else if (!sign(m->fd, domain, &out, &err)) {
		log_err("signer: %s: %s", domain, buf_cstr(&err));
		reply(m->id, false, "");
	} else {
		reply(m->id, true, buf_cstr(&out));
	}
	buf_free(&out);
	buf_free(&err);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_RELAY && m->type == MSG_SIGN)
		on_sign(m);
	else
		log_warn("signer: unexpected message %u from %s", m->type,
		    proc_name(from));
	if (m->fd >= 0)
		close(m->fd);
}

static bool setup(const struct config *cfg, struct buf *err)
{
	(void)err;
	config_state_path(cfg, "dkim", &sg.dir);
	return true;
}

static void start(void) {}

static void shutdown_signer(void)
{
	buf_free(&sg.dir);
	child_exit(0);
}

const struct role_ops signer_role = {
	.role = PROC_SIGNER, .setup = setup, .start = start, .message = message,
	.shutdown = shutdown_signer,
};
