/* A consistent copy of a live SQLite database for mailboxctl backup:
 * SQLite's online backup API copies it into a temp file under one read
 * transaction (a snapshot, in WAL mode) while mailboxd goes on writing. */
#include "ctl/backup_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* Opening a WAL database as root may create its -wal and -shm files;
 * they must stay the database owner's, or mailboxd could not write them. */
static void keep_owner(const char *path)
{
	struct stat db, side;
	if (geteuid() != 0 || stat(path, &db) != 0)
		return;
	static const char *suffix[] = { "-wal", "-shm" };
	for (int i = 0; i < 2; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s%s", path, suffix[i]);
		if (stat(p.data, &side) == 0 &&
		    (side.st_uid != db.st_uid || side.st_gid != db.st_gid) &&
		    chown(p.data, db.st_uid, db.st_gid) != 0)
			fprintf(stderr, "mailboxctl: backup: cannot give %s back to "
			    "its owner: %s\n", p.data, strerror(errno));
		buf_free(&p);
	}
}

static bool copy_db(sqlite3 *src, const char *dst_path, struct buf *err)
{
	sqlite3 *dst = NULL;
	bool ok = false;
	if (sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		buf_printf(err, "temp database: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return false;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		buf_printf(err, "SQLite backup: %s", sqlite3_errmsg(dst));
	} else {
		int rc;
		/* All pages in one step: one read transaction, so writers in
		 * another process (WAL) neither wait nor restart the copy. */
		while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK ||
		    rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			if (rc != SQLITE_OK)
				sqlite3_sleep(20);
		ok = rc == SQLITE_DONE;
		if (sqlite3_backup_finish(b) != SQLITE_OK || !ok) {
			buf_printf(err, "SQLite backup: %s", sqlite3_errmsg(dst));
			ok = false;
		}
	}
	if (sqlite3_close(dst) != SQLITE_OK)
		ok = false;
	return ok;
}

int backup_sqlite_copy(const char *path, const char *tmpdir, struct buf *err)
{
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s/mailboxctl-backup-XXXXXX", tmpdir);
	int fd = mkostemp(tmp.data, O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "temp file in %s: %s", tmpdir, strerror(errno));
		buf_free(&tmp);
		return -1;
	}
	sqlite3 *src = NULL;
	bool ok = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_busy_timeout(src, 10000);
		ok = copy_db(src, tmp.data, err);
	} else {
		buf_printf(err, "%s: %s", path, sqlite3_errmsg(src));
	}
	sqlite3_close(src);
	keep_owner(path);
	/* The copy may have left its own journal beside it. */
	struct buf side = BUF_INIT;
	buf_printf(&side, "%s-journal", tmp.data);
	unlink(side.data);
	buf_free(&side);
	unlink(tmp.data);
	buf_free(&tmp);
	if (!ok || lseek(fd, 0, SEEK_SET) < 0) {
		if (err->len == 0)
			buf_printf(err, "%s: copy failed", path);
		close(fd);
		return -1;
	}
	return fd;
}
