/* The spam decision at delivery, and training. Deliver computes it for
 * each recipient before choosing the folder (a Sieve script may then
 * override the folder):
 *
 *   score = the envelope's message-level score (SMTP-time checks)
 *         + the recipient's classifier (bayes.h, -3..+6 points)
 *         + 1000 points for the GTUBE string
 *   spam  = ENV_F_JUNK || GTUBE || score >= spam_junk_score
 *
 * Scores are in thousandths of a point, like envelope.spam_score. The
 * classifier reads the first SPAM_HEAD_MAX bytes of the message only. */
#ifndef AMB_FILTER_SPAMVERDICT_H
#define AMB_FILTER_SPAMVERDICT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "filter/bayes_db.h"

#define SPAM_HEAD_MAX     (256u * 1024)
#define SPAM_GTUBE_POINTS 1000000

struct spam_verdict {
	int32_t score;          /* thousandths of a point */
	bool spam;
	bool gtube;
	bool classified;        /* the classifier gave an opinion */
	double prob;            /* its probability, if so */
};

struct spam_input {
	const char *msg;        /* the message, or its first SPAM_HEAD_MAX bytes */
	size_t len;
	const char *db_path;    /* the recipient's spam.sqlite; NULL: none */
	int32_t env_score;      /* envelope.spam_score */
	bool env_junk;          /* ENV_F_JUNK */
	int32_t junk_score;     /* config spam_junk_score */
};

/* Never fails: a store that cannot be read gives no classifier opinion
 * (logged by the caller from err, if it cares). */
void spam_verdict_compute(const struct spam_input *in, struct spam_verdict *out,
    struct buf *err);
/* A score in points with one decimal ("7.3", "-0.5"), appended to out. */
void spam_score_format(int32_t score, struct buf *out);
/* "X-Spam-Score: 7.3\r\nX-Spam: Yes\r\n" appended to out. */
void spam_verdict_headers(const struct spam_verdict *v, struct buf *out);

/* Reads the first SPAM_HEAD_MAX bytes (at most size) of fd with pread,
 * leaving the file offset alone. False on a read error. */
bool spam_read_head(int fd, uint64_t size, struct buf *out);
/* <user dir>/spam.sqlite for a <user dir>/Maildir path. */
void spam_db_path(const char *maildir, struct buf *out);

/* Learns a message (its first SPAM_HEAD_MAX bytes are used) as spam or
 * ham into the store at db_path, created if missing. */
bool spam_train(const char *db_path, const char *msg, size_t len, bool spam,
    enum bayes_learn *result, struct buf *err);
/* The same into an open store (bayes_db_open with create). */
bool spam_train_db(struct bayes_db *db, const char *msg, size_t len,
    bool spam, enum bayes_learn *result, struct buf *err);

#endif
