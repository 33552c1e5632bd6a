/* Internals shared by FETCH, SEARCH, SORT and THREAD (view.h). */
#ifndef AMB_IMAP_VIEW_INT_H
#define AMB_IMAP_VIEW_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "imap/msgcache.h"
#include "imap/respond.h"
#include "imap/view.h"
#include "mail/mime.h"

struct istream;

/* One command's access to messages: the cache blobs it built wait in
 * `pending` and go to the index in batches (one transaction each). */
struct view_cx {
	struct imap_view *v;
	struct buf err;
	struct buf *pending;        /* encoded blobs */
	uint32_t *pending_uid;
	size_t npending;
	bool unlocked;              /* mailindex_cache_unlock done */
	bool failed;                /* a message could not be read */
};

void view_cx_init(struct view_cx *cx, struct imap_view *v);
/* Writes what is pending and frees the context. */
void view_cx_done(struct view_cx *cx);

/* The message as a stream of its original bytes, or NULL (cx->err). */
struct istream *view_open(struct view_cx *cx, const struct mailindex_msg *m);
/* The whole message into out (reset first). */
bool view_read(struct view_cx *cx, const struct mailindex_msg *m,
    struct buf *out);
/* The cache entry of m: from the index, else (with build) built from
 * the message and queued to be stored. */
bool view_cached(struct view_cx *cx, const struct mailindex_msg *m,
    struct msgcache *c, bool build);
/* Builds c from the whole message already read, and queues it. */
void view_cache_built(struct view_cx *cx, const struct mailindex_msg *m,
    const char *msg, size_t len, struct msgcache *c);

/* Indexes (0-based) of the view's messages in set, ascending. False when
 * a sequence number is out of range (BAD). */
bool view_select(struct imap_view *v, struct imap_seqset *set, bool uid,
    size_t **idx, size_t *n);
/* Index of the first message with UID >= uid (msgs.n if none). */
size_t view_index_of_uid(const struct imap_view *v, uint32_t uid);
/* Is message i (0-based) in set, for SEARCH's sequence-set and UID keys? */
bool view_in_set(const struct imap_view *v, const struct imap_seqset *set,
    bool uid, size_t i);

/* Rendering (fetch_struct.c). */
void fetch_w_envelope(struct imap_writer *w, const char *hdr, size_t len);
void fetch_w_body(struct imap_writer *w, const struct mime_tree *t,
    const struct mime_part *p, bool ext);
void fetch_w_flags(struct imap_writer *w, const struct mailindex_msg *m);

/* Section data (fetch_body.c): writes the attribute's value (a literal,
 * or "" for a section that does not exist). False with *no_text set for
 * a NO (UNKNOWN-CTE), or on a read error (cx->failed). */
bool fetch_section(struct view_cx *cx, const struct mailindex_msg *m,
    const struct imap_fetch_att *a, struct msgcache *c, bool *have_c,
    struct imap_writer *w, const char **no_text);

/* The data of a BODY[...] or BINARY[...] section of a parsed message
 * (before any partial): *p and *n point into the message, or into data when
 * it had to be built; *exists false for a section that is not there.
 * False with *no_text for an unknown encoding. */
bool fetch_section_data(const struct mime_tree *t,
    const struct imap_fetch_att *a, struct buf *data, const char **p,
    size_t *n, bool *exists, const char **no_text);

/* SEARCH evaluation (search.c): the matching indexes, ascending. BAD for
 * a bad charset gives NO with text [BADCHARSET]. */
enum imap_view_rc view_search_run(struct view_cx *cx, const char *charset,
    const struct imap_search_key *key, bool uid, size_t **idx, size_t *n,
    struct buf *text);

/* What SORT and THREAD look at (sort.c). Strings are case-folded. */
struct msginfo {
	size_t i;                   /* in the view */
	int64_t date;               /* Date: in UTC, else INTERNALDATE */
	char *subject;              /* base subject (RFC 5256 2.1) */
	bool reply;                 /* Re:, Fwd: or a trailing (fwd) removed */
	char *from, *to, *cc;       /* the first address's mailbox */
	char *dfrom, *dto;          /* display name, else the address */
	char *msgid;                /* THREAD only; NULL when absent */
	char **refs;                /* References (or In-Reply-To) ids */
	size_t nrefs;
};
void msginfo_load(struct view_cx *cx, size_t i, bool thread,
    struct msginfo *mi);
void msginfo_free(struct msginfo *mi);
/* SORT's and THREAD's start: the messages the key matches, each loaded
 * (with the thread fields when thread), in *mi (caller frees each with
 * msginfo_free, then the array). */
enum imap_view_rc msginfo_search(struct imap_view *v, const char *charset,
    const struct imap_search_key *key, bool uid, bool thread,
    struct msginfo **mi, size_t *n, struct buf *text);
/* Base subject of an unfolded Subject value; *reply as above. */
void sort_base_subject(const char *subj, size_t n, struct buf *out,
    bool *reply);

#endif
