/* mailboxctl backup's walk of the state directory: what it leaves out,
 * the order it reads in, and the SQLite copy, through a real sealer. */
#include "t.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/buf.h"
#include "common/fileutil.h"
#include "ctl/backup_write.h"

static void mk(const char *dir, const char *rel, const char *content)
{
	struct buf p = BUF_INIT, err = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, rel);
	if (content == NULL)
		CHECK(mkdir(p.data, 0700) == 0);
	else
		CHECK(file_write_atomic(p.data, content, strlen(content), 0600, &err));
	buf_free(&p);
	buf_free(&err);
}

static sqlite3 *make_db(const char *dir, const char *rel)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, rel);
	sqlite3 *db;
	CHECK(sqlite3_open(p.data, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x);"
	    "INSERT INTO t VALUES('kept in the copy');", NULL, NULL, NULL) == SQLITE_OK);
	/* Left open: the row is in the WAL only, as with a running server. */
	buf_free(&p);
	return db;
}

static bool to_buf(void *ctx, const void *p, size_t n, struct buf *err)
{
	(void)err;
	buf_add(ctx, p, n);
	return true;
}

struct listing {
	struct buf paths;
	struct buf content;
};

static bool l_entry(void *ctx, const struct archive_entry *e, struct buf *err)
{
	(void)err;
	struct listing *l = ctx;
	buf_printf(&l->paths, "%c %s\n", e->type, e->path);
	return true;
}

static bool l_data(void *ctx, const void *p, size_t n, struct buf *err)
{
	(void)err;
	struct listing *l = ctx;
	buf_add(&l->content, p, n);
	return true;
}

static bool l_feed(void *ctx, const void *p, size_t n, struct buf *err)
{
	return archive_parser_feed(ctx, p, n, err);
}

TEST(backup_walk_excludes_and_orders)
{
	const char *dir = t_tmpdir();
	static const char *dirs[] = { "state", "state/empty", "state/queue",
		"state/queue/env", "state/queue/incoming", "state/mail",
		"state/mail/d", "state/mail/d/u", "state/mail/d/u/Maildir",
		"state/mail/d/u/Maildir/cur", "state/mail/d/u/Maildir/new",
		"state/mail/d/u/Maildir/tmp" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		mk(dir, dirs[i], NULL);
	mk(dir, "state/mailboxd.pid", "123\n");
	mk(dir, "state/empty/x", "x");
	mk(dir, "state/queue/env/A", "env");
	mk(dir, "state/queue/env/B.tmp", "half");
	mk(dir, "state/queue/incoming/C", "old");
	mk(dir, "state/mail/d/u/Maildir/cur/1:2,S", "one");
	mk(dir, "state/mail/d/u/Maildir/new/2", "two");
	mk(dir, "state/mail/d/u/Maildir/tmp/3", "three");
	sqlite3 *db = make_db(dir, "state/mail/d/u/index.sqlite");
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/state/link", dir);
	CHECK(symlink("/etc/passwd", p.data) == 0);
	buf_reset(&p);
	buf_printf(&p, "%s/state/fifo", dir);
	CHECK(mkfifo(p.data, 0600) == 0);
	buf_reset(&p);
	buf_printf(&p, "%s/state", dir);

	unsigned char key[ARCHIVE_KEY_LEN];
	randombytes_buf(key, sizeof key);
	struct archive_header h;
	archive_header_init(&h, ARCHIVE_FULL, NULL);
	struct buf sealed = BUF_INIT, err = BUF_INIT;
	struct backup_writer w;
	memset(&w, 0, sizeof w);
	w.tmpdir = dir;
	w.sealer = archive_sealer_new(&h, key, to_buf, &sealed, &err);
	archive_put_info(&w.rec, "", 0);
	int fd = open(p.data, O_RDONLY | O_DIRECTORY);
	CHECK(backup_walk(&w, fd, "state", "", &err));
	close(fd);
	archive_put_end(&w.rec, w.entries, w.bytes);
	CHECK(bw_flush(&w, true, &err) && archive_sealer_finish(w.sealer, &err));
	archive_sealer_free(w.sealer);
	buf_free(&w.rec);

	static const struct archive_parse_ops ops = { NULL, l_entry, l_data, NULL, NULL };
	struct listing l = { BUF_INIT, BUF_INIT };
	struct archive_parser *ap = archive_parser_new(&ops, &l);
	struct archive_header h2;
	CHECK(archive_header_parse((unsigned char *)sealed.data, &h2, &err));
	struct archive_opener *o = archive_opener_new(&h2, key, l_feed, ap);
	CHECK(archive_opener_feed(o, sealed.data + ARCHIVE_HEADER_LEN,
	    sealed.len - ARCHIVE_HEADER_LEN, &err));
	CHECK(archive_opener_finish(o, &err) && archive_parser_finish(ap, &err));
	archive_opener_free(o);
	archive_parser_free(ap);
	CHECK_STR(buf_cstr(&l.paths),
	    "D state/empty\n"
	    "D state/mail\n"
	    "D state/mail/d\n"
	    "D state/mail/d/u\n"
	    "F state/mail/d/u/index.sqlite\n"
	    "D state/mail/d/u/Maildir\n"
	    "D state/mail/d/u/Maildir/new\n"
	    "F state/mail/d/u/Maildir/new/2\n"
	    "D state/mail/d/u/Maildir/cur\n"
	    "F state/mail/d/u/Maildir/cur/1:2,S\n"
	    "D state/mail/d/u/Maildir/tmp\n"
	    "D state/queue\n"
	    "D state/queue/env\n"
	    "F state/queue/env/A\n"
	    "D state/queue/incoming\n");
	/* The SQLite copy holds the row that was only in the WAL. */
	CHECK(memmem(l.content.data, l.content.len, "kept in the copy", 16) != NULL);
	sqlite3_close(db);
	buf_free(&l.paths);
	buf_free(&l.content);
	buf_free(&sealed);
	buf_free(&err);
	buf_free(&p);
}
