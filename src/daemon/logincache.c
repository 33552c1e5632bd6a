#include "daemon/logincache.h"

#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/str.h"

struct entry {
	char user[256];
	unsigned char tag[crypto_generichash_BYTES];
	unsigned char salt[TREES_SALT_LEN];
	unsigned char sk[TREES_SK_LEN];
	bool has_sk;
	time_t expires;
};

struct cache {
	unsigned char key[crypto_generichash_KEYBYTES];
	struct entry e[LOGINCACHE_SLOTS];
};

static struct cache *c;

bool logincache_init(void)
{
	c = sodium_malloc(sizeof *c);
	if (c == NULL)
		return false;
	sodium_memzero(c, sizeof *c);
	randombytes_buf(c->key, sizeof c->key);
	return true;
}

void logincache_free(void)
{
	sodium_free(c);     /* wipes */
	c = NULL;
}

/* Keyed hash of user and password; the key never leaves this process. */
static void tag_of(const char *user, const char *pw, unsigned char *out)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, c->key, sizeof c->key, crypto_generichash_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)user, strlen(user) + 1);
	crypto_generichash_update(&st, (const unsigned char *)pw, strlen(pw));
	crypto_generichash_final(&st, out, crypto_generichash_BYTES);
	sodium_memzero(&st, sizeof st);
}

static struct entry *find(const char *user)
{
	for (int i = 0; c && i < LOGINCACHE_SLOTS; i++)
		if (c->e[i].expires != 0 && strcmp(c->e[i].user, user) == 0)
			return &c->e[i];
	return NULL;
}

bool logincache_check(const char *user, const char *pw,
    const struct trees_key *key, unsigned char *sk, bool *has_sk)
{
	unsigned char tag[crypto_generichash_BYTES];
	struct entry *e = find(user);
	*has_sk = false;
	if (e == NULL || e->expires < time(NULL) ||
	    sodium_memcmp(e->salt, key->salt, sizeof e->salt) != 0)
		return false;
	tag_of(user, pw, tag);
	bool ok = sodium_memcmp(tag, e->tag, sizeof tag) == 0;
	if (ok && e->has_sk && sk != NULL) {
		memcpy(sk, e->sk, TREES_SK_LEN);
		*has_sk = true;
	}
	return ok;
}

void logincache_put(const char *user, const char *pw,
    const struct trees_key *key, const unsigned char *sk)
{
	if (c == NULL || strlen(user) >= sizeof c->e[0].user)
		return;
	struct entry *e = find(user);
	for (int i = 0; e == NULL && i < LOGINCACHE_SLOTS; i++)
		if (c->e[i].expires < time(NULL))
			e = &c->e[i];
	if (e == NULL) {
		e = &c->e[0];     /* full: replace the soonest to expire */
		for (int i = 1; i < LOGINCACHE_SLOTS; i++)
			if (c->e[i].expires < e->expires)
				e = &c->e[i];
	}
	sodium_memzero(e, sizeof *e);
	str_copy(e->user, sizeof e->user, user);
	tag_of(user, pw, e->tag);
	memcpy(e->salt, key->salt, sizeof e->salt);
	if (sk != NULL) {
		memcpy(e->sk, sk, TREES_SK_LEN);
		e->has_sk = true;
	}
	e->expires = time(NULL) + LOGINCACHE_TTL;
}

void logincache_expire(void)
{
	time_t now = time(NULL);
	for (int i = 0; c && i < LOGINCACHE_SLOTS; i++)
		if (c->e[i].expires != 0 && c->e[i].expires < now)
			sodium_memzero(&c->e[i], sizeof c->e[i]);
}
