/* Internals shared by the mailindex_*.c files. */
#ifndef AMB_MAILINDEX_PRIV_H
#define AMB_MAILINDEX_PRIV_H
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "common/buf.h"
#include "store/mailindex.h"

#define MI_STMT_CACHE 96

struct mi_stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
};

struct mailindex {
	sqlite3 *db;
	char *maildir;
	char *path;                 /* index.sqlite */
	long long data_version;
	struct mi_stmt_slot stmts[MI_STMT_CACHE];
	unsigned char *cache_key;   /* sodium_malloc'd once unlocked */
	unsigned char cache_pk[32]; /* the user key it is sealed to */
};

/* --- database helpers (mailindex_db.c) --- */
/* A prepared statement for sql, cached per handle (sql must be a string
 * literal); bind, step, then mi_done. NULL with err set on failure. */
sqlite3_stmt *mi_stmt(struct mailindex *ix, const char *sql, struct buf *err);
void mi_done(sqlite3_stmt *st);
/* Steps st: 1 a row, 0 done, -1 error (err set). */
int mi_row(struct mailindex *ix, sqlite3_stmt *st, struct buf *err);
/* Steps st expecting no row, then mi_done. */
enum mailindex_rc mi_run(struct mailindex *ix, sqlite3_stmt *st,
    struct buf *err);
/* Appends the SQLite reason; returns MAILINDEX_CORRUPT or MAILINDEX_FAIL. */
enum mailindex_rc mi_fail(struct mailindex *ix, struct buf *err);
/* Runs sql with the first n of four int64 parameters, expecting no rows. */
enum mailindex_rc mi_exec(struct mailindex *ix, const char *sql, int n,
    int64_t a, int64_t b, int64_t c, int64_t d, struct buf *err);
/* First column of the only row: 1 row, 0 none, -1 error. */
int mi_query_int(struct mailindex *ix, const char *sql, int n, int64_t a,
    int64_t b, int64_t *out, struct buf *err);
/* BEGIN IMMEDIATE; mi_end commits if rc is OK, else rolls back, and
 * returns the final rc. */
enum mailindex_rc mi_begin(struct mailindex *ix, struct buf *err);
enum mailindex_rc mi_end(struct mailindex *ix, enum mailindex_rc rc,
    struct buf *err);
/* The schema, applied in a fresh file inside mi_begin. */
enum mailindex_rc mi_schema_create(struct mailindex *ix, struct buf *err);
/* OK when the file is ours and current (*empty: it has no schema yet);
 * CORRUPT when it is something else; FAIL when it cannot be read. */
enum mailindex_rc mi_schema_check(struct mailindex *ix, bool *empty,
    struct buf *err);

/* --- mailboxes (mailindex_mbox.c) --- */
/* Row of a canonical name: 1 found, 0 none, -1 error. */
int mi_mailbox_row(struct mailindex *ix, const char *name,
    struct mailindex_mailbox *out, struct buf *err);
/* Inserts a mailbox row (uidvalidity 0: a fresh one). */
enum mailindex_rc mi_mailbox_insert(struct mailindex *ix, const char *name,
    uint32_t uidvalidity, uint32_t uidnext, unsigned special,
    uint64_t modseq, int64_t *id, struct buf *err);
/* A UIDVALIDITY above every one this index gave out, and above `floor`. */
enum mailindex_rc mi_new_uidvalidity(struct mailindex *ix, uint32_t floor,
    uint32_t *out, struct buf *err);
/* Allocates the next MODSEQ of a mailbox (inside a transaction). */
enum mailindex_rc mi_next_modseq(struct mailindex *ix, int64_t mbox,
    uint64_t *out, struct buf *err);
/* Creates the missing parents of a canonical name (in a transaction). */
enum mailindex_rc mi_make_parents(struct mailindex *ix, const char *name,
    struct buf *err);
/* Subscribes or unsubscribes a canonical name (in a transaction). */
enum mailindex_rc mi_subscribe_locked(struct mailindex *ix, const char *name,
    bool on, struct buf *err);
