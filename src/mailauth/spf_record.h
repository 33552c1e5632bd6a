/* SPF records (RFC 7208 4.5, 4.6, 5, 6): choosing the record among a
 * name's TXT strings and parsing it strictly. Any syntax error anywhere
 * makes the whole record a permerror, before anything is evaluated. */
#ifndef AMB_MAILAUTH_SPF_RECORD_H
#define AMB_MAILAUTH_SPF_RECORD_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* Longer records are refused (DNS answers are far smaller in practice). */
#define SPF_RECORD_MAX 16384

enum spf_mech {
	SPF_MECH_ALL, SPF_MECH_INCLUDE, SPF_MECH_A, SPF_MECH_MX,
	SPF_MECH_PTR, SPF_MECH_IP4, SPF_MECH_IP6, SPF_MECH_EXISTS,
};

struct spf_term {
	enum spf_mech mech;
	char qual;                 /* '+', '-', '~' or '?' */
	const char *spec;          /* domain-spec, NUL-terminated, or NULL */
	int cidr4, cidr6;          /* a, mx: prefix lengths (32, 128 default);
	                              ip4/ip6: cidr4 or cidr6 */
	unsigned char addr[16];    /* ip4, ip6: the network */
};

struct spf_record {
	char *text;                /* owned copy the pointers point into */
	struct spf_term *terms;
	size_t nterms;
	const char *redirect;      /* domain-spec or NULL */
	const char *exp;           /* domain-spec or NULL */
};

/* TXT record strings as the resolver returns them (the character-strings
 * of one record already concatenated). */
struct spf_txt {
	const char *data;
	size_t len;
};

enum spf_select {
	SPF_SELECT_NONE,           /* no record starts with "v=spf1" */
	SPF_SELECT_ONE,            /* *which is the index */
	SPF_SELECT_MANY,           /* more than one: permerror */
};
enum spf_select spf_record_select(const struct spf_txt *txt, size_t n,
    size_t *which);

/* Parses a record ("v=spf1 ..."). On failure returns false and puts a
 * short reason (no record text) into err. */
bool spf_record_parse(const char *txt, size_t len, struct spf_record *rec,
    struct buf *err);
void spf_record_free(struct spf_record *rec);

#endif
