/* The statistical spam classifier's core, sans I/O: the text of a message
 * that is classified, its words as keyed hashes, and the combination of
 * per-word counts into a probability (Robinson's f(w) and Fisher's
 * chi-square combining, as SpamBayes and bogofilter do). Storage of the
 * counts is bayes_db.h; nothing here touches a file.
 *
 * Words are never kept as text: each token is hashed with SipHash-2-4
 * under a per-user random key (libsodium crypto_shorthash), so the store
 * holds only 64-bit numbers. */
#ifndef AMB_FILTER_BAYES_H
#define AMB_FILTER_BAYES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "filter/gtube.h"

#define BAYES_KEY_LEN     16             /* crypto_shorthash_KEYBYTES */
#define BAYES_TEXT_MAX    (256u * 1024)  /* bytes of text tokenized */
#define BAYES_WORD_MIN    2              /* bytes; shorter words are noise */
#define BAYES_WORD_MAX    40             /* bytes; longer is base64, hashes */
#define BAYES_TOKENS_MAX  20000          /* distinct tokens per message */
#define BAYES_MIN_LEARNS  10             /* of each class before an opinion */

/* The GTUBE test string (SpamAssassin): a message whose text holds it is
 * spam, whatever else it says. */
#define BAYES_GTUBE GTUBE_STRING

/* The text classified, UTF-8 and case-folded: "s:"-prefixed words of the
 * Subject and "f:"-prefixed ones of From (so they weigh apart from the
 * same words in the body), then every text/plain and text/html part
 * (transfer encoding and charset removed, HTML tags dropped), up to
 * BAYES_TEXT_MAX bytes. Any input gives some text, possibly empty. */
void bayes_message_text(const char *msg, size_t len, struct buf *out);

/* Whether text from bayes_message_text holds the GTUBE string (in any
 * case: the text is folded). Only the text parts can: the header words
 * lose GTUBE's punctuation. */
bool bayes_text_has_gtube(const char *text, size_t len);

/* Distinct token hashes of one message, sorted. */
struct bayes_tokens {
	uint64_t *v;
	size_t n, cap;
};
void bayes_tokens_free(struct bayes_tokens *t);

/* Splits text (as bayes_message_text makes it) into words: runs of
 * letters, digits and the prefix marks, BAYES_WORD_MIN..BAYES_WORD_MAX
 * bytes; each word and each pair of neighbouring words is a token. Bad
 * UTF-8 and NUL bytes only separate words. Appends the keyed hashes,
 * sorted and without duplicates, at most BAYES_TOKENS_MAX. */
void bayes_tokenize(const unsigned char key[BAYES_KEY_LEN], const char *text,
    size_t len, struct bayes_tokens *out);

/* How often a token was seen in spam and in ham messages. */
struct bayes_count {
	uint32_t spam, ham;
};

/* Probability that a message is spam from the counts of its tokens and
 * the numbers of spam and ham messages learnt. Tokens never seen are
 * ignored, and so are those whose f(w) is within 0.1 of neutral; the 150
 * strongest are combined. False (no opinion) before BAYES_MIN_LEARNS
 * messages of each class or when no token says anything. */
bool bayes_probability(uint32_t nspam, uint32_t nham,
    const struct bayes_count *counts, size_t n, double *prob);

/* The classifier's share of the spam score, in thousandths of a point:
 * +BAYES_SPAM_POINTS at probability 1, -BAYES_HAM_POINTS at 0, linear in
 * between (0 at 0.5). */
#define BAYES_SPAM_POINTS 6000
#define BAYES_HAM_POINTS  3000
int32_t bayes_points(double prob);

#endif
