/* Internal to src/imap: argument parsers for each group of commands. Each
 * starts right after the command name and must consume up to the end. */
#ifndef AMB_IMAP_PARSE_INT_H
#define AMB_IMAP_PARSE_INT_H
#include "imap/lexer.h"

bool parse_search_args(struct imap_lex *l, struct imap_search_args *a);
bool parse_sort_args(struct imap_lex *l, struct imap_sort_args *a);
bool parse_thread_args(struct imap_lex *l, struct imap_thread_args *a);
bool parse_fetch_args(struct imap_lex *l, struct imap_fetch_args *a,
    bool uid);
bool parse_store_args(struct imap_lex *l, struct imap_store_args *a);
bool parse_list_args(struct imap_lex *l, struct imap_list_args *a);
bool parse_lsub_args(struct imap_lex *l, struct imap_list_args *a);
bool parse_status_args(struct imap_lex *l, struct imap_status_args *a);
bool parse_select_args(struct imap_lex *l, struct imap_select_args *a);
/* "(" status-att *(SP status-att) ")" into IMAP_STATUS_* bits. */
bool parse_status_items(struct imap_lex *l, unsigned *items);

/* APPEND up to a message literal: SP mailbox [SP flags] [SP date-time] SP
 * (or, for index > 0, the MULTIAPPEND tail [SP flags] [SP date-time] SP).
 * Leaves l at the literal's "{" or "~{". */
bool parse_append_msg(struct imap_lex *l, struct imap_append_args *a,
    bool first);
/* Reads "{n}\r\n", "{n+}\r\n" or "~{n}\r\n" that must end the buffer. */
bool parse_append_literal(struct imap_lex *l, struct imap_append_args *a);

/* The whole command: tag, name, arguments. NULL with err set on error. */
struct imap_command *imap_parse_command(const char *buf, size_t len,
    bool utf8, size_t max_literal, unsigned max_depth, char *err,
    size_t errlen);

#endif
