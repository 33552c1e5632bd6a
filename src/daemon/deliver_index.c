/* Indexing at delivery: the message gets its UID now, and its cache
 * (envelope, structure, search text; sealed to the user's key) is built
 * while the plaintext is at hand, so the first IMAP FETCH or SEARCH
 * after new mail does not decrypt every new message. Best effort: the
 * message is already durable in new/; if anything here fails, the next
 * IMAP session indexes it from the Maildir and builds the cache itself. */
#include "daemon/deliver_index.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "imap/msgcache.h"
#include "store/mailindex.h"

/* Larger messages are cached by the first IMAP session that needs them:
 * building the cache holds the whole message in memory. */
#define CACHE_AT_DELIVERY_MAX (1u << 20)

/* The stored message's plaintext: the delivery headers, then the queue
 * file (read with pread: the descriptor's offset is shared). */
static bool read_message(const struct deliver_index_msg *m, struct buf *out)
{
	buf_add(out, m->headers, m->headers_len);
	size_t before = out->len;
	return file_pread_prefix(m->fd, (size_t)m->size, out) &&
	    out->len - before == m->size;
}

/* The cache blob, built before taking the index (it is the costly part:
 * parsing, decoding and case-folding the text). Empty if too large. */
static void cache_blob(const struct deliver_index_msg *m, struct buf *blob)
{
	struct buf msg = BUF_INIT;
	struct msgcache c;
	msgcache_init(&c);
	if (m->size + m->headers_len <= CACHE_AT_DELIVERY_MAX &&
	    read_message(m, &msg)) {
		msgcache_build(msg.data, msg.len, &c);
		msgcache_encode(&c, blob);
	}
	msgcache_free(&c);
	buf_free(&msg);
}

/* One open index, for the user the last delivery went to, shared by the
 * worker threads under a mutex: both workers writing one index would
 * otherwise wait in SQLite's busy handler (sleeps of 1 ms and more), and
 * opening it for every message costs its statements again. */
static struct {
	pthread_mutex_t lock;
	char *maildir;
	struct mailindex *ix;
	ino_t ino;          /* of index.sqlite when opened: a rebuild renames it */
} held = { .lock = PTHREAD_MUTEX_INITIALIZER };

static ino_t index_inode(const char *maildir)
{
	struct buf p = BUF_INIT;
	struct stat st;
	buf_printf(&p, "%s/../index.sqlite", maildir);
	ino_t ino = stat(p.data, &st) == 0 ? st.st_ino : 0;
	buf_free(&p);
	return ino;
}

static void drop_held(void)
{
	mailindex_close(held.ix);
	free(held.maildir);
	held.ix = NULL;
	held.maildir = NULL;
}

static struct mailindex *index_for(const char *maildir, struct buf *err)
{
	ino_t ino = index_inode(maildir);
	if (held.ix != NULL && (strcmp(held.maildir, maildir) != 0 ||
	    ino == 0 || ino != held.ino))
		drop_held();
	if (held.ix == NULL) {
		held.ix = mailindex_open(maildir, 0, err);
		held.maildir = held.ix ? xstrdup(maildir) : NULL;
		held.ino = index_inode(maildir);
	}
	return held.ix;
}

void deliver_index(const char *maildir, const struct deliver_index_msg *m)
{
	struct buf err = BUF_INIT, blob = BUF_INIT;
	struct mailindex_added a;
	cache_blob(m, &blob);
	pthread_mutex_lock(&held.lock);
	struct mailindex *ix = index_for(maildir, &err);
	if (ix == NULL) {
		log_warn("deliver: index of %s: %s", maildir, buf_cstr(&err));
	} else if (mailindex_add(ix, m->path, &m->opt, &a, &err) != MAILINDEX_OK) {
		log_warn("deliver: indexing %s: %s", m->path, buf_cstr(&err));
		drop_held();
	} else if (blob.len > 0 && mailindex_cache_put(ix, a.mbox, a.uid,
	    blob.data, blob.len, m->pk, &err) != MAILINDEX_OK) {
		log_warn("deliver: caching %s: %s", m->path, buf_cstr(&err));
	}
	pthread_mutex_unlock(&held.lock);
	buf_free(&blob);
	buf_free(&err);
}

bool deliver_index_mkfolder(const char *maildir, const char *name,
    unsigned special, struct buf *err)
{
	pthread_mutex_lock(&held.lock);
	struct mailindex *ix = index_for(maildir, err);
	enum mailindex_rc rc = ix ? mailindex_create(ix, name, special, err) :
	    MAILINDEX_FAIL;
	if (rc == MAILINDEX_OK)
		mailindex_subscribe(ix, name, true, err);
	pthread_mutex_unlock(&held.lock);
	return rc == MAILINDEX_OK || rc == MAILINDEX_EXISTS;
}

void deliver_index_close(void)
{
	pthread_mutex_lock(&held.lock);
	drop_held();
	pthread_mutex_unlock(&held.lock);
}
