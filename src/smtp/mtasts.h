/* MTA-STS (RFC 8461) as pure functions: the `_mta-sts` TXT record, the
 * policy file fetched over HTTPS, and whether an MX host matches the
 * policy. The relay does the DNS, the fetch and the caching. */
#ifndef AMB_MTASTS_H
#define AMB_MTASTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define MTASTS_ID_MAX      32          /* id=: 1*32(ALPHA / DIGIT) */
#define MTASTS_MAX_MX      32          /* mx: patterns kept */
#define MTASTS_PATTERN_MAX 254         /* octets of one, with its NUL */
#define MTASTS_MAX_AGE     31557600u   /* RFC 8461 3.2: about a year */
#define MTASTS_POLICY_MAX  65536       /* octets of a policy file read */

enum mtasts_mode { MTASTS_NONE, MTASTS_TESTING, MTASTS_ENFORCE };

struct mtasts_policy {
	enum mtasts_mode mode;
	uint32_t max_age;                  /* seconds */
	size_t nmx;
	char mx[MTASTS_MAX_MX][MTASTS_PATTERN_MAX];   /* lower case */
};

enum mtasts_txt {
	MTASTS_TXT_OTHER,     /* not an STS record: ignored */
	MTASTS_TXT_VALID,     /* v=STSv1 with a valid id */
	MTASTS_TXT_INVALID,   /* starts with v=STSv1 but is malformed */
};

/* One TXT record's text (its strings joined). For VALID, id receives
 * the id= value. A domain has a policy only when exactly one of its
 * records is VALID and none INVALID (RFC 8461 3.1). */
enum mtasts_txt mtasts_txt_parse(const char *txt, size_t len,
    char id[MTASTS_ID_MAX + 1]);

/* The policy file (LF or CRLF lines, "key: value"). False with a reason
 * when version is not STSv1, mode or max_age is missing or malformed,
 * or an enforce/testing policy has no mx. Unknown keys are ignored, the
 * first of a repeated key counts, mx patterns beyond MTASTS_MAX_MX are
 * dropped. */
bool mtasts_policy_parse(const char *text, size_t len,
    struct mtasts_policy *p, struct buf *err);

/* Whether host (a name, trailing dot allowed) matches one of p's mx
 * patterns: equal ignoring case, or "*.suffix" for exactly one more
 * label in front of suffix (RFC 8461 4.1). */
bool mtasts_mx_match(const struct mtasts_policy *p, const char *host);

const char *mtasts_mode_name(enum mtasts_mode m);

#endif
