/* Reading what Dovecot (and so the seed) keeps in a Maildir, sans I/O:
 * dovecot-uidlist (UIDVALIDITY, next UID and the UID of each file),
 * dovecot-keywords (letter a..z -> keyword) and the flags and keyword
 * letters of a file name's ":2," info. Malformed lines are skipped: the
 * files only help to keep UIDs and keywords, the mail is in the files. */
#ifndef AMB_DOVECOT_H
#define AMB_DOVECOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define DOVECOT_UIDLIST_FILE  "dovecot-uidlist"
#define DOVECOT_KEYWORDS_FILE "dovecot-keywords"
#define DOVECOT_KEYWORDS_MAX  26

struct dovecot_uid {
	uint32_t uid;
	char *base;             /* the file name up to its ':' */
};

struct dovecot_uidlist {
	uint32_t uidvalidity;
	uint32_t uidnext;       /* above every UID listed */
	struct dovecot_uid *v;  /* sorted by base, bases unique */
	size_t n;
};

/* Versions 1 ("1 V N") and 3 ("3 V<uidvalidity> N<next> ..."). False if
 * the header is not one of them (out is then empty). UIDs must ascend;
 * a line that breaks that, or repeats a base, is skipped. */
bool dovecot_uidlist_parse(const char *text, size_t len,
    struct dovecot_uidlist *out);
/* The UID of a base, 0 if not listed. */
uint32_t dovecot_uidlist_find(const struct dovecot_uidlist *l,
    const char *base);
void dovecot_uidlist_free(struct dovecot_uidlist *l);

/* names[i] is the keyword of letter 'a' + i, or NULL. */
struct dovecot_keywords {
	char *names[DOVECOT_KEYWORDS_MAX];
};
void dovecot_keywords_parse(const char *text, size_t len,
    struct dovecot_keywords *out);
void dovecot_keywords_free(struct dovecot_keywords *k);

/* The letter index of word (case-insensitive), added in the first free
 * slot if missing; -1 when all 26 are taken. */
int dovecot_keywords_letter(struct dovecot_keywords *k, const char *word);
/* The file's text: "<index> <keyword>" lines. */
void dovecot_keywords_format(const struct dovecot_keywords *k,
    struct buf *out);
/* The ":2," info of flags (MAILINDEX_*) and the space-separated keywords,
 * which get letters of k (added as needed), appended to out. */
void dovecot_info(unsigned flags, const char *keywords,
    struct dovecot_keywords *k, struct buf *out);

/* Dovecot's subscriptions file as our names, one per line appended to
 * out. Version 2 ("V\t2" header) separates levels with a tab; version 1
 * lines use the namespace's separator, which for Maildir++ may be '.':
 * a line is taken as dotted when is_folder says ".<line>" is a folder
 * directory. Lines with control characters are dropped. */
typedef bool dovecot_is_folder_fn(const char *dir, void *arg);
void dovecot_subscriptions_parse(const char *text, size_t len,
    dovecot_is_folder_fn *is_folder, void *arg, struct buf *out);

/* A message file name taken apart: base (up to ':'), system flags
 * (MAILINDEX_SEEN ...) and the keywords its letters name, appended to
 * kw space-separated (letters kws does not know are dropped). */
void dovecot_name_parse(const char *name, const struct dovecot_keywords *kws,
    struct buf *base, unsigned *flags, struct buf *kw);

#endif
