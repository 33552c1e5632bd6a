/* IMAP mailbox names <-> Maildir++ folder directories.
 *
 * A mailbox name is UTF-8 with '/' as the hierarchy separator. Its folder
 * is "." followed by the levels joined with "." (Maildir++), each level
 * escaped so that any valid name survives the trip: "." becomes "\2e" and
 * "\" becomes "\5c" (the escapes of Dovecot's listescape plugin); every
 * other byte is kept. INBOX (any case) is the Maildir itself, folder "",
 * and is always spelled "INBOX" as the first level of a name.
 *
 * A valid name is valid UTF-8 (shortest forms, no surrogates), holds no
 * control character (C0, DEL, C1), no list wildcard ('*', '%'), no empty
 * level (leading, trailing or doubled '/'), no level "." or "..", and its
 * folder fits one directory entry (MBOXNAME_FOLDER_MAX bytes). */
#ifndef AMB_MBOXNAME_H
#define AMB_MBOXNAME_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define MBOXNAME_FOLDER_MAX 255

/* Checks a name (len bytes, which may hold a NUL to be refused) and
 * appends its canonical form (INBOX upper-cased) to out. False with a
 * reason in err ("mailbox name ...: why"), out unchanged. */
bool mboxname_canon(const char *name, size_t len, struct buf *out,
    struct buf *err);
/* Appends the folder directory name of a name ("" for INBOX). */
bool mboxname_to_folder(const char *name, size_t len, struct buf *out,
    struct buf *err);
/* The reverse, strict: only what mboxname_to_folder produces from a
 * canonical name is accepted, so other entries of a Maildir ("cur",
 * "..", ".foo.", stray escapes) are not folders. */
bool mboxname_from_folder(const char *folder, size_t len, struct buf *out);
/* Is `name` a child (at any depth) of `parent`? Both canonical. */
bool mboxname_is_child(const char *name, const char *parent);

#endif
