/* The per-user mail index: <user>/index.sqlite next to <user>/Maildir.
 * It gives IMAP what a Maildir lacks (UIDVALIDITY, UIDs, flags and
 * keywords, MODSEQ, expunge history, subscriptions, sealed caches) and is
 * shared by every process of one user (IMAP sessions, deliver): SQLite in
 * WAL mode with a busy timeout, every change one transaction. Renames of
 * message files happen while that transaction holds the write lock, so
 * under the lock the Maildir and the index agree.
 *
 * Every indexed message lives in its folder's cur/ as
 *     <base>,U=<uid>:2,<flags>
 * where <base> is the delivered name (".../msgstore.h", ending ",S=<size>"),
 * <flags> the Maildir letters D F R S T of \Draft \Flagged \Answered
 * \Seen \Deleted, then letters a..z of up to 26 keywords (Dovecot's
 * dovecot-keywords file in the folder). Each folder also keeps a small
 * file "archmailbox-uidvalidity". With those, a lost or damaged index is
 * rebuilt with the same UIDVALIDITY, UIDs, flags and keywords (DESIGN.md).
 *
 * Mailbox names are canonical UTF-8 IMAP names with '/' (store/mboxname.h);
 * functions taking a name canonicalise it and refuse invalid ones. */
#ifndef AMB_MAILINDEX_H
#define AMB_MAILINDEX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define MAILINDEX_FILE "index.sqlite"
#define MAILINDEX_UIDVALIDITY_FILE "archmailbox-uidvalidity"
#define MAILINDEX_SUBSCRIPTIONS_FILE "subscriptions"

enum mailindex_rc {
	MAILINDEX_OK = 0,
	MAILINDEX_NOTFOUND,   /* no such mailbox (IMAP [NONEXISTENT]) */
	MAILINDEX_EXISTS,     /* the target name is taken ([ALREADYEXISTS]) */
	MAILINDEX_BADNAME,    /* invalid name or argument; err says why */
	MAILINDEX_CANNOT,     /* not allowed (delete INBOX, rename under itself) */
	MAILINDEX_CORRUPT,    /* the database is damaged: close, mailindex_rebuild */
	MAILINDEX_FAIL,       /* I/O or database error (busy too long, disk full) */
};

/* System flags (IMAP) and their Maildir info letters. */
#define MAILINDEX_SEEN     0x01u   /* S */
#define MAILINDEX_ANSWERED 0x02u   /* R */
#define MAILINDEX_FLAGGED  0x04u   /* F */
#define MAILINDEX_DELETED  0x08u   /* T */
#define MAILINDEX_DRAFT    0x10u   /* D */
#define MAILINDEX_FLAGS_ALL 0x1fu

/* Special-use attributes (RFC 6154). */
#define MAILINDEX_USE_ALL     0x01u
#define MAILINDEX_USE_ARCHIVE 0x02u
#define MAILINDEX_USE_DRAFTS  0x04u
#define MAILINDEX_USE_FLAGGED 0x08u
#define MAILINDEX_USE_JUNK    0x10u
#define MAILINDEX_USE_SENT    0x20u
#define MAILINDEX_USE_TRASH   0x40u
#define MAILINDEX_USE_MASK    0x7fu

struct mailindex;

/* Opening. `maildir` is <user>/Maildir; the index is <user>/index.sqlite.
 * A missing Maildir or index is created (an index from what the Maildir
 * holds); an index that is not ours, of another schema version, or that
 * SQLite finds damaged is renamed aside ("index.sqlite.broken-<time>")
 * and rebuilt. With MAILINDEX_OPEN_CHECK (a login) the whole file is
 * checked (PRAGMA quick_check, O(size), caches included) if an earlier
 * handle met damage and said so with mailindex_mark_damaged. */
#define MAILINDEX_OPEN_CHECK 0x1u
struct mailindex *mailindex_open(const char *maildir, unsigned flags,
    struct buf *err);
/* Leaves a mark (index.sqlite.damaged) so the next MAILINDEX_OPEN_CHECK
 * checks the whole file, and rebuilds it if the check fails. */
void mailindex_mark_damaged(struct mailindex *ix);
void mailindex_close(struct mailindex *ix);
/* Renames the index aside and rebuilds it from the Maildir. Other handles
 * on the old file must be closed and opened again. */
enum mailindex_rc mailindex_rebuild(const char *maildir, struct buf *err);

/* Mailboxes. */
struct mailindex_mailbox {
	int64_t id;              /* stable across renames */
	char *name;              /* canonical IMAP name */
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	unsigned special;        /* MAILINDEX_USE_* */
	uint32_t messages;
	uint32_t unseen;
	uint64_t bytes;          /* sum of RFC822.SIZE */
	bool has_children;       /* set by mailindex_list */
};
void mailindex_mailbox_free(struct mailindex_mailbox *mb);
enum mailindex_rc mailindex_mailbox_get(struct mailindex *ix, const char *name,
    struct mailindex_mailbox *out, struct buf *err);
