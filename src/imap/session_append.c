/* APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502), LITERAL+, binary
 * literals, APPENDLIMIT (RFC 7889), quota, UIDPLUS's APPENDUID. Message
 * data streams into the store's compress -> encrypt stack as it arrives
 * (nothing decrypted touches the disk); every message of the command
 * stays in tmp/ until the last one is complete, so a refused or aborted
 * MULTIAPPEND stores none. */
#include "imap/session_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "store/maildir.h"
#include "store/msgstore.h"

struct append_msg {
	struct msgstore_writer *w;
	unsigned flags;
	char *keywords;
	int64_t date;
};

struct session_append {
	char *tag;
	char *dir;                  /* the folder directory */
	uint32_t uidvalidity;
	uint64_t total;             /* bytes of this command's messages */
	struct append_msg *v;
	size_t n;
	bool failed;                /* a message could not be stored */
	struct buf why;
};

static void drop(struct imap_session *s)
{
	struct session_append *a = s->append;
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++) {
		msgstore_writer_abort(a->v[i].w);
		free(a->v[i].keywords);
	}
	free(a->v);
	free(a->tag);
	free(a->dir);
	buf_free(&a->why);
	free(a);
	s->append = NULL;
}

void append_abort(struct imap_session *s)
{
	drop(s);
}

/* Tells the parser to skip the rest and answers the command. */
static void refuse(struct imap_session *s, const char *tag, const char *code,
    const char *text)
{
	imap_parser_refuse_append(s->parser);
	sess_tagged(s, tag, "NO", code, text);
	drop(s);
}

static bool quota_ok(struct imap_session *s, uint64_t size)
{
	uint64_t used = 0, msgs = 0;
	struct buf err = BUF_INIT;
	if (s->quota == 0)
		return true;
	bool ok = mailindex_usage(s->ix, &used, &msgs, &err) == MAILINDEX_OK;
	buf_free(&err);
	uint64_t pending = s->append ? s->append->total : 0;
	return ok && used + pending + size <= s->quota;
}

/* A fresh base name: time and 40 random bits, as queue ids are made. */
static void base_name(struct imap_session *s, uint64_t size, struct buf *out)
{
	char id[32];
	uint64_t rnd = ((uint64_t)randombytes_random() << 8 |
	    (randombytes_random() & 0xff)) & 0xffffffffffull;
	snprintf(id, sizeof id, "%010llx%010llx",
	    (unsigned long long)time(NULL) & 0xffffffffffull,
	    (unsigned long long)rnd);
	maildir_base_name(id, 0, s->hostname, size, out);
}

/* The first message of a command: where it goes. */
static bool open_target(struct imap_session *s, struct imap_command *c)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf err = BUF_INIT, dir = BUF_INIT;
	enum mailindex_rc rc = mailindex_mailbox_get(s->ix, c->u.append.mailbox,
	    &mb, &err);
	bool ok = rc == MAILINDEX_OK &&
	    maildir_folder_path(s->maildir, mb.name, &dir);
	if (rc == MAILINDEX_NOTFOUND) {
		refuse(s, c->tag, "TRYCREATE", "No such mailbox");
	} else if (!ok) {
		imap_parser_refuse_append(s->parser);
		sess_index_error(s, c->tag, rc == MAILINDEX_OK ? MAILINDEX_FAIL : rc,
		    buf_cstr(&err));
	} else {
		s->append = xcalloc(1, sizeof *s->append);
		s->append->tag = xstrdup(c->tag);
		s->append->dir = buf_detach(&dir);
		s->append->uidvalidity = mb.uidvalidity;
	}
	mailindex_mailbox_free(&mb);
	buf_free(&err);
	buf_free(&dir);
	return ok;
}

static bool size_ok(struct imap_session *s, const struct imap_command *c)
{
	uint64_t size = c->u.append.size;
	if (size == 0)
		refuse(s, c->tag, NULL, "Empty message");
	else if (size > s->append_limit)
		refuse(s, c->tag, "TOOBIG", "Message larger than APPENDLIMIT");
	else if (!quota_ok(s, size))
		refuse(s, c->tag, "OVERQUOTA", "Quota exceeded");
	else
		return true;
	return false;
}

