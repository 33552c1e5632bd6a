/* Subscriptions: a table of names, mirrored to Maildir/subscriptions
 * (one canonical name per line) so that a rebuild keeps them. */
#include "store/mailindex_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "store/mboxname.h"

#define SUBS_MAX (1u << 20)

enum mailindex_rc mi_subscribe_locked(struct mailindex *ix, const char *name,
    bool on, struct buf *err)
{
	sqlite3_stmt *st = mi_stmt(ix, on ?
	    "INSERT OR IGNORE INTO subscriptions(name) VALUES(?)" :
	    "DELETE FROM subscriptions WHERE name = ?", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return mi_run(ix, st, err);
}

enum mailindex_rc mailindex_subscribe(struct mailindex *ix, const char *name,
    bool on, struct buf *err)
{
	struct buf c = BUF_INIT;
	enum mailindex_rc rc = MAILINDEX_BADNAME;
	if (mboxname_canon(name, strlen(name), &c, err)) {
		rc = mi_begin(ix, err);
		if (rc == MAILINDEX_OK)
			rc = mi_end(ix, mi_subscribe_locked(ix, c.data, on, err), err);
	}
	if (rc == MAILINDEX_OK)
		mi_subscriptions_save(ix);
	buf_free(&c);
	return rc;
}

void mailindex_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

enum mailindex_rc mailindex_subscriptions(struct mailindex *ix, char ***names,
    size_t *n, struct buf *err)
{
	*names = NULL;
	*n = 0;
	sqlite3_stmt *st = mi_stmt(ix, "SELECT name FROM subscriptions"
	    " ORDER BY name", err);
	if (st == NULL)
		return MAILINDEX_FAIL;
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xreallocarray(*names, cap, sizeof **names);
		}
		(*names)[(*n)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	enum mailindex_rc rc = r == SQLITE_DONE ? MAILINDEX_OK : mi_fail(ix, err);
	mi_done(st);
	if (rc != MAILINDEX_OK) {
		mailindex_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

void mi_subscriptions_save(struct mailindex *ix)
{
	char **names;
	size_t n;
	struct buf data = BUF_INIT, path = BUF_INIT, err = BUF_INIT;
	if (mailindex_subscriptions(ix, &names, &n, NULL) != MAILINDEX_OK)
		return;
	for (size_t i = 0; i < n; i++)
		buf_printf(&data, "%s\n", names[i]);
	buf_printf(&path, "%s/%s", ix->maildir, MAILINDEX_SUBSCRIPTIONS_FILE);
	file_write_atomic(path.data, data.data ? data.data : "", data.len, 0600,
	    &err);
	mailindex_names_free(names, n);
	buf_free(&data);
	buf_free(&path);
	buf_free(&err);
}

enum mailindex_rc mi_subscriptions_load(struct mailindex *ix, struct buf *err)
{
	struct buf path = BUF_INIT, data = BUF_INIT, why = BUF_INIT;
	buf_printf(&path, "%s/%s", ix->maildir, MAILINDEX_SUBSCRIPTIONS_FILE);
	enum mailindex_rc rc = MAILINDEX_OK;
	/* Missing or unreadable: nothing to restore. Lines that are not
	 * valid names are skipped. */
	if (file_read_all(path.data, SUBS_MAX, &data, &why) && data.len > 0) {
		char *save = NULL;
		for (char *line = strtok_r(data.data, "\n", &save);
		    line != NULL && rc == MAILINDEX_OK;
		    line = strtok_r(NULL, "\n", &save)) {
			struct buf c = BUF_INIT;
			if (mboxname_canon(line, strlen(line), &c, NULL))
				rc = mi_subscribe_locked(ix, c.data, true, err);
			buf_free(&c);
		}
	}
	buf_free(&path);
	buf_free(&data);
	buf_free(&why);
	return rc;
}
