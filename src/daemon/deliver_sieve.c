/* The worker's half of Sieve in deliver: find and compile (once per
 * change) the user's active script, run it on the start of the message,
 * store the copies it keeps, and prepare vacation replies and redirects.
 * Runs on the worker threads, so the script cache and vacation's memory
 * are behind locks, and log lines wait in the result for the loop. */
#include "daemon/deliver_sieve.h"
#include "daemon/deliver_index.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "filter/sieve.h"
#include "filter/vacation.h"
#include "mail/header.h"
#include "store/maildir.h"
#include "store/mailindex.h"
#include "store/mboxname.h"
#include "store/sievestore.h"

/* Header and body tests look at this much of a message. */
#define SIEVE_READ_MAX (1024 * 1024)
#define CACHE_SLOTS    32

struct cached {
	char *dir;
	struct stat st;            /* of the active script when compiled */
	struct sieve_script *s;
	unsigned refs;             /* runs using s: not replaced meanwhile */
	time_t used;
};

static struct cached cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t vacation_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The slot of dir, whoever uses it; else NULL. */
static struct cached *slot_of(const char *dir)
{
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].dir != NULL && !strcmp(cache[i].dir, dir))
			return &cache[i];
	return NULL;
}

/* The least recently used slot nobody is running a script from. */
static struct cached *slot_free(void)
{
	struct cached *best = NULL;
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].refs == 0 && (best == NULL || cache[i].used < best->used))
			best = &cache[i];
	return best;
}

/* The compiled active script of the user (NULL: none or broken); *slot
 * is what to release. The stat of the file says whether the cached
 * compilation is still good. */
static struct sieve_script *script_get(const char *dir, struct cached **slot,
    struct dsieve_out **out)
{
	struct buf path = BUF_INIT, text = BUF_INIT, err = BUF_INIT;
	struct stat st;
	struct sieve_script *s = NULL;
	*slot = NULL;
	buf_printf(&path, "%s/active", dir);
	if (stat(path.data, &st) != 0)
		goto out;
	pthread_mutex_lock(&cache_lock);
	/* Runs share a compiled script; a changed one replaces it once no
	 * run uses the old one (until then this run compiles its own). */
	struct cached *c = slot_of(dir);
	if (c != NULL && c->s != NULL && same_file(&c->st, &st)) {
		s = c->s;
	} else {
		if (c == NULL || c->refs > 0)
			c = slot_free();
		if (file_read_all(path.data, SIEVE_MAX_SCRIPT, &text, &err))
			s = sieve_compile(buf_cstr(&text), text.len, &err);
		if (s == NULL)
			dsieve_out_log(out, "deliver: sieve script of %s not used: %s",
			    dir, buf_cstr(&err));
		else if (c != NULL) {
			sieve_free(c->s);
			free(c->dir);
			*c = (struct cached){ .dir = xstrdup(dir), .st = st, .s = s };
		}
	}
	if (s != NULL && c != NULL && c->s == s) {
		c->refs++;
		c->used = time(NULL);
		*slot = c;
	}
	pthread_mutex_unlock(&cache_lock);
out:
	buf_free(&path);
	buf_free(&text);
	buf_free(&err);
	return s;
}

static void script_put(struct sieve_script *s, struct cached *slot)
{
	if (slot == NULL) {
		sieve_free(s);      /* compiled for this run only */
		return;
	}
	pthread_mutex_lock(&cache_lock);
	slot->refs--;
	pthread_mutex_unlock(&cache_lock);
}

/* Our headers, then the start of the queued message. */
static bool read_message(const struct msgstore_delivery *md, struct buf *msg)
{
	size_t want = md->size < SIEVE_READ_MAX ? (size_t)md->size : SIEVE_READ_MAX;
	buf_add(msg, md->headers, md->headers_len);
	size_t before = msg->len;
	return file_pread_prefix(md->fd, want, msg) && msg->len - before == want;
}

/* imap4flags' list as the index takes it: system flags as bits, the
 * rest as keywords (sieve_flags.c left only valid atoms). */
static void index_flags(const char *flags, struct mailindex_new *opt,
    struct buf *keywords)
{
	static const struct { const char *name; unsigned bit; } map[] = {
		{ "\\Seen", MAILINDEX_SEEN }, { "\\Answered", MAILINDEX_ANSWERED },
		{ "\\Flagged", MAILINDEX_FLAGGED }, { "\\Deleted", MAILINDEX_DELETED },
		{ "\\Draft", MAILINDEX_DRAFT },
	};
	for (const char *p = flags; *p;) {
		size_t n = strcspn(p, " ");
		size_t i = 0;
		while (i < 5 && (strlen(map[i].name) != n ||
		    strncmp(map[i].name, p, n) != 0))
			i++;
		if (i < 5) {
			opt->flags |= map[i].bit;
		} else if (n > 0 && p[0] != '\\') {
			if (keywords->len > 0)
				buf_addch(keywords, ' ');
			buf_add(keywords, p, n);
		}
		p += n;
		p += strspn(p, " ");
	}
	opt->keywords = keywords->len > 0 ? keywords->data : NULL;
}