enum mailindex_rc mailindex_mailbox_by_id(struct mailindex *ix, int64_t id,
    struct mailindex_mailbox *out, struct buf *err);
/* Creates the mailbox and, as RFC 3501 suggests, any missing parent;
 * special is MAILINDEX_USE_* (CREATE ... USE, RFC 6154). */
enum mailindex_rc mailindex_create(struct mailindex *ix, const char *name,
    unsigned special, struct buf *err);
/* Deletes the mailbox, its messages and folder; children stay (their
 * parent then no longer exists). Subscriptions are kept (RFC 3501). */
enum mailindex_rc mailindex_delete(struct mailindex *ix, const char *name,
    struct buf *err);
/* Renames with every child, and their subscriptions. Renaming INBOX moves
 * its messages into a new mailbox and leaves INBOX empty (RFC 3501). */
enum mailindex_rc mailindex_rename(struct mailindex *ix, const char *from,
    const char *to, struct buf *err);
enum mailindex_rc mailindex_set_special(struct mailindex *ix, const char *name,
    unsigned special, struct buf *err);
/* Every mailbox, sorted by name. */
enum mailindex_rc mailindex_list(struct mailindex *ix,
    struct mailindex_mailbox **out, size_t *n, struct buf *err);
void mailindex_list_free(struct mailindex_mailbox *v, size_t n);
/* Subscriptions are names, not mailboxes: a name may be subscribed that
 * does not exist (LIST shows it \NonExistent). Mirrored to the Maildir's
 * "subscriptions" file, one name per line, for rebuilds. */
enum mailindex_rc mailindex_subscribe(struct mailindex *ix, const char *name,
    bool on, struct buf *err);
enum mailindex_rc mailindex_subscriptions(struct mailindex *ix, char ***names,
    size_t *n, struct buf *err);
void mailindex_names_free(char **names, size_t n);
/* INBOX, Sent, Drafts, Trash, Junk, Archive with their special-use flags,
 * subscribed, folders created. Cheap when they exist. */
enum mailindex_rc mailindex_ensure_defaults(struct mailindex *ix,
    struct buf *err);
/* Special-use attribute <-> "\Sent" etc.; 0 / NULL when unknown. */
unsigned mailindex_special_parse(const char *attr);
const char *mailindex_special_name(unsigned bit);

/* Messages. */
struct mailindex_msg {
	uint32_t uid;
	unsigned flags;          /* MAILINDEX_SEEN ... */
	char *keywords;          /* space-separated, "" for none */
	uint64_t modseq;
	int64_t internaldate;    /* Unix seconds */
	uint64_t size;           /* RFC822.SIZE (of the decrypted message) */
	char *base;              /* file base name (no ,U= or :2, info) */
};
struct mailindex_msgs {
	struct mailindex_msg *v;
	size_t n;
};
struct mailindex_uids {
	uint32_t *v;
	size_t n;
};
void mailindex_msgs_free(struct mailindex_msgs *m);
void mailindex_uids_free(struct mailindex_uids *u);

/* One message (mailindex_msg_free after). */
enum mailindex_rc mailindex_message(struct mailindex *ix, int64_t mbox,
    uint32_t uid, struct mailindex_msg *out, struct buf *err);
void mailindex_msg_free(struct mailindex_msg *m);
/* Every keyword in use in the mailbox or known to its folder (the FLAGS
 * response), space-separated, appended to out. */
enum mailindex_rc mailindex_keywords(struct mailindex *ix, int64_t mbox,
    struct buf *out, struct buf *err);
/* Messages whose MODSEQ is above `since` (0: all), in UID order. */
enum mailindex_rc mailindex_messages(struct mailindex *ix, int64_t mbox,
    uint64_t since, struct mailindex_msgs *out, struct buf *err);
/* UIDs expunged with a MODSEQ above `since`, ascending. *complete is false
 * when the history does not reach back that far (the index was rebuilt):
 * QRESYNC then reports every UID below UIDNEXT that no longer exists. */
enum mailindex_rc mailindex_expunged_since(struct mailindex *ix, int64_t mbox,
    uint64_t since, struct mailindex_uids *out, bool *complete,
    struct buf *err);
/* Path of the message's file (for msgstore_open). */
enum mailindex_rc mailindex_msg_path(struct mailindex *ix, int64_t mbox,
    uint32_t uid, struct buf *out, struct buf *err);

/* Indexes a file that msgstore wrote into a folder's new/ (deliver,
 * APPEND) and moves it to cur/. The mailbox is the folder the path lies
 * in; the path must start with the maildir given to mailindex_open (as
 * msgstore's does when given the same mail_dir). Indexing the same file
 * twice gives the same UID. */
struct mailindex_new {
	unsigned flags;
	const char *keywords;    /* space-separated or NULL */
	int64_t internaldate;    /* 0: the file's mtime; else also set as mtime */
};
struct mailindex_added {
	int64_t mbox;            /* the mailbox it went into */
	uint32_t uidvalidity;
	uint32_t uid;
	uint64_t modseq;
};
enum mailindex_rc mailindex_add(struct mailindex *ix, const char *path,
    const struct mailindex_new *opt, struct mailindex_added *out,
    struct buf *err);