/* Writes the subscriptions file from the table (best effort). */
void mi_subscriptions_save(struct mailindex *ix);
/* Reads the subscriptions file into the table (rebuild). */
enum mailindex_rc mi_subscriptions_load(struct mailindex *ix, struct buf *err);

/* --- folders on disk (mailindex_folder.c) --- */
/* <maildir>/<folder of name>. */
void mi_folder_dir(struct mailindex *ix, const char *name, struct buf *out);
/* Creates the folder's cur/new/tmp. */
bool mi_folder_create(const char *dir, struct buf *err);
/* Removes a folder directory tree (files and cur/new/tmp). */
void mi_folder_remove(const char *dir);
/* The folder's archmailbox-uidvalidity file: "<uidvalidity> <uidnext>
 * <special>\n". Writing is best effort (it only helps a rebuild). */
struct mi_folder_meta {
	uint32_t uidvalidity;
	uint32_t uidnext;
	unsigned special;
};
bool mi_folder_meta_read(const char *dir, struct mi_folder_meta *m);
/* Replaces dir/name with data (through dir/tmp, not synced). */
void mi_folder_file_write(const char *dir, const char *name, const char *data,
    size_t len);
void mi_folder_meta_write(const char *dir, const struct mi_folder_meta *m);
/* Saves the current row of mailbox `mbox` into its folder's file. */
void mi_folder_meta_save(struct mailindex *ix, int64_t mbox);

/* --- message files (mailindex_file.c) --- */
/* A directory entry of new/ or cur/, taken apart. */
struct mi_entry {
	char *name;              /* as on disk */
	char *base;              /* without ,U= and the :2, info */
	uint32_t uid;            /* from ,U=; 0 none */
	unsigned flags;          /* from the :2, info */
	char kw[27];             /* its keyword letters a..z */
	bool in_new;
};
void mi_entry_parse(const char *name, bool in_new, struct mi_entry *e);
void mi_entry_free(struct mi_entry *e);
/* Lists new/ and cur/ of a folder, sorted by base (then name). */
bool mi_entries_read(const char *dir, struct mi_entry **out, size_t *n,
    struct buf *err);
void mi_entries_free(struct mi_entry *v, size_t n);
/* "cur/<base>,U=<uid>:2,<info>" under dir (info from mi_info). */
void mi_msg_file(const char *dir, const char *base, uint32_t uid,
    const char *info, struct buf *out);
void mi_flags_letters(unsigned flags, struct buf *out);
/* RFC822.SIZE from ",S=" of a base name; false if it has none. */
bool mi_base_size(const char *base, uint64_t *size);
/* A fresh unique base name for a copy of `base` (keeps its S=). */
void mi_base_unique(const char *base, struct buf *out);
/* Finds the file of (base, uid) in dir: the expected name first, else a
 * scan of cur/ and new/. */
bool mi_msg_find(const char *dir, const char *base, uint32_t uid,
    const char *info, struct buf *out);

/* File renames and links made inside a transaction, undone if it does
 * not commit. */
struct mi_undo {
	struct {
		char *from;
		char *to;
		bool link_only;
	} *v;
	size_t n, cap;
};
void mi_undo_rename(struct mi_undo *u, const char *from, const char *to,
    bool link_only);
void mi_undo_rollback(struct mi_undo *u);
void mi_undo_free(struct mi_undo *u);
/* rename() / link() (or a copy where links fail), recorded in u. */
bool mi_file_move(struct mi_undo *u, const char *from, const char *to,
    struct buf *err);
bool mi_file_link(struct mi_undo *u, const char *from, const char *to,
    struct buf *err);

/* --- messages (mailindex_msg.c, mailindex_sync.c) --- */
/* Inserts a message row. */
enum mailindex_rc mi_msg_insert(struct mailindex *ix, int64_t mbox,
    const struct mailindex_msg *m, struct buf *err);
/* Deletes a row and records the expunge at modseq. */
enum mailindex_rc mi_msg_expunge_row(struct mailindex *ix, int64_t mbox,
    uint32_t uid, uint64_t modseq, struct buf *err);