/* lda_mailbox_autocreate: fileinto makes the mailbox, subscribed. */
static bool ensure_folder(const struct msgstore_delivery *md,
    const char *name, struct buf *err)
{
	struct buf maildir = BUF_INIT;
	maildir_user_path(md->mail_dir, md->address, &maildir);
	bool ok = maildir_folder_exists(maildir.data, name) ||
	    deliver_index_mkfolder(maildir.data, name,
	    !strcmp(name, "Junk") ? MAILINDEX_USE_JUNK : 0, err);
	buf_free(&maildir);
	return ok;
}

/* Gives a stored copy its UID, flags and cache now (deliver_index.h). */
static void index_copy(const struct msgstore_delivery *md, const char *path,
    const char *flags)
{
	struct buf maildir = BUF_INIT, keywords = BUF_INIT;
	struct deliver_index_msg m = {
		.path = path, .headers = md->headers,
		.headers_len = md->headers_len, .fd = md->fd, .size = md->size,
		.pk = md->encrypt ? md->pk : NULL,
	};
	index_flags(flags, &m.opt, &keywords);
	maildir_user_path(md->mail_dir, md->address, &maildir);
	deliver_index(maildir.data, &m);
	buf_free(&maildir);
	buf_free(&keywords);
}

struct run {
	const struct dsieve_in *in;
	struct dsieve_out **out;
	struct buf *reason;
	const char *msg;            /* our headers + the start of the message */
	size_t len;
};

static enum msgstore_result store_copy(struct run *r, const char *folder,
    const char *flags)
{
	const struct dsieve_in *in = r->in;
	struct buf canon = BUF_INIT, err = BUF_INIT;
	bool create = in->spam;
	if (*folder != '\0') {
		/* The name may come from the message (variables): not logged. */
		if (!mboxname_canon(folder, strlen(folder), &canon, &err)) {
			dsieve_out_log(r->out, "deliver: sieve of %s: fileinto an "
			    "invalid mailbox name; kept instead", in->md->address);
			buf_reset(&canon);
		} else {
			create = true;
		}
	}
	if (canon.len == 0)
		buf_set(&canon, in->default_folder);
	if (create && canon.len > 0 && !ensure_folder(in->md, canon.data, &err))
		dsieve_out_log(r->out, "deliver: cannot create a mailbox for %s: %s",
		    in->md->address, buf_cstr(&err));
	struct buf path = BUF_INIT;
	struct msgstore_delivery md = *in->md;
	md.folder = canon.data;
	md.path = &path;
	buf_reset(r->reason);
	enum msgstore_result res = msgstore_deliver(&md, r->reason);
	/* An empty path: stored by an earlier attempt, indexed then. */
	if (res == MSGSTORE_OK && path.len > 0)
		index_copy(&md, path.data, flags);
	buf_free(&path);
	buf_free(&canon);
	buf_free(&err);
	return res;
}

static int memfd_with(const char *name, const void *p, size_t n)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd >= 0 && !file_write_full(fd, p, n)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void vacation(struct run *r, const struct sieve_vacation *v)
{
	const struct dsieve_in *in = r->in;
	struct msg_split sp;
	const char *why;
	char key[VACATION_KEY_LEN + 1];
	msg_split(r->msg, r->len, &sp);
	bool wanted = !in->spam && vacation_wanted(v, r->msg, sp.hdr_len,
	    in->env_from, in->md->address, &why);
	if (in->spam)
		why = "message is spam";
	if (!wanted) {
		dsieve_out_log(r->out, "deliver: no vacation reply from %s: %s",
		    in->md->address, why);
		return;
	}
	vacation_key(v, in->env_from, key);
	struct buf dir = BUF_INIT, reply = BUF_INIT;
	sievestore_dir(in->md->mail_dir, in->md->address, &dir);
	time_t now = time(NULL);
	pthread_mutex_lock(&vacation_lock);
	bool due = sievestore_vacation_due(dir.data, key, v->days, now);
	pthread_mutex_unlock(&vacation_lock);
	if (!due) {
		dsieve_out_log(r->out, "deliver: no vacation reply from %s: "
		    "replied within %ld days", in->md->address, v->days);
	} else {
		struct vacation_params p = { v, r->msg, sp.hdr_len, in->md->address,
			in->env_from, in->md->hostname, now };
		vacation_build(&p, &reply);
		int fd = memfd_with("vacation", reply.data, reply.len);
		if (fd >= 0)
			dsieve_out_add(r->out, DSIEVE_VACATION, in->env_from, "", fd);
	}
	buf_free(&dir);
	buf_free(&reply);
}

