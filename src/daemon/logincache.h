/* lookup's cache of recent successful logins (as Dovecot's auth cache):
 * a mail program that reconnects with the same password skips the two
 * Argon2id computations (check the hash, unlock the key). Entries live in
 * guarded, locked memory (sodium_malloc), hold a keyed hash of the
 * password, never the password, and the unlocked secret key once an IMAP
 * login needed it; they expire after LOGINCACHE_TTL seconds and are wiped.
 * A wrong password is never cached; a password change (which re-locks the
 * key with a fresh salt) makes the old entry useless. */
#ifndef AMB_LOGINCACHE_H
#define AMB_LOGINCACHE_H
#include <stdbool.h>
#include <stddef.h>

#include "store/trees.h"

#define LOGINCACHE_TTL   300
#define LOGINCACHE_SLOTS 128

bool logincache_init(void);
void logincache_free(void);
/* True if user logged in with this password recently and the stored key
 * (salt) is still the one in the database. sk (may be NULL) receives the
 * unlocked key when the entry has one; *has_sk says whether it had. */
bool logincache_check(const char *user, const char *pw,
    const struct trees_key *key, unsigned char *sk, bool *has_sk);
/* Records a successful login; sk NULL when not unlocked. */
void logincache_put(const char *user, const char *pw,
    const struct trees_key *key, const unsigned char *sk);
/* Wipes expired entries (called now and then). */
void logincache_expire(void);

#endif
