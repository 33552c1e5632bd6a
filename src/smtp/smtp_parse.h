/* SMTP command argument parsing (RFC 5321 4.1.2, RFC 6531 for UTF-8):
 * paths, ESMTP parameters, xtext, HELO names. Pure functions on
 * NUL-terminated lines (the engine refuses NUL before calling them). */
#ifndef AMB_SMTP_PARSE_H
#define AMB_SMTP_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMTP_LOCAL_MAX  64   /* RFC 5321 4.5.3.1.1 */
#define SMTP_DOMAIN_MAX 255  /* RFC 5321 4.5.3.1.2 */
#define SMTP_PATH_MAX   256  /* RFC 5321 4.5.3.1.3, with the brackets */

struct smtp_addr {
	char local[SMTP_LOCAL_MAX + 1];    /* unquoted, escapes removed */
	char domain[SMTP_DOMAIN_MAX + 1];  /* as sent; literal keeps [] */
	/* canonical text: local@domain, local part quoted only if needed;
	 * "" for <>, "postmaster" for <postmaster> */
	char mailbox[2 * SMTP_LOCAL_MAX + 3 + SMTP_DOMAIN_MAX + 1];
	bool null;                          /* <> */
	bool postmaster;                    /* <postmaster> without domain */
	bool utf8;                          /* contains non-ASCII */
};

enum smtp_path_flags {
	SMTP_PATH_ALLOW_NULL       = 1 << 0,  /* MAIL */
	SMTP_PATH_ALLOW_POSTMASTER = 1 << 1,  /* RCPT */
	SMTP_PATH_ALLOW_UTF8       = 1 << 2,  /* after MAIL ... SMTPUTF8 */
};

enum smtp_path_result {
	SMTP_PATH_OK,
	SMTP_PATH_SYNTAX,
	SMTP_PATH_TOO_LONG,
	SMTP_PATH_NON_ASCII,   /* UTF-8 without SMTPUTF8 */
};

/* Parses "<...>" at s; *end points just past '>'. */
enum smtp_path_result smtp_parse_path(const char *s, unsigned flags,
    struct smtp_addr *a, const char **end);

#define SMTP_MAX_PARAMS 8
struct smtp_param {
	char *key;      /* never NULL */
	char *value;    /* NULL when the keyword has no "=" */
};

/* Splits "KEY[=VALUE] KEY..." in place (s is modified). Returns the count,
 * or -1 on syntax error or more than max parameters. */
int smtp_parse_params(char *s, struct smtp_param *out, int max);

/* Decodes RFC 3461 xtext ("+2B" escapes) into dst; false when malformed
 * or too long. */
bool smtp_xtext_decode(const char *in, char *dst, size_t dstsz);

/* Plain decimal without sign, at most 20 digits, no overflow. */
bool smtp_parse_u64(const char *s, uint64_t *v);

/* HELO/EHLO argument: a domain or address literal, printable, <= 255. */
bool smtp_valid_helo(const char *s);

/* Case-insensitive "VERB" match: s starts with verb followed by NUL or SP;
 * returns the arguments after one SP (or "" ), or NULL. */
const char *smtp_match_verb(const char *s, const char *verb);

#endif