/* A redirect carries Delivered-To, so one that comes back is seen. */
static void redirect(struct run *r, const char *to)
{
	const struct msgstore_delivery *md = r->in->md;
	struct buf line = BUF_INIT, v = BUF_INIT;
	const char *orig = r->msg + md->headers_len;
	size_t olen = r->len - md->headers_len;
	struct hdr_iter it;
	struct hdr_field f;
	hdr_iter_init(&it, orig, olen);
	while (hdr_next(&it, &f)) {
		buf_reset(&v);
		if (hdr_name_is(&f, "Delivered-To") &&
		    (hdr_unfold(f.value, f.value_len, &v), !strcasecmp(buf_cstr(&v),
		    md->address))) {
			dsieve_out_log(r->out, "deliver: sieve of %s: redirect loop, "
			    "not sent again", md->address);
			buf_free(&v);
			return;
		}
	}
	buf_printf(&line, "Delivered-To: %s\r\n", md->address);
	int fd = memfd_with("redirect", line.data, line.len);
	char chunk[64 * 1024];
	for (uint64_t off = 0; fd >= 0 && off < md->size;) {
		ssize_t n = pread(md->fd, chunk, sizeof chunk, (off_t)off);
		if (n <= 0 || !file_write_full(fd, chunk, (size_t)n)) {
			close(fd);
			fd = -1;
		}
		off += n > 0 ? (uint64_t)n : 0;
	}
	if (fd >= 0)
		dsieve_out_add(r->out, DSIEVE_REDIRECT, to, r->in->env_from, fd);
	else
		dsieve_out_log(r->out, "deliver: sieve of %s: redirect not made",
		    md->address);
	buf_free(&line);
	buf_free(&v);
}

static enum msgstore_result act(struct run *r, const struct sieve_result *res)
{
	enum msgstore_result rc = MSGSTORE_OK;
	for (size_t i = 0; i < res->n && rc == MSGSTORE_OK; i++) {
		const struct sieve_action *a = &res->v[i];
		if (a->type == SIEVE_ACT_STORE)
			rc = store_copy(r, a->arg, a->flags);
		else if (a->type == SIEVE_ACT_REDIRECT)
			redirect(r, a->arg);
		else
			dsieve_out_log(r->out, "deliver: sieve of %s discarded a "
			    "message from <%s>", r->in->md->address, r->in->env_from);
	}
	if (rc == MSGSTORE_OK && res->vacation != NULL)
		vacation(r, res->vacation);
	return rc;
}

enum msgstore_result dsieve_deliver(const struct dsieve_in *in,
    struct dsieve_out **out, struct buf *reason)
{
	struct buf dir = BUF_INIT, msg = BUF_INIT;
	struct cached *slot;
	struct run r = { .in = in, .out = out, .reason = reason };
	*out = NULL;
	sievestore_dir(in->md->mail_dir, in->md->address, &dir);
	struct sieve_script *s = script_get(dir.data, &slot, out);
	enum msgstore_result rc;
	if (s == NULL) {
		rc = store_copy(&r, "", "");
	} else if (!read_message(in->md, &msg)) {
		script_put(s, slot);
		buf_set(reason, "451 4.3.0 cannot read the queued message");
		rc = MSGSTORE_TEMPFAIL;
	} else {
		struct sieve_msg m = { msg.data, msg.len, in->md->headers_len +
			in->md->size, in->env_from, in->env_to };
		struct sieve_result res;
		sieve_run(s, &m, &res);
		script_put(s, slot);
		if (res.error)
			dsieve_out_log(out, "deliver: sieve of %s failed at line %s; "
			    "kept", in->md->address, buf_cstr(&res.err));
		r.msg = msg.data;
		r.len = msg.len;
		rc = act(&r, &res);
		sieve_result_free(&res);
	}
	buf_free(&dir);
	buf_free(&msg);
	return rc;
}

void dsieve_cache_free(void)
{
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		sieve_free(cache[i].s);
		free(cache[i].dir);
		cache[i] = (struct cached){ 0 };
	}
	pthread_mutex_unlock(&cache_lock);
}
