/* A user's Sieve scripts on disk, next to their Maildir:
 *   <mail_dir>/<domain>/<local>/sieve/<name>.sieve
 *   <mail_dir>/<domain>/<local>/sieve/active -> <name>.sieve (symlink)
 * The symlink is the one "active" marker: replaced atomically (a new
 * link renamed over it), so deliver sees the old script or the new one,
 * and stat() of it tells a changed script by inode and mtime. Scripts
 * are written to a temporary name, synced and renamed into place. */
#ifndef AMB_SIEVESTORE_H
#define AMB_SIEVESTORE_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/buf.h"

#define SIEVESTORE_MAX_SCRIPTS 64
#define SIEVESTORE_NAME_MAX    128

enum sievestore_rc {
	SIEVESTORE_OK,
	SIEVESTORE_NOTFOUND,
	SIEVESTORE_ACTIVE,     /* the active script cannot be deleted */
	SIEVESTORE_EXISTS,     /* rename onto an existing name */
	SIEVESTORE_FULL,       /* SIEVESTORE_MAX_SCRIPTS already */
	SIEVESTORE_FAIL,       /* I/O error, in err */
};

/* Appends the sieve directory of a canonical address. */
void sievestore_dir(const char *mail_dir, const char *address,
    struct buf *out);
/* 1..SIEVESTORE_NAME_MAX bytes of valid UTF-8, no control character,
 * no '/', not starting with '.'. */
bool sievestore_name_ok(const char *name);

/* Stores (or replaces) a script; the directory is made if missing. */
enum sievestore_rc sievestore_put(const char *dir, const char *name,
    const char *text, size_t len, struct buf *err);
enum sievestore_rc sievestore_get(const char *dir, const char *name,
    struct buf *out, struct buf *err);
/* The active script's name into out ("" when none). */
void sievestore_active(const char *dir, struct buf *out);
/* name "" deactivates. */
enum sievestore_rc sievestore_activate(const char *dir, const char *name,
    struct buf *err);
enum sievestore_rc sievestore_delete(const char *dir, const char *name,
    struct buf *err);
enum sievestore_rc sievestore_rename(const char *dir, const char *from,
    const char *to, struct buf *err);
/* Vacation's memory (RFC 5230 4.2): true when no reply went under key
 * (vacation.h's hex key) in the last `days` days, and then records one
 * now, in <dir>/.vacation/<key> (its mtime). The caller serialises
 * calls for one user. */
bool sievestore_vacation_due(const char *dir, const char *key, long days,
    time_t now);

/* The names of the scripts, sorted; the caller frees each and the array. */
char **sievestore_list(const char *dir, size_t *n);
void sievestore_list_free(char **v, size_t n);

#endif
