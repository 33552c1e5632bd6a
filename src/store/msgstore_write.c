/* A message whose bytes arrive in pieces (IMAP APPEND) stored as delivery
 * stores one: compress -> [trees] -> tmp/, synced and renamed into new/
 * only on commit, so a MULTIAPPEND can still drop every message. */
#include "store/msgstore.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/xmalloc.h"
#include "store/maildir.h"
#include "store/stream.h"

struct msgstore_writer {
	struct maildir_delivery md;
	struct ostream *os;
	uint64_t size, written;
	bool finished;
};

struct msgstore_writer *msgstore_writer_begin(const char *dir,
    const char *base, const struct msgstore_wopts *o, struct buf *err)
{
	struct msgstore_writer *w = xcalloc(1, sizeof *w);
	if (!maildir_deliver_begin(dir, base, &w->md, err)) {
		free(w);
		return NULL;
	}
	w->os = ostream_fd_create(w->md.fd);
	if (o->encrypt)
		w->os = trees_ostream_create(w->os, o->pk);
	w->os = compress_ostream_create(w->os, o->algo, o->level, o->size);
	w->size = o->size;
	return w;
}

bool msgstore_writer_write(struct msgstore_writer *w, const void *p, size_t n,
    struct buf *err)
{
	if (w->written + n > w->size) {
		buf_addstr(err, "more data than announced");
		return false;
	}
	w->written += n;
	if (ostream_write(w->os, p, n))
		return true;
	buf_addstr(err, ostream_error(w->os));
	return false;
}

bool msgstore_writer_finish(struct msgstore_writer *w, struct buf *err)
{
	if (w->written != w->size) {
		buf_printf(err, "message ends after %llu of %llu bytes",
		    (unsigned long long)w->written, (unsigned long long)w->size);
		return false;
	}
	if (!ostream_finish(w->os)) {
		buf_addstr(err, ostream_error(w->os));
		return false;
	}
	w->finished = true;
	return true;
}

bool msgstore_writer_commit(struct msgstore_writer *w, struct buf *path,
    struct buf *err)
{
	bool ok = w->finished;
	if (!ok)
		buf_addstr(err, "message not finished");
	ostream_free(w->os);
	w->os = NULL;
	if (ok) {
		buf_reset(path);
		buf_addstr(path, w->md.new_path);
		ok = maildir_deliver_commit(&w->md, err);
	} else {
		maildir_deliver_abort(&w->md);
	}
	free(w);
	return ok;
}

void msgstore_writer_abort(struct msgstore_writer *w)
{
	if (w == NULL)
		return;
	ostream_free(w->os);
	maildir_deliver_abort(&w->md);
	free(w);
}
