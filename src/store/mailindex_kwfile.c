/* Keywords in Maildir file names, as Dovecot writes them: the letters
 * a..z after the flag letters, each standing for the keyword on its
 * line of the folder's dovecot-keywords file ("<0..25> <name>"). The
 * index keeps the same table; the file lets a rebuild read the letters. */
#include "store/mailindex_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"

#define KEYWORDS_FILE "dovecot-keywords"
#define LETTERS 26

/* Letter index of a keyword: 0..25, -1 none, -2 error. */
static int letter_of(struct mailindex *ix, int64_t mbox, const char *name,
    size_t n, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "SELECT idx FROM keyword_letters WHERE"
	    " mailbox = ? AND name = ?", err);
	if (st == NULL)
		return -2;
	sqlite3_bind_int64(st, 1, mbox);
	sqlite3_bind_text(st, 2, name, (int)n, SQLITE_TRANSIENT);
	int r = mi_row(ix, st, err);
	int idx = r > 0 ? sqlite3_column_int(st, 0) : r == 0 ? -1 : -2;
	mi_done(st);
	return idx;
}

static enum mailindex_rc save_file(struct mailindex *ix, int64_t mbox,
    struct buf *err)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf dir = BUF_INIT, data = BUF_INIT;
	enum mailindex_rc rc = mi_mailbox_dir(ix, mbox, &mb, &dir, err);
	sqlite3_stmt *st = rc == MAILINDEX_OK ? mi_stmt(ix, "SELECT idx, name"
	    " FROM keyword_letters WHERE mailbox = ? ORDER BY idx", err) : NULL;
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, mbox);
		int r;
		while ((r = mi_row(ix, st, err)) > 0)
			buf_printf(&data, "%d %s\n", sqlite3_column_int(st, 0),
			    sqlite3_column_text(st, 1));
		mi_done(st);
		if (r < 0)
			rc = mi_fail(ix, NULL);
	}
	if (rc == MAILINDEX_OK)
		mi_folder_file_write(dir.data, KEYWORDS_FILE, buf_cstr(&data),
		    data.len);
	mailindex_mailbox_free(&mb);
	buf_free(&dir);
	buf_free(&data);
	return rc;
}

static enum mailindex_rc insert_letter(struct mailindex *ix, int64_t mbox,
    int idx, const char *name, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "INSERT OR IGNORE INTO keyword_letters"
	    "(mailbox, idx, name) VALUES(?, ?, ?)", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_int64(st, 1, mbox);
	sqlite3_bind_int(st, 2, idx);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	return mi_run(ix, st, err);
}

/* Gives a keyword the lowest free letter; -1 when all 26 are taken. */
static int learn_letter(struct mailindex *ix, int64_t mbox, const char *name,
    size_t n, struct buf *err)
{
	int64_t idx = LETTERS;
	/* 26 when every letter is taken: the insert then does nothing. */
	if (mi_query_int(ix, "SELECT coalesce(min(i), 26) FROM (SELECT 0 AS i"
	    " UNION ALL SELECT idx + 1 FROM keyword_letters WHERE mailbox = ?1)"
	    " WHERE i < 26 AND i NOT IN (SELECT idx FROM keyword_letters"
	    " WHERE mailbox = ?1)", 1, mbox, 0, &idx, err) < 0)
		return -2;
	if (idx >= LETTERS)
		return -1;
	char *copy = xstrndup(name, n);
	enum mailindex_rc rc = insert_letter(ix, mbox, (int)idx, copy, err);
	free(copy);
	if (rc == MAILINDEX_OK)
		rc = save_file(ix, mbox, err);
	return rc == MAILINDEX_OK ? (int)idx : -2;
}

