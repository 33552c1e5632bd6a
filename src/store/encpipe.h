/* The seed's encpipe backup format, sans I/O (decryption only; our own
 * backups use a random salt). Key: crypto_pwhash(32, passphrase,
 * ENCPIPE_SALT, interactive limits, Argon2id13). Stream: the 24-byte
 * crypto_secretstream_xchacha20poly1305 header, then records of LE32
 * plaintext length + a secretstream message of length + 17 bytes; the
 * last record carries TAG_FINAL. Data after it, a record longer than
 * ENCPIPE_RECORD_MAX, a failed tag and an end before TAG_FINAL are
 * errors: a truncated or altered backup never passes as complete. */
#ifndef AMB_ENCPIPE_H
#define AMB_ENCPIPE_H
#include <stdbool.h>
#include <stddef.h>

#include <sodium.h>

#include "common/buf.h"

#define ENCPIPE_KEY_LEN    32
#define ENCPIPE_RECORD_MAX (1024 * 1024)
#define ENCPIPE_PASS_MAX   512      /* encpipe -P reads this much */

extern const unsigned char ENCPIPE_SALT[16];

/* False if Argon2 cannot get its memory. */
bool encpipe_derive_key(const char *pass, size_t len,
    unsigned char key[ENCPIPE_KEY_LEN]);
/* A passphrase file as encpipe -P reads it: the first 512 bytes with
 * surrounding spaces, CR and LF trimmed; returns the trimmed range. */
void encpipe_trim_passphrase(const char *data, size_t len, size_t *start,
    size_t *n);

struct encpipe_dec {
	unsigned char key[ENCPIPE_KEY_LEN];
	crypto_secretstream_xchacha20poly1305_state st;
	struct buf in;          /* bytes not yet decoded */
	bool started, final, failed;
};

void encpipe_dec_init(struct encpipe_dec *d,
    const unsigned char key[ENCPIPE_KEY_LEN]);
/* Decodes what it can of p, appending plaintext to out. False (for good)
 * on damage, with the reason in err. */
bool encpipe_dec_feed(struct encpipe_dec *d, const void *p, size_t n,
    struct buf *out, struct buf *err);
/* True only if the final record was read and nothing followed it. */
bool encpipe_dec_finish(struct encpipe_dec *d, struct buf *err);
void encpipe_dec_free(struct encpipe_dec *d);

#endif
