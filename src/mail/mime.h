/* MIME (RFC 2045/2046/2183/2231): Content-Type and Content-Disposition
 * values, and the part tree of a whole message held in memory, shaped for
 * IMAP BODYSTRUCTURE and BODY[section] (RFC 3501 6.4.5, 7.4.2). */
#ifndef AMB_MAIL_MIME_H
#define AMB_MAIL_MIME_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "mail/decode.h"

#define MIME_MAX_PARAMS 64

struct mime_param {
	char *name;     /* as written, without RFC 2231 "*N*" suffixes */
	char *value;    /* unquoted; RFC 2231 values joined and in UTF-8 */
};

/* A Content-Type ("type/subtype; params") or, with subtype NULL, a
 * Content-Disposition ("inline; filename=..."). type/subtype lowercased. */
struct mime_ctype {
	char *type;
	char *subtype;
	struct mime_param *params;
	size_t nparams;
};

/* Parses a header value. False (out then empty, caller applies the
 * default) when there is no type or, with want_subtype, no "/subtype".
 * Malformed parameters are skipped; comments and folding are ignored. */
bool mime_ctype_parse(const char *s, size_t n, bool want_subtype,
    struct mime_ctype *out);
void mime_ctype_free(struct mime_ctype *ct);
/* Value of a parameter by name (case-insensitive), or NULL. */
const char *mime_param_get(const struct mime_ctype *ct, const char *name);
bool mime_ctype_is(const struct mime_ctype *ct, const char *type,
    const char *subtype);   /* subtype NULL: any */

enum mime_kind {
	MIME_LEAF,        /* any single part */
	MIME_MULTIPART,   /* children are the parts */
	MIME_MESSAGE,     /* message/rfc822 (or global): child is the message */
};

/* One node. A "message" node (the root, or the child of a MIME_MESSAGE
 * part) has the message header as hdr and is itself typed by it. All
 * offsets are into the buffer given to mime_parse. */
struct mime_part {
	enum mime_kind kind;
	size_t hdr_off, hdr_len;     /* header block incl. blank line */
	size_t body_off, body_len;   /* body: BODYSTRUCTURE size */
	size_t body_lines;           /* LF count, +1 for an unterminated
	                                last line: BODYSTRUCTURE lines */
	struct mime_ctype ct;        /* defaulted when absent or invalid */
	bool ct_defaulted;
	struct mime_ctype disp;      /* type NULL when absent */
	enum cte cte;
	char *cte_raw;               /* NULL when absent, else as written */
	char *id, *description, *md5, *language, *location;  /* or NULL */
	/* multipart only: before the first and after the close delimiter */
	size_t preamble_off, preamble_len, epilogue_off, epilogue_len;
	bool missing_close;          /* multipart ended without "--b--" */
	struct mime_part *parent, *child, *next;
	size_t nchildren;
};

struct mime_limits {
	unsigned max_depth;          /* nesting of multipart/message */
	size_t max_parts;
	size_t max_header;           /* header bytes parsed per part */
};
#define MIME_LIMITS_DEFAULT { 64, 10000, 256 * 1024 }

struct mime_tree {
	const char *msg;
	size_t len;
	struct mime_part *root;
	size_t nparts;
	bool truncated;              /* a limit stopped the parse somewhere */
};

/* Parses the whole message; never fails (hostile input gives a tree that
 * is as good as the input allows). lim NULL: defaults. */
struct mime_tree *mime_parse(const char *msg, size_t len,
    const struct mime_limits *lim);
void mime_tree_free(struct mime_tree *t);

/* Section part numbers ("1.2.3" -> {1,2,3}) to the part they name, with
 * the RFC 3501 rule that part 1 of a non-multipart message is its body.
 * NULL if no such part. n == 0 gives the root. */
const struct mime_part *mime_find_part(const struct mime_part *root,
    const unsigned *nums, size_t n);

enum mime_sect {
	MIME_SECT_ALL,       /* BODY[] / BODY[1.2]: whole message or part body */
	MIME_SECT_HEADER,    /* BODY[HEADER] / BODY[1.2.HEADER] (also for
	                        HEADER.FIELDS: filter this range) */
	MIME_SECT_TEXT,      /* BODY[TEXT] / BODY[1.2.TEXT] */
	MIME_SECT_MIME,      /* BODY[1.2.MIME]: the part's own header */
};
/* Byte range of a section. HEADER and TEXT with n > 0 need a
 * message/rfc822 part; MIME needs n > 0. False if the section does not
 * exist (IMAP then returns an empty string). */
bool mime_section_range(const struct mime_tree *t, const unsigned *nums,
    size_t n, enum mime_sect what, size_t *off, size_t *len);

/* Parses "1.2.3" (the numeric prefix of a section spec) into nums; the
 * rest (e.g. "HEADER") is left at *rest. False on a malformed number or
 * more than max numbers. */
bool mime_section_nums(const char *spec, unsigned *nums, size_t max,
    size_t *n, const char **rest);

/* Content of a part for reading and SEARCH: transfer encoding removed
 * and, for "text" parts, converted from its charset to UTF-8 (an unknown
 * charset is read as UTF-8, invalid bytes replaced). Other types get the
 * decoded bytes. Appends to out. */
void mime_part_decoded(const struct mime_tree *t, const struct mime_part *p,
    struct buf *out);

/* A header block as UTF-8 text for SEARCH: one "Name: value\n" line per
 * field, unfolded, encoded words decoded. Appends to out. */
void mime_header_text(const char *hdr, size_t len, struct buf *out);

#endif
