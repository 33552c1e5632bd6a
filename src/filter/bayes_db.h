/* The classifier's per-user store: <user dir>/spam.sqlite, SQLite in WAL
 * mode, written by the user's IMAP sessions and `mailboxctl spam train`,
 * read by deliver.
 *
 *   meta(k, v)            "key": the 16-byte random SipHash key of this
 *                         user; "spam", "ham": messages learnt
 *   tokens(h, spam, ham)  h: keyed hash of a token (bayes.h), counts of
 *                         messages of each class that held it
 *   learned(id, spam)     id: keyed BLAKE2b of a learnt message's
 *                         Message-ID (or text), so learning a message
 *                         again does nothing and learning it as the other
 *                         class moves its counts over
 *
 * Threat model: the key sits in the same file, so the store is not
 * readable as words (no grep, no casual reading, nothing to quote from a
 * leaked copy), but whoever holds the file can test guessed words
 * against it (a dictionary attack). Deliver must hash the words of mail
 * that arrives while the user is away, so any key it can use is one an
 * attacker with the same files can use too. */
#ifndef AMB_FILTER_BAYES_DB_H
#define AMB_FILTER_BAYES_DB_H
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "filter/bayes.h"

#define BAYES_DB_FILE "spam.sqlite"
#define BAYES_ID_LEN  16
/* Token rows kept (about 30 MB); beyond, the rarest are dropped. */
#define BAYES_DB_MAX_TOKENS 1000000

struct bayes_db;

/* Opens the store at path. With create, a missing one is made (with a
 * fresh key); without, a missing one gives NULL and *missing = true (not
 * an error: nothing was learnt yet). NULL with err on any failure. */
struct bayes_db *bayes_db_open(const char *path, bool create, bool *missing,
    struct buf *err);
void bayes_db_close(struct bayes_db *db);

const unsigned char *bayes_db_key(const struct bayes_db *db);
/* Another maximum than BAYES_DB_MAX_TOKENS (tests, tuning). */
void bayes_db_set_max_tokens(struct bayes_db *db, uint64_t max);

bool bayes_db_totals(struct bayes_db *db, uint32_t *nspam, uint32_t *nham,
    struct buf *err);
/* counts[i] for tokens->v[i] (zero when unknown). */
bool bayes_db_lookup(struct bayes_db *db, const struct bayes_tokens *tokens,
    struct bayes_count *counts, struct buf *err);

enum bayes_learn {
	BAYES_LEARNT,       /* new message, counted */
	BAYES_RELEARNT,     /* was learnt as the other class: moved over */
	BAYES_ALREADY,      /* was learnt as this class: nothing to do */
};
/* Learns one message (its id from bayes_db_message_id) as spam or ham,
 * in one transaction. Now and then (the first learn of a handle, then
 * every 64th) the store is cut back to its maximum of token rows. */
bool bayes_db_learn(struct bayes_db *db, const unsigned char id[BAYES_ID_LEN],
    const struct bayes_tokens *tokens, bool spam, enum bayes_learn *result,
    struct buf *err);

/* The keyed id of a message: its Message-ID if it has one, else its
 * classified text. */
void bayes_db_message_id(const struct bayes_db *db, const char *msg,
    size_t len, const char *text, size_t text_len,
    unsigned char id[BAYES_ID_LEN]);

#endif
