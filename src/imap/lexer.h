/* Internal to src/imap: token readers over one complete command as sent on
 * the wire (literals inline after their "{n}\r\n"), and the per-command
 * arena. The framer (parser.c) guarantees the buffer holds whole lines. */
#ifndef AMB_IMAP_LEXER_H
#define AMB_IMAP_LEXER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap/command.h"

struct imap_lex {
	const char *p, *end;
	struct imap_command *cmd;   /* arena owner */
	bool utf8;                  /* UTF8=ACCEPT enabled: names are UTF-8 */
	bool incomplete;            /* ran out of bytes inside a literal */
	unsigned depth, max_depth;
	size_t max_literal;
	char err[160];              /* first error, for the BAD text */
};

/* Arena: memory freed (and wiped) with the command. */
void *imap_arena_alloc(struct imap_command *cmd, size_t n);
char *imap_arena_strndup(struct imap_command *cmd, const char *s, size_t n);
void imap_arena_free(struct imap_command *cmd);

/* Records the first error; always returns false so callers can
 * "return lex_fail(l, ...)". */
bool lex_fail(struct imap_lex *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

bool lex_at_end(const struct imap_lex *l);
bool lex_peek_char(const struct imap_lex *l, char c);
bool lex_sp(struct imap_lex *l);            /* exactly one SP */
bool lex_char(struct imap_lex *l, char c);  /* expected character */
bool lex_eol(struct imap_lex *l);           /* nothing left */
/* Consumes word case-insensitively if the next token is exactly it. */
bool lex_word(struct imap_lex *l, const char *word);

bool lex_is_atom_char(unsigned char c);
/* atom: 1*ATOM-CHAR; extra lists further bytes allowed (e.g. "]" for
 * astring, "%*" for list-mailbox, "[]<>." for fetch att names). */
bool lex_atom_ex(struct imap_lex *l, const char *extra, const char **s,
    size_t *n);
bool lex_atom(struct imap_lex *l, char **out);      /* arena copy */
bool lex_number(struct imap_lex *l, uint32_t *out); /* 0..4294967295 */
bool lex_nz_number(struct imap_lex *l, uint32_t *out);
bool lex_number64(struct imap_lex *l, uint64_t *out);   /* < 2^63 */
bool lex_string(struct imap_lex *l, char **out, size_t *len);
bool lex_astring(struct imap_lex *l, char **out);
bool lex_nstring(struct imap_lex *l, char **out);   /* NIL -> NULL */
/* list-mailbox: atom with % * ] or a string (LIST patterns). */
bool lex_list_mailbox(struct imap_lex *l, char **out);
/* mailbox: astring, decoded from modified UTF-7 (or checked as UTF-8),
 * "INBOX" in any case made "INBOX". */
bool lex_mailbox(struct imap_lex *l, char **out);
bool lex_mailbox_decode(struct imap_lex *l, char *raw, char **out);
/* flag: "\Word" or atom; flag-list: "(" [flag *(SP flag)] ")". */
bool lex_flag(struct imap_lex *l, char **out);
bool lex_flag_list(struct imap_lex *l, struct imap_strlist *out);
bool lex_seqset(struct imap_lex *l, struct imap_seqset *out);
bool lex_date(struct imap_lex *l, struct imap_date *out);   /* maybe quoted */
bool lex_date_time(struct imap_lex *l, time_t *t, int *tz_minutes);
/* Parenthesised list of items read by fn, separated by single SP. */
bool lex_paren_list(struct imap_lex *l, bool allow_empty,
    bool (*fn)(struct imap_lex *, void *), void *arg);

void strlist_push(struct imap_command *cmd, struct imap_strlist *sl, char *s);

#endif
