/* deliver's spam step (deliver_spam.h). */
#include "daemon/deliver_spam.h"

#include "common/log.h"
#include "store/mailindex.h"

/* The first mailbox with the \Junk attribute, so a user who renamed it
 * keeps getting spam there. */
static void find_junk(struct mailindex *ix, struct buf *out, struct buf *err)
{
	struct mailindex_mailbox *mb = NULL;
	size_t n = 0;
	if (mailindex_list(ix, &mb, &n, err) == MAILINDEX_OK)
		for (size_t i = 0; i < n && out->len == 0; i++)
			if (mb[i].special & MAILINDEX_USE_JUNK)
				buf_addstr(out, mb[i].name);
	mailindex_list_free(mb, n);
}

/* The recipient's \Junk mailbox; the default mailboxes are made when
 * there is none (a user who never logged in). "Junk" if the index cannot
 * tell: msgstore then files into INBOX when no such folder exists. */
static void junk_folder(const char *maildir, struct buf *out)
{
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(maildir, 0, &err);
	buf_reset(out);
	if (ix != NULL)
		find_junk(ix, out, &err);
	if (ix != NULL && out->len == 0 && err.len == 0)
		(void)mailindex_ensure_defaults(ix, &err);
	if (err.len > 0)
		log_warn("deliver: %s", err.data);
	if (out->len == 0)
		buf_addstr(out, "Junk");
	mailindex_close(ix);
	buf_free(&err);
}

void deliver_spam(const char *maildir, int fd, const struct envelope *env,
    int32_t junk_score, struct buf *headers, struct buf *junk,
    struct spam_verdict *v)
{
	struct buf msg = BUF_INIT, db = BUF_INIT, err = BUF_INIT;
	if (!spam_read_head(fd, env->size, &msg))
		log_warn("deliver: %s: cannot read the message to score it",
		    env->id);
	spam_db_path(maildir, &db);
	struct spam_input in = {
		.msg = buf_cstr(&msg), .len = msg.len, .db_path = db.data,
		.env_score = env->spam_score,
		.env_junk = (env->flags & ENV_F_JUNK) != 0,
		.junk_score = junk_score,
	};
	spam_verdict_compute(&in, v, &err);
	if (err.len > 0)
		log_warn("deliver: spam classifier: %s", err.data);
	spam_verdict_headers(v, headers);
	if (v->spam) {
		struct buf s = BUF_INIT;
		junk_folder(maildir, junk);
		spam_score_format(v->score, &s);
		log_info("deliver: %s: spam (score %s%s%s) into %s", env->id,
		    s.data, v->gtube ? ", GTUBE" : "",
		    in.env_junk ? ", inbound verdict" : "", junk->data);
		buf_free(&s);
	}
	buf_free(&msg);
	buf_free(&db);
	buf_free(&err);
}
