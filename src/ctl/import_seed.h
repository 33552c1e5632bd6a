/* The seed archmailbox's installation, as `import archmailbox` reads it
 * (formats in docs/DESIGN.md "Migration" and the seed's reference). */
#ifndef AMB_CTL_IMPORT_SEED_H
#define AMB_CTL_IMPORT_SEED_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "store/trees.h"

struct seed_user {
	char *email;
	char *hash;             /* crypto_pwhash_str */
	bool has_key;
	struct trees_key key;
	bool take_mail;         /* imported, or here with the same key (or
	                         * none): its mail is copied. Not for a user
	                         * refused, or here with another key, which
	                         * could not read the old mail */
};

struct seed_alias {
	char *source;           /* "local@domain", "local", "@domain", "@" */
	char *destination;      /* as stored: an address, a local part, "vmail" */
};

struct seed_db {
	char **domains;
	size_t ndomains;
	struct seed_user *users;
	size_t nusers;
	struct seed_alias *aliases;
	size_t naliases;
};

/* Reads smtp.sqlite (read-only). Rows with missing or malformed fields
 * are reported on stderr and left out. */
bool seed_db_read(const char *path, struct seed_db *out, struct buf *err);
void seed_db_free(struct seed_db *db);

/* The destinations of a seed alias as full addresses: a bare local part
 * is looked up again in the seed's table (as OpenSMTPD did), "vmail"
 * (a real user's marker) gives none. Appends to out (xmalloc'd). */
void seed_alias_targets(const struct seed_db *db, const char *destination,
    char ***out, size_t *n);

/* Copies one user's seed Maildir (the files as they are, encrypted or
 * not) into ours, keeping Dovecot's UIDs and UIDVALIDITY, flags and
 * keywords, then indexes it. Files already there are skipped. */
struct progress;
struct seed_mail_stats {
	unsigned long copied, skipped, failed;
	struct progress *pr;        /* a step per message */
};
/* Messages in a seed Maildir and its folders (for the progress). */
unsigned long seed_mail_count(const char *src_maildir);
bool seed_mail_copy(const char *src_maildir, const char *dst_maildir,
    struct seed_mail_stats *st, struct buf *err);

/* DKIM keys of rspamd's directory (<domain>.<selector>.key, PEM or a
 * base64 Ed25519 seed) into our key store, for the domains given. */
bool seed_dkim_import(const char *src, const char *dkim_dir,
    char *const *domains, size_t ndomains, struct buf *err);
/* acme.sh's certificate and key (private.key and fullchain.cer, as the
 * seed installed them) and its account key, into tls/ and acme/. */
bool seed_acme_import(const char *src, const char *state_dir,
    const char *tls_cert, const char *tls_key, struct buf *err);

#endif