/* STORE: set, add or remove flags and keywords of the given UIDs (UIDs
 * that do not exist are skipped). With unchangedsince > 0 (CONDSTORE) a
 * message whose MODSEQ is higher is left alone and listed in `modified`
 * (UNCHANGEDSINCE 0 fails for every message: the caller answers it
 * without a call).
 * `changed` gets the new state of each message that changed, with its
 * new MODSEQ; an unchanged message keeps its MODSEQ. */
enum mailindex_store_op {
	MAILINDEX_STORE_SET,
	MAILINDEX_STORE_ADD,
	MAILINDEX_STORE_REMOVE,
};
struct mailindex_store {
	enum mailindex_store_op op;
	unsigned flags;
	const char *keywords;    /* space-separated or NULL */
	uint64_t unchangedsince; /* 0: no condition */
};
enum mailindex_rc mailindex_store(struct mailindex *ix, int64_t mbox,
    const uint32_t *uids, size_t n, const struct mailindex_store *st,
    struct mailindex_msgs *changed, struct mailindex_uids *modified,
    struct buf *err);

/* EXPUNGE: removes the given UIDs (uids NULL: all) that have \Deleted;
 * `expunged` lists them. Files are unlinked, expunges recorded. */
enum mailindex_rc mailindex_expunge(struct mailindex *ix, int64_t mbox,
    const uint32_t *uids, size_t n, struct mailindex_uids *expunged,
    struct buf *err);

/* COPY / MOVE into dst with new UIDs; flags, keywords and INTERNALDATE go
 * along. out gets COPYUID data: dst's UIDVALIDITY, and the source and new
 * UIDs pairwise in source-UID order. A move also expunges the sources. */
struct mailindex_copyuid {
	uint32_t uidvalidity;
	struct mailindex_uids src;
	struct mailindex_uids dst;
};
void mailindex_copyuid_free(struct mailindex_copyuid *c);
enum mailindex_rc mailindex_copy(struct mailindex *ix, int64_t src,
    const uint32_t *uids, size_t n, int64_t dst, bool move,
    struct mailindex_copyuid *out, struct buf *err);

/* Brings a mailbox in line with its folder: new files get UIDs (in file
 * name order) and move to cur/, rows whose file is gone are expunged,
 * flags changed in file names are taken over. Without `force` it does
 * nothing when new/ and cur/ are unchanged since the last sync. */
enum mailindex_rc mailindex_sync(struct mailindex *ix, int64_t mbox,
    bool force, struct buf *err);
/* Folders created or removed behind the index's back become mailboxes
 * or stop being ones. Run by mailindex_open. */
enum mailindex_rc mailindex_sync_mailboxes(struct mailindex *ix,
    struct buf *err);

/* Has another handle committed a change since the last call (or since
 * open)? Cheap (PRAGMA data_version): IDLE polls it. 1 yes, 0 no, -1 error. */
int mailindex_changed(struct mailindex *ix);

/* Quota use of the whole user: sum of RFC822.SIZE and message count. */
enum mailindex_rc mailindex_usage(struct mailindex *ix, uint64_t *bytes,
    uint64_t *messages, struct buf *err);

/* The per-message cache (envelope, body structure, search text: the
 * caller's format), one blob per message, copied along by COPY/MOVE.
 * With pk (the user encrypts) the index never holds it in the clear:
 * - put with pk alone (deliver) seals it to pk (crypto_box_seal);
 * - after mailindex_cache_unlock(pk, sk) (an IMAP session), put encrypts
 *   it with the user's cache key (XChaCha20-Poly1305), a key kept in the
 *   index sealed to pk: reading it back is then cheap symmetric work.
 * NULL pk stores it as given (a user without encryption).
 * get with sk opens either encrypted form (unlocking the cache key on
 * first use) and treats a plain blob as absent; without sk an encrypted
 * blob is absent. Returns 1 found (appended to out), 2 found in the
 * slow sealed form (put it again after unlocking to speed up later
 * reads), 0 absent, -1 error. */
#define MAILINDEX_CACHE_MAX (16u << 20)
enum mailindex_rc mailindex_cache_unlock(struct mailindex *ix,
    const unsigned char *pk, const unsigned char *sk, struct buf *err);
enum mailindex_rc mailindex_cache_put(struct mailindex *ix, int64_t mbox,
    uint32_t uid, const void *data, size_t len, const unsigned char *pk,
    struct buf *err);
/* Many blobs in one transaction (FETCH filling the cache); messages that
 * no longer exist are skipped. */
struct mailindex_cache_item {
	uint32_t uid;
	const void *data;
	size_t len;
};
enum mailindex_rc mailindex_cache_put_many(struct mailindex *ix, int64_t mbox,
    const struct mailindex_cache_item *items, size_t n,
    const unsigned char *pk, struct buf *err);
int mailindex_cache_get(struct mailindex *ix, int64_t mbox, uint32_t uid,
    const unsigned char *pk, const unsigned char *sk, struct buf *out,
    struct buf *err);

#endif
