/* The spam decision at delivery and the training entry point. */
#include "filter/spamverdict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"

static int32_t add_points(int32_t a, int64_t b)
{
	int64_t s = (int64_t)a + b;
	return s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : (int32_t)s;
}

/* The classifier's probability for the message's text; false: no
 * opinion. */
static bool classify(const char *db_path, const char *text, size_t len,
    double *prob, struct buf *err)
{
	bool missing, ok = false;
	struct bayes_db *db = bayes_db_open(db_path, false, &missing, err);
	struct bayes_tokens t = { 0 };
	uint32_t nspam, nham;
	if (db == NULL || !bayes_db_totals(db, &nspam, &nham, err))
		goto out;
	if (nspam < BAYES_MIN_LEARNS || nham < BAYES_MIN_LEARNS)
		goto out;       /* too little training to look at the words */
	bayes_tokenize(bayes_db_key(db), text, len, &t);
	struct bayes_count *c = xcalloc(t.n ? t.n : 1, sizeof(*c));
	ok = bayes_db_lookup(db, &t, c, err) &&
	    bayes_probability(nspam, nham, c, t.n, prob);
	free(c);
out:
	bayes_tokens_free(&t);
	bayes_db_close(db);
	return ok;
}

void spam_verdict_compute(const struct spam_input *in, struct spam_verdict *out,
    struct buf *err)
{
	size_t len = in->len < SPAM_HEAD_MAX ? in->len : SPAM_HEAD_MAX;
	struct buf text = BUF_INIT;
	memset(out, 0, sizeof(*out));
	out->score = in->env_score;
	bayes_message_text(in->msg, len, &text);
	out->gtube = bayes_text_has_gtube(buf_cstr(&text), text.len);
	if (out->gtube)
		out->score = add_points(out->score, SPAM_GTUBE_POINTS);
	if (in->db_path != NULL)
		out->classified = classify(in->db_path, buf_cstr(&text), text.len,
		    &out->prob, err);
	buf_free(&text);
	if (out->classified)
		out->score = add_points(out->score, bayes_points(out->prob));
	out->spam = in->env_junk || out->gtube || out->score >= in->junk_score;
}

void spam_score_format(int32_t score, struct buf *out)
{
	/* one decimal, rounded half away from zero */
	int64_t tenths = ((int64_t)score + (score < 0 ? -50 : 50)) / 100;
	int64_t mag = tenths < 0 ? -tenths : tenths;
	buf_printf(out, "%s%lld.%lld", tenths < 0 ? "-" : "",
	    (long long)(mag / 10), (long long)(mag % 10));
}

void spam_verdict_headers(const struct spam_verdict *v, struct buf *out)
{
	buf_addstr(out, "X-Spam-Score: ");
	spam_score_format(v->score, out);
	buf_printf(out, "\r\nX-Spam: %s\r\n", v->spam ? "Yes" : "No");
}

bool spam_read_head(int fd, uint64_t size, struct buf *out)
{
	return file_pread_prefix(fd, size < SPAM_HEAD_MAX ? (size_t)size :
	    SPAM_HEAD_MAX, out);
}

void spam_db_path(const char *maildir, struct buf *out)
{
	const char *slash = strrchr(maildir, '/');
	if (slash != NULL)
		buf_add(out, maildir, (size_t)(slash - maildir + 1));
	buf_addstr(out, BAYES_DB_FILE);
}

bool spam_train_db(struct bayes_db *db, const char *msg, size_t len,
    bool spam, enum bayes_learn *result, struct buf *err)
{
	struct buf text = BUF_INIT;
	struct bayes_tokens t = { 0 };
	unsigned char id[BAYES_ID_LEN];
	if (len > SPAM_HEAD_MAX)
		len = SPAM_HEAD_MAX;
	bayes_message_text(msg, len, &text);
	bayes_tokenize(bayes_db_key(db), buf_cstr(&text), text.len, &t);
	bayes_db_message_id(db, msg, len, buf_cstr(&text), text.len, id);
	bool ok = bayes_db_learn(db, id, &t, spam, result, err);
	bayes_tokens_free(&t);
	buf_free(&text);
	return ok;
}

bool spam_train(const char *db_path, const char *msg, size_t len, bool spam,
    enum bayes_learn *result, struct buf *err)
{
	bool missing;
	struct bayes_db *db = bayes_db_open(db_path, true, &missing, err);
	bool ok = db != NULL && spam_train_db(db, msg, len, spam, result, err);
	bayes_db_close(db);
	return ok;
}
