#include "store/trees.h"

#include <string.h>

#include <sodium.h>

#define TREES_OPSLIMIT 2ULL
#define TREES_MEMLIMIT ((size_t)64 << 20)

static bool derive_lock_key(const struct trees_key *k, const char *pw,
    size_t pwlen, unsigned char key[crypto_secretbox_KEYBYTES])
{
	int alg = k->algo == TREES_ALGO_ARGON2I13 ? crypto_pwhash_ALG_ARGON2I13
	    : k->algo == TREES_ALGO_ARGON2ID13 ? crypto_pwhash_ALG_ARGON2ID13 : -1;
	if (alg < 0 || k->opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    k->memlimit < crypto_pwhash_MEMLIMIT_MIN ||
	    k->memlimit > ((size_t)4 << 30))
		return false;
	return crypto_pwhash(key, crypto_secretbox_KEYBYTES, pw, pwlen, k->salt,
	    k->opslimit, k->memlimit, alg) == 0;
}

static bool lock_sk(struct trees_key *k, const char *pw, size_t pwlen,
    const unsigned char sk[TREES_SK_LEN])
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	randombytes_buf(k->salt, sizeof k->salt);
	randombytes_buf(k->nonce, sizeof k->nonce);
	bool ok = derive_lock_key(k, pw, pwlen, key) &&
	    crypto_secretbox_easy(k->box, sk, TREES_SK_LEN, k->nonce, key) == 0;
	sodium_memzero(key, sizeof key);
	return ok;
}

bool trees_key_create(const char *pw, size_t pwlen, struct trees_key *out)
{
	unsigned char sk[TREES_SK_LEN];
	memset(out, 0, sizeof *out);
	out->algo = TREES_ALGO_ARGON2ID13;
	out->opslimit = TREES_OPSLIMIT;
	out->memlimit = TREES_MEMLIMIT;
	crypto_box_keypair(out->pk, sk);
	bool ok = lock_sk(out, pw, pwlen, sk);
	sodium_memzero(sk, sizeof sk);
	return ok;
}

bool trees_key_unlock(const struct trees_key *k, const char *pw, size_t pwlen,
    unsigned char sk[TREES_SK_LEN])
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char pk[TREES_PK_LEN];
	bool ok = derive_lock_key(k, pw, pwlen, key) &&
	    crypto_secretbox_open_easy(sk, k->box, sizeof k->box, k->nonce, key) == 0 &&
	    crypto_scalarmult_base(pk, sk) == 0 &&
	    sodium_memcmp(pk, k->pk, sizeof pk) == 0;
	sodium_memzero(key, sizeof key);
	if (!ok)
		sodium_memzero(sk, TREES_SK_LEN);
	return ok;
}

bool trees_key_relock(const struct trees_key *k, const char *oldpw,
    size_t oldlen, const char *newpw, size_t newlen, struct trees_key *out)
{
	unsigned char sk[TREES_SK_LEN];
	if (!trees_key_unlock(k, oldpw, oldlen, sk))
		return false;
	*out = *k;
	/* Re-locking keeps the seed's KDF parameters; only salt and nonce change. */
	bool ok = lock_sk(out, newpw, newlen, sk);
	sodium_memzero(sk, sizeof sk);
	return ok;
}

void trees_key_to_hex(const struct trees_key *k, char pk[65], char salt[33],
    char nonce[49], char box[97])
{
	sodium_bin2hex(pk, 65, k->pk, sizeof k->pk);
	sodium_bin2hex(salt, 33, k->salt, sizeof k->salt);
	sodium_bin2hex(nonce, 49, k->nonce, sizeof k->nonce);
	sodium_bin2hex(box, 97, k->box, sizeof k->box);
}

static bool hex_exact(unsigned char *bin, size_t len, const char *hex)
{
	size_t got;
	const char *end;
	return strlen(hex) == 2 * len &&
	    sodium_hex2bin(bin, len, hex, 2 * len, NULL, &got, &end) == 0 &&
	    got == len && *end == '\0';
}

bool trees_key_from_hex(const char *pk, const char *salt, const char *nonce,
    const char *box, struct trees_key *out)
{
	memset(out, 0, sizeof *out);
	out->algo = TREES_ALGO_ARGON2ID13;
	out->opslimit = TREES_OPSLIMIT;
	out->memlimit = TREES_MEMLIMIT;
	return hex_exact(out->pk, sizeof out->pk, pk) &&
	    hex_exact(out->salt, sizeof out->salt, salt) &&
	    hex_exact(out->nonce, sizeof out->nonce, nonce) &&
	    hex_exact(out->box, sizeof out->box, box);
}
