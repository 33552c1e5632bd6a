/* deliver's spam step: headers, the envelope's verdict, GTUBE, and the
 * \Junk mailbox found by its attribute (a renamed one too), made for a
 * user who never logged in. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/deliver_spam.h"
#include "store/mailindex.h"

struct run {
	struct buf headers, junk;
	struct spam_verdict v;
};

static void score(const char *maildir, const char *msg, uint32_t flags,
    int32_t env_score, struct run *r)
{
	struct envelope env;
	envelope_init(&env);
	snprintf(env.id, sizeof env.id, "%s", "0000000001abcdef0123");
	env.size = strlen(msg);
	env.flags = flags;
	env.spam_score = env_score;
	int fd = memfd_create("msg", MFD_CLOEXEC);
	if (fd < 0 || write(fd, msg, env.size) != (ssize_t)env.size)
		abort();
	/* the step reads with pread: the offset stays where the store
	 * expects it */
	off_t at = lseek(fd, 0, SEEK_CUR);
	buf_init(&r->headers);
	buf_init(&r->junk);
	buf_addstr(&r->headers, "Return-Path: <>\r\n");
	deliver_spam(maildir, fd, &env, 5000, &r->headers, &r->junk, &r->v);
	CHECK(lseek(fd, 0, SEEK_CUR) == at);
	close(fd);
	envelope_free(&env);
}

static void run_free(struct run *r)
{
	buf_free(&r->headers);
	buf_free(&r->junk);
}

TEST(deliver_spam_verdicts)
{
	struct buf md = BUF_INIT;
	struct run r;
	buf_printf(&md, "%s/u/Maildir", t_tmpdir());
	score(md.data, "Subject: hi\r\n\r\nhello\r\n", 0, 1200, &r);
	CHECK_STR(buf_cstr(&r.headers),
	    "Return-Path: <>\r\nX-Spam-Score: 1.2\r\nX-Spam: No\r\n");
	CHECK(!r.v.spam && r.junk.len == 0);
	run_free(&r);
	/* the SMTP-time verdict alone */
	score(md.data, "Subject: hi\r\n\r\nhello\r\n", ENV_F_JUNK, 0, &r);
	CHECK(r.v.spam && !strcmp(buf_cstr(&r.junk), "Junk"));
	CHECK(strstr(buf_cstr(&r.headers), "X-Spam: Yes\r\n") != NULL);
	run_free(&r);
	/* the score reaches spam_junk_score */
	score(md.data, "Subject: hi\r\n\r\nhello\r\n", 0, 5000, &r);
	CHECK(r.v.spam);
	run_free(&r);
	/* GTUBE, for a user whose \Junk is called Spam */
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(md.data, 0, &err);
	CHECK(ix != NULL &&
	    mailindex_rename(ix, "Junk", "Spam", &err) == MAILINDEX_OK);
	mailindex_close(ix);
	score(md.data, "Subject: t\r\n\r\n" BAYES_GTUBE "\r\n", 0, -2000, &r);
	CHECK(r.v.spam && r.v.gtube && r.v.score == SPAM_GTUBE_POINTS - 2000);
	CHECK_STR(buf_cstr(&r.junk), "Spam");
	run_free(&r);
	buf_free(&err);
	buf_free(&md);
}
