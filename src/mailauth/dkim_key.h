/* DKIM key records (RFC 6376 3.6.1, RFC 8463 4): parsing of the TXT
 * record a verifier fetched, and writing the record for a key we own. */
#ifndef AMB_DKIM_KEY_H
#define AMB_DKIM_KEY_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "common/buf.h"

#define DKIM_KEY_MAX_P    2048     /* decoded p= bytes (RSA-8192 fits) */
#define DKIM_RSA_MAX_BITS 8192

enum dkim_key_type { DKIM_KEY_RSA, DKIM_KEY_ED25519 };

struct dkim_key {
	enum dkim_key_type type;
	EVP_PKEY *pkey;
	bool sha256_ok, sha1_ok;    /* h= of the record */
	bool testing;               /* t=y */
	bool strict;                /* t=s: i= domain must equal d= */
};

/* Parses one record (the TXT strings already concatenated). False with a
 * short static reason in *why for a malformed record, an unknown key type,
 * a record not for email, a revoked key (empty p=) or a key that does not
 * decode. */
bool dkim_key_parse(const char *rec, size_t len, struct dkim_key *key,
    const char **why);
void dkim_key_clear(struct dkim_key *key);

/* Appends "v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>" or
 * "v=DKIM1; k=ed25519; p=<base64 raw key>" for the public half of pkey. */
bool dkim_key_record(EVP_PKEY *pkey, struct buf *out);

#endif