void append_begin(struct imap_session *s, struct imap_command *c)
{
	const struct imap_append_args *a = &c->u.append;
	struct buf kw = BUF_INIT, err = BUF_INIT, base = BUF_INIT;
	unsigned flags;
	if (s->append != NULL && s->append->failed) {
		refuse(s, c->tag, "SERVERBUG", "Cannot store the message");
		goto out;
	}
	if (!sess_parse_flags(&a->flags, &flags, &kw, &err)) {
		imap_parser_refuse_append(s->parser);
		sess_tagged(s, c->tag, "BAD", NULL, buf_cstr(&err));
		drop(s);
		goto out;
	}
	if (!size_ok(s, c) || (s->append == NULL && !open_target(s, c)))
		goto out;
	struct msgstore_wopts o = { .encrypt = s->encrypt, .algo = s->algo,
	    .level = s->level, .size = a->size };
	memcpy(o.pk, s->pk, sizeof o.pk);
	base_name(s, a->size, &base);
	struct msgstore_writer *w = msgstore_writer_begin(s->append->dir,
	    base.data, &o, &err);
	sodium_memzero(&o, sizeof o);
	if (w == NULL) {
		refuse(s, c->tag, "SERVERBUG", "Cannot store the message");
		goto out;
	}
	struct session_append *ap = s->append;
	ap->v = xreallocarray(ap->v, ap->n + 1, sizeof *ap->v);
	ap->v[ap->n++] = (struct append_msg){ w, flags, buf_detach(&kw),
	    a->has_date ? (int64_t)a->date : 0 };
	ap->total += a->size;
out:
	buf_free(&kw);
	buf_free(&err);
	buf_free(&base);
}

void append_data(struct imap_session *s, const void *p, size_t n)
{
	struct session_append *a = s->append;
	if (a == NULL || a->failed || a->n == 0)
		return;
	if (!msgstore_writer_write(a->v[a->n - 1].w, p, n, &a->why))
		refuse(s, a->tag, "SERVERBUG", "Cannot store the message");
}

void append_end(struct imap_session *s)
{
	struct session_append *a = s->append;
	/* Too late to skip input: the verdict waits for the command's end. */
	if (a != NULL && !a->failed && a->n > 0 &&
	    !msgstore_writer_finish(a->v[a->n - 1].w, &a->why))
		a->failed = true;
}

/* Into new/, then into the index: the messages get their UIDs. */
static bool commit_all(struct imap_session *s, struct imap_seqset *uids)
{
	struct session_append *a = s->append;
	struct buf path = BUF_INIT;
	bool ok = true;
	for (size_t i = 0; i < a->n; i++) {
		struct msgstore_writer *w = a->v[i].w;
		a->v[i].w = NULL;
		if (!ok) {
			msgstore_writer_abort(w);
			continue;
		}
		struct mailindex_new nm = { a->v[i].flags, a->v[i].keywords,
		    a->v[i].date };
		struct mailindex_added added;
		ok = msgstore_writer_commit(w, &path, &a->why) &&
		    mailindex_add(s->ix, path.data, &nm, &added, &a->why) ==
		    MAILINDEX_OK;
		if (ok) {
			imap_seqset_add(uids, added.uid);
			a->uidvalidity = added.uidvalidity;
		}
	}
	buf_free(&path);
	return ok;
}

void append_done(struct imap_session *s, const char *tag)
{
	struct session_append *a = s->append;
	struct imap_seqset uids;
	struct buf code = BUF_INIT;
	if (a == NULL) {        /* answered when it was refused */
		return;
	}
	imap_seqset_init(&uids);
	bool ok = !a->failed && commit_all(s, &uids);
	view_refresh(s, true);
	if (!ok) {
		sess_tagged(s, tag, "NO", "SERVERBUG", "Cannot store the message");
	} else {
		buf_printf(&code, "APPENDUID %u ", a->uidvalidity);
		imap_seqset_format(&uids, &code);
		sess_tagged(s, tag, "OK", code.data, "APPEND completed");
	}
	imap_seqset_free(&uids);
	buf_free(&code);
	drop(s);
}