/* Unlinks a message's file and expunges its row at modseq. */
enum mailindex_rc mi_expunge_one(struct mailindex *ix, int64_t mbox,
    const char *dir, const struct mailindex_msg *m, uint64_t modseq,
    struct buf *err);
/* Takes the UID: returns the current uidnext and raises it. */
enum mailindex_rc mi_take_uid(struct mailindex *ix, int64_t mbox,
    uint32_t *uid, struct buf *err);
/* One message row: 1 found, 0 none, -1 error; mi_msg_free after. */
int mi_msg_get(struct mailindex *ix, int64_t mbox, uint32_t uid,
    struct mailindex_msg *out, struct buf *err);
void mi_msg_free(struct mailindex_msg *m);
/* The messages of uids (NULL: all) that exist, once each, by UID. */
enum mailindex_rc mi_msgs_of_uids(struct mailindex *ix, int64_t mbox,
    const uint32_t *uids, size_t n, struct mailindex_msgs *out,
    struct buf *err);
/* The mailbox row of an id and its folder directory. */
enum mailindex_rc mi_mailbox_dir(struct mailindex *ix, int64_t mbox,
    struct mailindex_mailbox *mb, struct buf *dir, struct buf *err);
/* Reads the message columns of a row (uid, flags, keywords, modseq,
 * internaldate, size, base: columns 0..6). */
void mi_msg_from_row(sqlite3_stmt *st, struct mailindex_msg *m);
void mi_msgs_push(struct mailindex_msgs *v, const struct mailindex_msg *m);
void mi_uids_push(struct mailindex_uids *v, uint32_t uid);
/* COPY/MOVE inside a transaction (uids NULL: every message); the file
 * operations are recorded in undo. */
enum mailindex_rc mi_copy_locked(struct mailindex *ix, int64_t src,
    const uint32_t *uids, size_t n, int64_t dst, bool move,
    struct mailindex_copyuid *out, struct mi_undo *undo, struct buf *err);
/* Sync of one mailbox; rebuild honours the files' U= UIDs. Renames go
 * into u, for the caller to undo if its transaction fails. */
enum mailindex_rc mi_sync_locked(struct mailindex *ix, int64_t mbox,
    bool force, bool rebuild, struct mi_undo *u, struct buf *err);
/* Folders without a row become mailboxes (UIDVALIDITY, UIDNEXT and UIDs
 * from their files), rows without a folder go. */
enum mailindex_rc mi_sync_mailboxes_locked(struct mailindex *ix,
    struct buf *err);
/* The same in its own transaction, skipped when the Maildir directory
 * has not changed since the last time. */
enum mailindex_rc mi_sync_mailboxes_if_changed(struct mailindex *ix,
    struct buf *err);

/* --- keyword letters in file names (mailindex_kwfile.c) --- */
/* The Maildir info of flags and keywords: flag letters, then the letters
 * a..z of those keywords that have one in this mailbox (Dovecot's
 * dovecot-keywords file). With learn, a keyword without a letter gets
 * the next free one (26 at most) and the folder's file is rewritten. */
enum mailindex_rc mi_info(struct mailindex *ix, int64_t mbox, unsigned flags,
    const char *keywords, bool learn, struct buf *out, struct buf *err);
/* Keyword names of the letters a..z in `letters`, space-separated. */
enum mailindex_rc mi_keywords_of_letters(struct mailindex *ix, int64_t mbox,
    const char *letters, struct buf *out, struct buf *err);
/* Loads a folder's dovecot-keywords into the mailbox's letters (found
 * folder, rebuild). */
enum mailindex_rc mi_keywords_load(struct mailindex *ix, int64_t mbox,
    const char *dir, struct buf *err);

/* --- keywords (mailindex_kw.c) --- */
/* Checks a space-separated keyword list (IMAP atoms, no '\'). */
bool mi_keywords_valid(const char *kw, struct buf *err);
/* Applies op to `cur` (space-separated), appending the result to out;
 * matching is case-insensitive and the first spelling is kept. */
void mi_keywords_apply(const char *cur, enum mailindex_store_op op,
    const char *kw, struct buf *out);

#endif
