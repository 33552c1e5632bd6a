/* The selected mailbox as one IMAP session sees it, and the commands that
 * read messages through it (FETCH, SEARCH, SORT, THREAD).
 *
 * The session engine (session.h) owns the view: it fills msgs from the
 * index at SELECT and keeps it in step (new messages appended, expunges
 * announced and removed, flags refreshed); message sequence number n is
 * msgs.v[n - 1]. The read commands below take the parsed arguments from
 * command.h, read messages through the index and msgstore_open, and write
 * their untagged responses; the engine writes the tagged status line. */
#ifndef AMB_IMAP_VIEW_H
#define AMB_IMAP_VIEW_H
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "imap/command.h"
#include "imap/respond.h"
#include "store/mailindex.h"
#include "store/trees.h"

struct imap_view {
	struct mailindex *ix;
	int64_t mbox;                  /* mailindex mailbox id */
	const char *maildir;           /* the user's Maildir root */
	bool readonly;                 /* EXAMINE: FETCH BODY[] sets no \Seen */
	bool condstore;                /* CONDSTORE/QRESYNC enabled: MODSEQ in FETCH */
	bool utf8;                     /* UTF8=ACCEPT enabled */
	/* The user's keys: sk NULL when the user has encryption off. Held in
	 * locked memory by the session; never copied elsewhere. */
	const unsigned char *pk;
	const unsigned char *sk;
	struct mailindex_msgs msgs;    /* in sequence order */
	/* The result SEARCH RETURN (SAVE) kept for "$" (RFC 5182): UIDs,
	 * ascending. Zero-initialised; imap_view_saved_clear at SELECT. */
	struct mailindex_uids saved;
};

void imap_view_saved_clear(struct imap_view *v);

/* What a read command reports back to the engine. */
enum imap_view_rc {
	IMAP_VIEW_OK,
	IMAP_VIEW_NO,      /* text says why ("[SERVERBUG]", a message gone) */
	IMAP_VIEW_BAD,     /* arguments the engine should not have passed */
};

/* FETCH / UID FETCH: untagged "* n FETCH (...)" for each message of the
 * set (sequence numbers, or UIDs when uid). Sets \Seen for BODY[...]
 * without PEEK unless readonly (through mailindex_store, so other
 * sessions see it), and reports the change in the same response. */
enum imap_view_rc imap_view_fetch(struct imap_view *v,
    const struct imap_fetch_args *a, bool uid, struct imap_writer *w,
    struct buf *text);

/* SEARCH / UID SEARCH (ESEARCH when a->has_return): untagged SEARCH or
 * ESEARCH response. tag is for ESEARCH's (TAG "x"). */
enum imap_view_rc imap_view_search(struct imap_view *v,
    const struct imap_search_args *a, bool uid, const char *tag,
    struct imap_writer *w, struct buf *text);

/* SORT and THREAD (RFC 5256), REFERENCES and ORDEREDSUBJECT. */
enum imap_view_rc imap_view_sort(struct imap_view *v,
    const struct imap_sort_args *a, bool uid, struct imap_writer *w,
    struct buf *text);
enum imap_view_rc imap_view_thread(struct imap_view *v,
    const struct imap_thread_args *a, bool uid, struct imap_writer *w,
    struct buf *text);

#endif
