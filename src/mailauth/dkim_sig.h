/* DKIM-Signature header fields (RFC 6376 3.5, RFC 8463, RFC 8301) parsed
 * strictly: the input is hostile. */
#ifndef AMB_DKIM_SIG_H
#define AMB_DKIM_SIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailauth/dkim_canon.h"

#define DKIM_SIG_MAX_H     64      /* names in h= */
#define DKIM_SIG_MAX_B     1024    /* signature bytes (RSA-8192) */
#define DKIM_DOMAIN_MAX    253

enum dkim_alg {
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,
	DKIM_ALG_RSA_SHA1,          /* parsed so it can be refused (8301) */
};

/* How a signature that cannot be evaluated is reported. */
enum dkim_sig_err {
	DKIM_SIG_OK,
	DKIM_SIG_PERMERROR,         /* broken: syntax, missing or bad tag */
	DKIM_SIG_NEUTRAL,           /* valid but unsupported (version, a=, c=, q=) */
};

struct dkim_sig {
	enum dkim_alg alg;
	enum dkim_canon hcanon, bcanon;
	char d[DKIM_DOMAIN_MAX + 1];    /* lower-cased */
	char s[DKIM_DOMAIN_MAX + 1];    /* as written */
	char *i;                        /* i= as written, or NULL */
	char **h;                       /* field names of h=, as written */
	size_t nh;
	unsigned char bh[64];
	size_t bh_len;
	unsigned char b[DKIM_SIG_MAX_B];
	size_t b_len;
	uint64_t l;                     /* DKIM_NO_LIMIT when absent */
	long long t, x;                 /* -1 when absent */
	size_t b_off, b_val_len;        /* b= value within the field value */
};

/* Parses the value of a DKIM-Signature field (after the colon). On error
 * returns PERMERROR or NEUTRAL with *why a short static reason; sig is
 * then cleared. */
enum dkim_sig_err dkim_sig_parse(const char *value, size_t len,
    struct dkim_sig *sig, const char **why);
void dkim_sig_clear(struct dkim_sig *sig);

/* Domain names for d= and s=: dot-separated labels of letters, digits,
 * '-' and '_', each 1..63 octets, at most 253 in all. */
bool dkim_valid_dname(const char *s, size_t len);
/* "sel._domainkey.domain" for a signature (what the caller queries). */
void dkim_sig_query_name(const struct dkim_sig *sig, struct buf *out);

#endif
