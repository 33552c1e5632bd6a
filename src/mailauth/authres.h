/* Authentication-Results (RFC 8601): building our header, and finding the
 * existing ones that claim our authserv-id so they can be removed (a
 * sender could forge them to look authenticated by us). */
#ifndef AMB_MAILAUTH_AUTHRES_H
#define AMB_MAILAUTH_AUTHRES_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"

/* Property values and comments longer than this are left out. */
#define AUTHRES_VALUE_MAX 256

struct authres {
	struct buf val;      /* the field value built so far */
	size_t id_len;       /* the authserv-id at its start */
	size_t nresults;
};

/* Starts a header for authserv_id (our host name). */
void authres_init(struct authres *ar, const char *authserv_id);
void authres_free(struct authres *ar);
/* Adds "method=result (reason)"; reason may be NULL. Properties that
 * follow belong to it. */
void authres_method(struct authres *ar, const char *method,
    const char *result, const char *reason);
/* Adds " ptype.property=value", quoting value when needed. */
void authres_prop(struct authres *ar, const char *ptype,
    const char *property, const char *value);

/* spf=... smtp.mailfrom=MAILFROM, or smtp.helo=HELO for a null sender. */
void authres_add_spf(struct authres *ar, enum spf_result r,
    const char *reason, const char *mailfrom, const char *helo);
/* dkim=... header.d= header.s= header.b= (b: the signature's first
 * characters, RFC 6008); any of d, s, b may be NULL. */
void authres_add_dkim(struct authres *ar, const char *result,
    const char *reason, const char *d, const char *s, const char *b);
/* dmarc=... (p=POLICY dis=DISPOSITION) header.from=DOMAIN */
void authres_add_dmarc(struct authres *ar, const struct dmarc_verdict *v);

/* Appends the whole folded field, "Authentication-Results: ...\r\n" (with
 * "; none" if nothing was added); ar starts over with the same id. */
void authres_finish(struct authres *ar, struct buf *out);

/* The authserv-id of an Authentication-Results value (after the colon):
 * a token or quoted string after optional comments, then an optional
 * version. False if there is none. *well_formed: a ";" follows, as the
 * grammar requires. version may be NULL (1 if not given). */
bool authres_parse_id(const char *value, size_t len, struct buf *id,
    unsigned *version, bool *well_formed);

struct authres_span {
	size_t off, len;     /* the whole field, line end included */
};
/* The Authentication-Results fields of the header block hdr whose
 * authserv-id is authserv_id (case-insensitive, trailing dot ignored),
 * malformed ones included. Fills up to max spans; returns how many there
 * are in all. */
size_t authres_find_ours(const char *hdr, size_t len,
    const char *authserv_id, struct authres_span *spans, size_t max);
/* Appends hdr to out without those fields; returns how many it dropped. */
size_t authres_strip_ours(const char *hdr, size_t len,
    const char *authserv_id, struct buf *out);

#endif
