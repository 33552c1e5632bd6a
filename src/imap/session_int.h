/* Internal to the session engine (session*.c): the state, the command
 * handlers of each file and the shared helpers. */
#ifndef AMB_IMAP_SESSION_INT_H
#define AMB_IMAP_SESSION_INT_H
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "imap/command.h"
#include "imap/parser.h"
#include "imap/respond.h"
#include "imap/session.h"
#include "imap/view.h"
#include "store/mailindex.h"
#include "store/trees.h"

#define SESSION_DEFAULT_APPEND_LIMIT (100ull << 20)

struct session_append;          /* session_append.c */

struct imap_session {
	/* from the params */
	char *user, *maildir, *hostname;
	unsigned char pk[TREES_PK_LEN];
	bool have_pk;
	unsigned char *sk;          /* sodium_malloc'd copy, NULL: none */
	bool encrypt;
	uint64_t quota, append_limit;
	enum compress_algo algo;
	int level;
	imap_training_fn training;
	void *training_arg;

	struct mailindex *ix;
	struct imap_parser *parser;
	struct buf out;
	struct imap_writer w;
	bool closed;

	/* ENABLEd */
	bool condstore, qresync, utf8, rev2;

	/* IDLE */
	bool idling;
	char *idle_tag;

	/* the selected mailbox */
	bool selected;
	struct imap_view view;
	size_t msgs_cap;
	char *sel_name;
	uint32_t uidvalidity;
	uint64_t modseq_seen;       /* HIGHESTMODSEQ the view is in step with */
	uint32_t recent;            /* arrivals announced to this session */
	struct mailindex_uids pending_expunge;  /* held back (RFC 3501 7.4.1) */
	struct buf keywords;        /* as last sent in FLAGS */

	struct session_append *append;
};

/* --- session.c: shared helpers --- */
/* "tag OK|NO|BAD [code] text". */
void sess_tagged(struct imap_session *s, const char *tag, const char *status,
    const char *code, const char *text);
/* NO with the response code that fits a mailindex error. */
void sess_index_error(struct imap_session *s, const char *tag,
    enum mailindex_rc rc, const char *err);
/* "* BYE text" and close. */
void sess_bye(struct imap_session *s, const char *text);
/* Flags of a STORE/APPEND list: system flag bits and space-separated
 * keywords. False (text in err) for \Recent or an unknown system flag. */
bool sess_parse_flags(const struct imap_strlist *l, unsigned *flags,
    struct buf *kw, struct buf *err);
/* "\Seen kw ..." of a message, and the same in parentheses. */
void sess_write_flag_atoms(struct imap_writer *w, unsigned flags,
    const char *keywords);
void sess_write_flags(struct imap_writer *w, unsigned flags,
    const char *keywords);

/* Appends a UID to a list. */
void sess_uids_add(struct mailindex_uids *u, uint32_t uid);

/* --- session_view.c: the selected mailbox kept in step --- */
/* Loads the view of a mailbox after SELECT: every message. */
enum mailindex_rc view_load(struct imap_session *s,
    const struct mailindex_mailbox *mb, struct buf *err);
void view_clear(struct imap_session *s);
/* Sends what changed since the view was last in step. allow_expunge is
 * false during FETCH, STORE, SEARCH (RFC 3501 7.4.1): expunges are then
 * held back for a later command. */
void view_refresh(struct imap_session *s, bool allow_expunge);
/* Index of a UID in the view, or -1. */
long view_find_uid(const struct imap_session *s, uint32_t uid);
/* Resolves a command's set (sequence numbers, or UIDs when uid) to the
 * view's indexes, ascending; false with BAD text for a sequence number
 * beyond the mailbox. */
bool view_resolve(struct imap_session *s, struct imap_seqset *set, bool uid,
    size_t **idx, size_t *n, struct buf *err);
/* "* n FETCH (UID u FLAGS (...) [MODSEQ (m)])" of view message i. */
void view_write_fetch(struct imap_session *s, size_t i, bool flags,
    bool uid);
/* Sends FLAGS again if a changed message has a keyword not yet in it. */
void view_check_keywords(struct imap_session *s,
    const struct mailindex_msgs *ch);
/* Sends FLAGS and PERMANENTFLAGS (keywords from the index). */
void view_send_flags(struct imap_session *s);

/* --- command groups --- */
void cmd_list(struct imap_session *s, struct imap_command *c);
void cmd_lsub(struct imap_session *s, struct imap_command *c);
void cmd_create(struct imap_session *s, struct imap_command *c);
void cmd_delete(struct imap_session *s, struct imap_command *c);
void cmd_rename(struct imap_session *s, struct imap_command *c);
void cmd_subscribe(struct imap_session *s, struct imap_command *c, bool on);
void cmd_status(struct imap_session *s, struct imap_command *c);
void cmd_namespace(struct imap_session *s, struct imap_command *c);
/* The "* STATUS name (...)" line (also LIST-STATUS). */
void write_status(struct imap_session *s, const struct mailindex_mailbox *mb,
    unsigned items);

void cmd_select(struct imap_session *s, struct imap_command *c);
void cmd_unselect(struct imap_session *s, struct imap_command *c,
    bool expunge);
/* Leaves the selected mailbox (no response). */
void sess_deselect(struct imap_session *s);

void cmd_store(struct imap_session *s, struct imap_command *c);
void cmd_copy(struct imap_session *s, struct imap_command *c, bool move);
void cmd_expunge(struct imap_session *s, struct imap_command *c);

void append_begin(struct imap_session *s, struct imap_command *c);
void append_data(struct imap_session *s, const void *p, size_t n);
void append_end(struct imap_session *s);
void append_done(struct imap_session *s, const char *tag);
/* The parser aborted the APPEND (BAD): nothing is stored. */
void append_abort(struct imap_session *s);

void cmd_capability(struct imap_session *s, struct imap_command *c);
void cmd_noop(struct imap_session *s, struct imap_command *c);
void cmd_logout(struct imap_session *s, struct imap_command *c);
void cmd_enable(struct imap_session *s, struct imap_command *c);
void cmd_id(struct imap_session *s, struct imap_command *c);
void cmd_idle(struct imap_session *s, struct imap_command *c);
void idle_done(struct imap_session *s, const char *bad);
void cmd_getquota(struct imap_session *s, struct imap_command *c, bool root);

#endif
