/* Inside the Sieve engine: the tree the parser builds and the checker
 * and interpreter read. */
#ifndef AMB_SIEVE_INT_H
#define AMB_SIEVE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "filter/sieve.h"

enum sv_argtype { SV_ARG_TAG, SV_ARG_NUM, SV_ARG_STRS };

struct sv_strs {
	char **v;          /* NUL-free UTF-8 */
	size_t n;
};

struct sv_arg {
	enum sv_argtype type;
	int line;
	char *tag;         /* TAG: lower-cased, with its ':' */
	uint64_t num;
	struct sv_strs s;
	bool tagval;       /* the value of the tag before it (checker) */
};

/* A command, or a test (then block is NULL). */
struct sv_node {
	char *id;          /* lower-cased */
	int line;
	struct sv_arg *args;
	size_t nargs;
	struct sv_node **tests;
	size_t ntests;
	struct sv_node *block;   /* first command of { ... } */
	struct sv_node *next;    /* next command in its block */
	bool has_block;
};

/* Extensions a script required. */
enum {
	SV_EXT_FILEINTO = 1u << 0, SV_EXT_ENVELOPE = 1u << 1,
	SV_EXT_COPY = 1u << 2, SV_EXT_IMAP4FLAGS = 1u << 3,
	SV_EXT_VARIABLES = 1u << 4, SV_EXT_SUBADDRESS = 1u << 5,
	SV_EXT_RELATIONAL = 1u << 6, SV_EXT_BODY = 1u << 7,
	SV_EXT_VACATION = 1u << 8, SV_EXT_NUMERIC = 1u << 9,
};

struct sieve_script {
	struct sv_node *root;
	unsigned exts;
};

/* sieve_parse.c: text -> tree, syntax only. */
struct sv_node *sv_parse(const char *text, size_t len, struct buf *err);
void sv_node_free(struct sv_node *n);
/* sieve_check.c: commands, tags and arguments known and allowed. */
bool sv_check(struct sieve_script *s, struct buf *err);

/* Argument helpers shared by checker and interpreter. */
const struct sv_arg *sv_tag(const struct sv_node *n, const char *tag);
/* The argument after a tag (":days 3"), or NULL. */
const struct sv_arg *sv_tag_value(const struct sv_node *n, const char *tag);
/* The i-th argument that is not a tag nor a tag's value. */
const struct sv_arg *sv_pos(const struct sv_node *n, size_t i);

/* sieve_match.c */
enum sv_cmp { SV_CMP_CASEMAP, SV_CMP_OCTET, SV_CMP_NUMERIC };
enum sv_mt { SV_MT_IS, SV_MT_CONTAINS, SV_MT_MATCHES, SV_MT_COUNT,
	SV_MT_VALUE };
enum sv_rel { SV_REL_GT, SV_REL_GE, SV_REL_LT, SV_REL_LE, SV_REL_EQ,
	SV_REL_NE };
bool sv_cmp_parse(const char *name, enum sv_cmp *out);
bool sv_rel_parse(const char *name, enum sv_rel *out);
/* Compares two values under a comparator: <0, 0, >0. */
int sv_cmp_order(enum sv_cmp c, const char *a, size_t alen, const char *b,
    size_t blen);
bool sv_rel_holds(enum sv_rel r, int order);
bool sv_contains(enum sv_cmp c, const char *hay, size_t hlen,
    const char *needle, size_t nlen);
/* Sieve wildcard match ('*', '?', '\' escapes). caps (may be NULL) gets
 * the text of each wildcard in order, up to ncaps (RFC 5229 3.2). */
bool sv_glob(enum sv_cmp c, const char *s, size_t slen, const char *pat,
    struct buf *caps, size_t ncaps, size_t *ncaught);

/* sieve_vars.c: variables and ${...} expansion. */
struct sv_vars {
	char *name[SIEVE_MAX_VARS];
	struct buf val[SIEVE_MAX_VARS];
	size_t n;
	struct buf match[10];     /* ${0}..${9} */
	size_t nmatch;
	bool on;                  /* "variables" required: expand */
};
void sv_vars_free(struct sv_vars *v);
/* Expands ${name} and ${N} in s into out (reset first); verbatim when
 * variables are off. */
void sv_expand(const struct sv_vars *v, const char *s, struct buf *out);
/* false when the table is full. */
bool sv_var_set(struct sv_vars *v, const char *name, const char *val,
    size_t len);
const struct buf *sv_var_get(const struct sv_vars *v, const char *name);
bool sv_var_name_ok(const char *name);
/* set's modifiers, applied in RFC 5229 4.1's order. */
void sv_modify(const struct sv_node *set, const char *in, size_t len,
    struct buf *out);

/* sieve_flags.c: imap4flags lists, kept normalised (unique, one space
 * apart; system flags capitalised as "\Seen"). */
void sv_flags_add(struct buf *list, const char *flags);
void sv_flags_remove(struct buf *list, const char *flags);
void sv_flags_set(struct buf *list, const char *flags);

/* A list of values a test compares (they may hold NUL bytes). */
struct sv_vals {
	struct buf data;
	size_t *off, *len;
	size_t n;
};
/* Ends the value that began at data offset start. */
void sv_vals_end(struct sv_vals *v, size_t start);
void sv_vals_add(struct sv_vals *v, const char *s, size_t n);
void sv_vals_free(struct sv_vals *v);

/* sieve_msgdata.c: what tests read from the message. */
struct sv_msgdata {
	const struct sieve_msg *m;
	size_t hdr_len;           /* header block incl. the blank line */
	struct mime_tree *mime;   /* parsed on the first body test */
};
/* Every value of header `name`, unfolded; with decode, encoded words
 * decoded too. */
void sv_header_values(const struct sv_msgdata *d, const char *name,
    bool decode, struct sv_vals *out);
bool sv_header_exists(const struct sv_msgdata *d, const char *name);
/* Body text per transform: "raw", "text" or "content" with types. */
void sv_body_text(struct sv_msgdata *d, const char *transform,
    const struct sv_strs *types, struct sv_vals *out);

#endif
