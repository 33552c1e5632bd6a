/* deliver's spam step: the verdict of filter/spamverdict.h for one
 * recipient, its headers, and the Junk mailbox to file spam into. Runs on
 * a delivery worker (it reads the message and two SQLite files). */
#ifndef AMB_DELIVER_SPAM_H
#define AMB_DELIVER_SPAM_H
#include <stdint.h>

#include "common/buf.h"
#include "filter/spamverdict.h"
#include "smtp/envelope.h"

/* Scores the message in fd (pread only) for the recipient whose Maildir
 * is maildir, appends X-Spam-Score and X-Spam to headers and, when it is
 * spam, sets junk to the name of the recipient's \Junk mailbox (the
 * default mailboxes are made if missing). */
void deliver_spam(const char *maildir, int fd, const struct envelope *env,
    int32_t junk_score, struct buf *headers, struct buf *junk,
    struct spam_verdict *v);

#endif
