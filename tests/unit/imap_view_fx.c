#include "imap_view_fx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "imap/parser.h"
#include "store/msgstore.h"
#include "t.h"

#define ADDR "alice@example.test"

/* One key for the run: Argon2 is slow on purpose. */
static void test_keys(unsigned char *pk, unsigned char *sk)
{
	static bool made;
	static unsigned char spk[TREES_PK_LEN], ssk[TREES_SK_LEN];
	if (!made) {
		struct trees_key k;
		if (!trees_key_create("test pw", 7, &k) ||
		    !trees_key_unlock(&k, "test pw", 7, ssk))
			abort();
		memcpy(spk, k.pk, sizeof spk);
		made = true;
	}
	memcpy(pk, spk, sizeof spk);
	memcpy(sk, ssk, sizeof ssk);
}

void fx_init(struct fx *f, bool enc)
{
	struct buf p = BUF_INIT;
	memset(f, 0, sizeof(*f));
	f->enc = enc;
	buf_printf(&p, "%s/mail", t_tmpdir());
	f->mail_dir = buf_detach(&p);
	buf_printf(&p, "%s/example.test/alice/Maildir", f->mail_dir);
	f->maildir = buf_detach(&p);
	test_keys(f->pk, f->sk);     /* the first delivery makes the Maildir */
}

static void open_index(struct fx *f)
{
	struct buf err = BUF_INIT;
	struct mailindex_mailbox mb = { 0 };
	if (f->ix != NULL)
		return;
	f->ix = mailindex_open(f->maildir, 0, &err);
	if (f->ix == NULL || mailindex_mailbox_get(f->ix, "INBOX", &mb, &err) !=
	    MAILINDEX_OK) {
		fprintf(stderr, "fx: %s\n", buf_cstr(&err));
		abort();
	}
	f->v.ix = f->ix;
	f->v.mbox = mb.id;
	f->v.maildir = f->maildir;
	f->v.pk = f->enc ? f->pk : NULL;
	f->v.sk = f->enc ? f->sk : NULL;
	mailindex_mailbox_free(&mb);
	buf_free(&err);
}

void fx_reload(struct fx *f)
{
	struct buf err = BUF_INIT;
	open_index(f);
	mailindex_msgs_free(&f->v.msgs);
	if (mailindex_sync(f->ix, f->v.mbox, true, &err) != MAILINDEX_OK ||
	    mailindex_messages(f->ix, f->v.mbox, 0, &f->v.msgs, &err) !=
	    MAILINDEX_OK)
		abort();
	buf_free(&err);
}

unsigned fx_add(struct fx *f, const char *msg, size_t len)
{
	struct msgstore_delivery d;
	struct buf err = BUF_INIT, qid = BUF_INIT;
	memset(&d, 0, sizeof d);
	buf_printf(&qid, "Q%05u", ++f->nmsg);
	d.mail_dir = f->mail_dir;
	d.address = ADDR;
	d.encrypt = f->enc;
	memcpy(d.pk, f->pk, sizeof d.pk);
	d.algo = f->enc ? COMPRESS_XZ : COMPRESS_NONE;
	d.level = COMPRESS_LEVEL_DEFAULT;
	d.headers = "";
	d.fd = memfd_create("msg", MFD_CLOEXEC);
	if (d.fd < 0 || (len > 0 && write(d.fd, msg, len) != (ssize_t)len))
		abort();
	d.size = len;
	d.queue_id = buf_cstr(&qid);
	d.hostname = "mx.example.test";
	d.used = MSGSTORE_USAGE_UNKNOWN;
	if (msgstore_deliver(&d, &err) != MSGSTORE_OK) {
		fprintf(stderr, "fx_add: %s\n", buf_cstr(&err));
		abort();
	}
	close(d.fd);
	buf_free(&err);
	buf_free(&qid);
	fx_reload(f);
	return f->v.msgs.v[f->v.msgs.n - 1].uid;
}

unsigned fx_adds(struct fx *f, const char *msg)
{
	return fx_add(f, msg, strlen(msg));
}

void fx_free(struct fx *f)
{
	mailindex_msgs_free(&f->v.msgs);
	imap_view_saved_clear(&f->v);
	if (f->ix)
		mailindex_close(f->ix);
	free(f->mail_dir);
	free(f->maildir);
	memset(f, 0, sizeof(*f));
}

void fx_path(struct fx *f, unsigned uid, struct buf *out)
{
	struct buf err = BUF_INIT;
	buf_reset(out);
	(void)mailindex_msg_path(f->ix, f->v.mbox, uid, out, &err);
	buf_free(&err);
}

enum imap_view_rc fx_cmd(struct fx *f, const char *line, struct buf *out,
    struct buf *text)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_event ev;
	struct imap_writer w;
	enum imap_view_rc rc = IMAP_VIEW_BAD;
	struct buf in = BUF_INIT;
	buf_printf(&in, "%s\r\n", line);
	imap_parser_feed(p, in.data, in.len);
	buf_reset(out);
	buf_reset(text);
	imap_w_init(&w, out, f->v.utf8);
	if (imap_parser_next(p, &ev) != IMAP_EV_COMMAND) {
		buf_printf(text, "parse: %s", ev.text ? ev.text : "?");
		imap_parser_free(p);
		buf_free(&in);
		return IMAP_VIEW_BAD;
	}
	struct imap_command *c = ev.cmd;
	switch (c->type) {
	case IMAP_CMD_FETCH:
		rc = imap_view_fetch(&f->v, &c->u.fetch, c->uid, &w, text);
		break;
	case IMAP_CMD_SEARCH:
		rc = imap_view_search(&f->v, &c->u.search, c->uid, c->tag, &w,
		    text);
		break;
	case IMAP_CMD_SORT:
		rc = imap_view_sort(&f->v, &c->u.sort, c->uid, &w, text);
		break;
	case IMAP_CMD_THREAD:
		rc = imap_view_thread(&f->v, &c->u.thread, c->uid, &w, text);
		break;
	default:
		buf_set(text, "not a read command");
	}
	imap_command_free(c);
	imap_parser_free(p);
	buf_free(&in);
	return rc;
}

