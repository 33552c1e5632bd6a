/* Maildir++ of one user: <mail_dir>/<domain>/<local>/Maildir, folders as
 * ".Name" (".A.B" for A/B). A message is written to tmp/, synced, renamed
 * into new/ and the directory synced: on disk once, whole, or not at all.
 * File names carry ",S=<size of the original message>" as Dovecot's do. */
#ifndef AMB_MAILDIR_H
#define AMB_MAILDIR_H
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"

/* The Maildir path of a canonical address under mail_dir. Path-unsafe
 * bytes of the local part ('/', '%', a leading '.') are %-escaped. */
void maildir_user_path(const char *mail_dir, const char *address, struct buf *out);
/* Creates the Maildir (and parents) with cur/new/tmp, mode 0700.
 * Here and in maildir_deliver_begin/commit, errno tells why a call failed
 * (ENOSPC and EDQUOT are a full disk, worth a retry). */
bool maildir_create(const char *path, struct buf *err);
/* The directory of a folder, a mailbox name as store/mboxname.h maps it
 * ("" or "INBOX" is the Maildir itself); false when the name cannot be a
 * mailbox. Does not check existence. */
bool maildir_folder_path(const char *maildir, const char *folder, struct buf *out);
bool maildir_folder_exists(const char *maildir, const char *folder);
/* The directory of an existing folder, matched exactly or else ignoring
 * ASCII case; false (out empty) if there is none. */
bool maildir_folder_find(const char *maildir, const char *folder, struct buf *out);

/* Deterministic base name for (queue id, recipient index), so a retried
 * delivery can find out that it already happened. */
void maildir_base_name(const char *queue_id, unsigned rcpt, const char *hostname,
    uint64_t size, struct buf *out);
/* Whether a message with this base name is in new/, or with scan_cur
 * also in cur/ (where the mail index renames it to
 * "<base>,U=<uid>:2,<flags>"; finding it there reads the directory). */
bool maildir_has(const char *dir, const char *base, bool scan_cur);

struct maildir_delivery {
	int fd;              /* write the stored form here */
	char *tmp_path;
	char *new_path;
};
bool maildir_deliver_begin(const char *dir, const char *base,
    struct maildir_delivery *d, struct buf *err);
/* Syncs, renames into new/, syncs the directory. Errors such as ENOSPC
 * and EDQUOT are reported and the temporary file removed. */
bool maildir_deliver_commit(struct maildir_delivery *d, struct buf *err);
void maildir_deliver_abort(struct maildir_delivery *d);

/* Sum of the S= sizes of every message in every folder (quota use). */
uint64_t maildir_usage(const char *maildir);

#endif
