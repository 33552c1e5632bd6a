/* mailboxctl import mbox ADDR FILE [--folder NAME]: every message of an
 * mbox (mboxrd or mboxo) into one folder, with the Status/X-Status
 * flags mail readers left in it and the From_ line's date. */
#include "ctl/import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mbox.h"
#include "store/mailindex.h"
#include "store/mboxname.h"

struct mbox_import {
	struct import_target *t;
	const char *dir;
	struct buf msg;
	int64_t date;
	uint64_t ordinal;
	struct progress pr;
};

static unsigned index_flags(unsigned f)
{
	return (f & MBOX_F_SEEN ? MAILINDEX_SEEN : 0) |
	    (f & MBOX_F_ANSWERED ? MAILINDEX_ANSWERED : 0) |
	    (f & MBOX_F_FLAGGED ? MAILINDEX_FLAGGED : 0) |
	    (f & MBOX_F_DELETED ? MAILINDEX_DELETED : 0) |
	    (f & MBOX_F_DRAFT ? MAILINDEX_DRAFT : 0);
}

static void on_begin(void *arg, const char *line, size_t n)
{
	struct mbox_import *m = arg;
	buf_reset(&m->msg);
	if (!mbox_from_date(line, n, &m->date))
		m->date = 0;
}

static void on_data(void *arg, const void *p, size_t n)
{
	struct mbox_import *m = arg;
	buf_add(&m->msg, p, n);
}

static void on_end(void *arg)
{
	struct mbox_import *m = arg;
	char id[48];
	/* The position in the file names the message: an mbox that grew
	 * since the last run gets only its new messages. */
	snprintf(id, sizeof id, "mbox:%llu", (unsigned long long)++m->ordinal);
	unsigned flags = index_flags(mbox_status_flags(buf_cstr(&m->msg),
	    m->msg.len));
	import_target_store(m->t, m->dir, id, m->msg.data, m->msg.len, flags,
	    NULL, m->date);
	buf_reset(&m->msg);
	progress_step(&m->pr);
}

static const struct mbox_cb callbacks = { on_begin, on_data, on_end };

static bool split_file(int fd, struct mbox_import *m, struct buf *err)
{
	struct mbox mb;
	char chunk[65536];
	ssize_t r;
	bool ok = true;
	mbox_init(&mb, &callbacks, m);
	while (ok && (r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			buf_printf(err, "read: %s", strerror(errno));
			ok = false;
		} else {
			ok = mbox_feed(&mb, chunk, (size_t)r);
		}
	}
	if (ok)
		ok = mbox_finish(&mb);
	if (!ok && err->len == 0)
		buf_addstr(err, "not an mbox file (it does not start with a "
		    "\"From \" line)");
	mbox_free(&mb);
	return ok;
}

int import_mbox(struct ctl *ctl, int argc, char **argv)
{
	const char *folder = "INBOX";
	if (argc == 5 && strcmp(argv[3], "--folder") == 0)
		folder = argv[4];
	else if (argc != 3)
		return ctl_usage("usage: import mbox ADDR FILE [--folder NAME]");
	struct buf name = BUF_INIT, err = BUF_INIT, dir = BUF_INIT;
	if (!mboxname_canon(folder, strlen(folder), &name, &err)) {
		int rc = ctl_fail("%s", buf_cstr(&err));
		buf_free(&err);
		return rc;
	}
	int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_free(&name);
		return ctl_fail("%s: %s", argv[2], strerror(errno));
	}
	struct import_target t;
	int rc = 1;
	if (import_target_open(ctl, argv[1], &t)) {
		struct mbox_import m = { .t = &t, .msg = BUF_INIT };
		progress_init(&m.pr, "import", 0);
		if (import_target_folder(&t, name.data, &dir)) {
			m.dir = dir.data;
			if (!split_file(fd, &m, &err)) {
				ctl_fail("%s: %s", argv[2], buf_cstr(&err));
				t.failed++;
			}
		} else {
			t.failed++;
		}
		progress_end(&m.pr);
		buf_free(&m.msg);
		rc = import_target_close(&t, "import mbox");
	}
	close(fd);
	buf_free(&name);
	buf_free(&err);
	buf_free(&dir);
	return rc;
}
