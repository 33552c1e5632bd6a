/* mailboxctl import/export: internals shared by src/ctl/import*.c and
 * src/ctl/export.c. */
#ifndef AMB_CTL_IMPORT_H
#define AMB_CTL_IMPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "ctl/ctl.h"
#include "store/compress.h"
#include "store/userdb.h"

struct config;
struct mailindex;

ctl_cmd_fn import_archmailbox, import_encpipe, import_maildir, import_mbox;

/* A counter shown on stderr while it is a terminal, at most ten times a
 * second; silent otherwise. total 0: unknown. */
struct progress {
	const char *what;
	uint64_t done, total;
	bool tty;
	struct timespec last;
};
void progress_init(struct progress *p, const char *what, uint64_t total);
void progress_step(struct progress *p);
void progress_end(struct progress *p);

/* The message file names of a folder's cur/ and new/, read once and kept
 * sorted, for "is this one there already" (see maildir_has). */
struct name_set {
	char *dir;
	char **v;
	size_t n, cap;
};
void name_set_load(struct name_set *s, const char *dir);
bool name_set_has(const struct name_set *s, const char *base);
/* Records a name just written. */
void name_set_add(struct name_set *s, const char *name);
void name_set_free(struct name_set *s);

/* One user's mailbox as the importer writes it. */
struct import_target {
	struct config *cfg;
	struct userdb *db;
	struct userdb_user user;
	char *mail_dir;             /* state_dir/mail */
	char *maildir;              /* the user's Maildir */
	struct mailindex *ix;
	enum compress_algo algo;
	int level;
	struct name_set names;      /* of the folder last stored into */
	unsigned long stored, skipped, failed;
};
bool import_target_open(struct ctl *ctl, const char *address,
    struct import_target *t);
/* Makes the mailbox `folder` (canonical IMAP name) if missing. */
bool import_target_folder(struct import_target *t, const char *folder,
    struct buf *dir);
/* Stores one message into the folder directory dir under a name made
 * from a hash of source_id and the bytes, so a second run finds it and
 * skips it. Counts the result in t. */
bool import_target_store(struct import_target *t, const char *dir,
    const char *source_id, const void *data, size_t len, unsigned flags,
    const char *keywords, int64_t date);
/* Gives the files to the mail store's owner (when run as root), prints
 * the counts; the exit status. */
int import_target_close(struct import_target *t, const char *what);

/* Dovecot keeps folder names on disk in modified UTF-7 unless told to
 * use UTF-8: a name that decodes strictly as modified UTF-7 (and so is
 * not plain text that happens to hold '&') is replaced by its UTF-8
 * form, canonical. False leaves name as it was. */
bool import_name_from_mutf7(struct buf *name);

/* Gives every file under path to the owner of owner_dir when running as
 * root (the mail store belongs to its own system user). */
bool import_give_tree(const char *owner_dir, const char *path,
    struct buf *err);

/* The same for the directory of address's domain under mail_dir. */
bool import_give_user(const char *mail_dir, const char *address,
    struct buf *err);

#endif
