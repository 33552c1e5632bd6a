/* trees: mail encrypted at rest, compatible with riseup's trees plugin
 * (see docs/seed-formats.md). The user's X25519 secret key is stored
 * locked by a key derived from the password with Argon2. */
#ifndef AMB_TREES_H
#define AMB_TREES_H
#include <stdbool.h>
#include <stddef.h>

#define TREES_PK_LEN    32
#define TREES_SK_LEN    32
#define TREES_SALT_LEN  16
#define TREES_NONCE_LEN 24
#define TREES_BOX_LEN   48

#define TREES_ALGO_ARGON2I13  0
#define TREES_ALGO_ARGON2ID13 1

/* The stored, locked key: every field may be public. */
struct trees_key {
	unsigned char pk[TREES_PK_LEN];
	unsigned char salt[TREES_SALT_LEN];
	unsigned char nonce[TREES_NONCE_LEN];
	unsigned char box[TREES_BOX_LEN];
	int algo;
	unsigned long long opslimit;
	size_t memlimit;
};

/* New key pair locked under pw (Argon2id13, opslimit 2, memlimit 64 MiB). */
bool trees_key_create(const char *pw, size_t pwlen, struct trees_key *out);
/* Unlocks sk; false on a wrong password or a box whose key does not
 * reproduce pk. sk is wiped on failure. */
bool trees_key_unlock(const struct trees_key *k, const char *pw, size_t pwlen,
    unsigned char sk[TREES_SK_LEN]);
/* Re-locks the same secret key under newpw with a fresh salt and nonce. */
bool trees_key_relock(const struct trees_key *k, const char *oldpw,
    size_t oldlen, const char *newpw, size_t newlen, struct trees_key *out);
/* Hex (lower-case) field codecs, as the seed's database and treesutil use. */
void trees_key_to_hex(const struct trees_key *k, char pk[65], char salt[33],
    char nonce[49], char box[97]);
bool trees_key_from_hex(const char *pk, const char *salt, const char *nonce,
    const char *box, struct trees_key *out);

/* The trees file format (riseup's Dovecot plugin, version 1): the header
 * ee ff cc + BE32 version, then the plaintext in 8192-byte chunks, each
 * sealed with crypto_box_seal to the public key (8240 bytes on disk), and
 * always a final short chunk of 0..8191 bytes (48..8239 sealed). */
#define TREES_MAGIC_LEN   3
#define TREES_HEADER_LEN  7
#define TREES_VERSION     1
#define TREES_CHUNK       8192
#define TREES_SEAL_EXTRA  48
#define TREES_SEALED_CHUNK (TREES_CHUNK + TREES_SEAL_EXTRA)

struct ostream;
struct istream;

/* True if the first n bytes of a file carry the trees magic. */
bool trees_has_magic(const void *head, size_t n);
/* Encrypting stage before next (owned); the header is written at once. */
struct ostream *trees_ostream_create(struct ostream *next,
    const unsigned char pk[TREES_PK_LEN]);
/* Decrypting stage after prev (owned). sk is copied and wiped on free.
 * With require_header, a file without the exact header is an error;
 * otherwise a file without the magic is plaintext and passes unchanged.
 * A missing final chunk, a truncated or altered chunk, a wrong key or
 * an unknown version is an error, never short output. */
struct istream *trees_istream_create(struct istream *prev,
    const unsigned char pk[TREES_PK_LEN],
    const unsigned char sk[TREES_SK_LEN], bool require_header);

#endif