enum mailindex_rc mi_info(struct mailindex *ix, int64_t mbox, unsigned flags,
    const char *keywords, bool learn, struct buf *out, struct buf *err)
{
	bool have[LETTERS] = { false };
	mi_flags_letters(flags, out);
	for (const char *p = keywords ? keywords : ""; *p;) {
		size_t n = strcspn(p, " ");
		int idx = n ? letter_of(ix, mbox, p, n, err) : -1;
		if (idx == -1 && n && learn)
			idx = learn_letter(ix, mbox, p, n, err);
		if (idx == -2)
			return mi_fail(ix, NULL);
		if (idx >= 0)
			have[idx] = true;
		p += n;
		p += strspn(p, " ");
	}
	for (int i = 0; i < LETTERS; i++)
		if (have[i])
			buf_addch(out, (char)('a' + i));
	return MAILINDEX_OK;
}

enum mailindex_rc mi_keywords_of_letters(struct mailindex *ix, int64_t mbox,
    const char *letters, struct buf *out, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, "SELECT name FROM keyword_letters WHERE"
	    " mailbox = ? AND idx = ?", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	for (const char *l = letters; *l; l++) {
		sqlite3_bind_int64(st, 1, mbox);
		sqlite3_bind_int(st, 2, *l - 'a');
		int r = mi_row(ix, st, err);
		if (r > 0) {
			if (out->len > 0)
				buf_addch(out, ' ');
			buf_addstr(out, (const char *)sqlite3_column_text(st, 0));
		}
		mi_done(st);
		if (r < 0)
			return mi_fail(ix, NULL);
	}
	if (out->data == NULL)
		buf_addstr(out, "");
	return MAILINDEX_OK;
}

enum mailindex_rc mi_keywords_load(struct mailindex *ix, int64_t mbox,
    const char *dir, struct buf *err)
{
	struct buf p = BUF_INIT, data = BUF_INIT, why = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, KEYWORDS_FILE);
	enum mailindex_rc rc = MAILINDEX_OK;
	/* Lines that are not "<0..25> <keyword>" are skipped. */
	if (file_read_all(p.data, 64 * 1024, &data, &why) && data.len > 0) {
		char *save = NULL;
		for (char *line = strtok_r(data.data, "\n", &save);
		    line != NULL && rc == MAILINDEX_OK;
		    line = strtok_r(NULL, "\n", &save)) {
			int idx = -1, used = 0;
			struct buf kwerr = BUF_INIT;
			if (sscanf(line, "%d %n", &idx, &used) == 1 && idx >= 0 &&
			    idx < LETTERS && line[used] != '\0' &&
			    !strchr(line + used, ' ') &&
			    mi_keywords_valid(line + used, &kwerr))
				rc = insert_letter(ix, mbox, idx, line + used, err);
			buf_free(&kwerr);
		}
	}
	buf_free(&p);
	buf_free(&data);
	buf_free(&why);
	return rc;
}

/* Adds the words of list to out (space-separated, no case-insensitive
 * duplicates). */
static void add_list(struct buf *out, const char *list)
{
	struct buf merged = BUF_INIT;
	mi_keywords_apply(buf_cstr(out), MAILINDEX_STORE_ADD, list, &merged);
	buf_set(out, merged.data);
	buf_free(&merged);
}

enum mailindex_rc mailindex_keywords(struct mailindex *ix, int64_t mbox,
    struct buf *out, struct buf *err)
{
	enum mailindex_rc rc = mailindex_mailbox_by_id(ix, mbox, NULL, err);
	sqlite3_stmt *st = rc == MAILINDEX_OK ? mi_stmt(ix, "SELECT name FROM"
	    " keyword_letters WHERE mailbox = ?1 UNION SELECT DISTINCT keywords"
	    " FROM messages WHERE mailbox = ?1 AND keywords != ''", err) : NULL;
	if (st == NULL)
		return rc == MAILINDEX_OK ? MAILINDEX_FAIL : rc;
	sqlite3_bind_int64(st, 1, mbox);
	int r;
	while ((r = mi_row(ix, st, err)) > 0)
		add_list(out, (const char *)sqlite3_column_text(st, 0));
	mi_done(st);
	return r < 0 ? mi_fail(ix, NULL) : MAILINDEX_OK;
}
