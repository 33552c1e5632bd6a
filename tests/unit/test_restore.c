/* mailboxctl backup/restore pieces below the command line: the checks of
 * every reader, extraction into a staging directory, the config rewrite. */
#include "t.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/fileutil.h"
#include "ctl/backup.h"
#include "ctl/restore.h"

static void put(struct buf *a, enum archive_type type, const char *path,
    unsigned mode, const char *content)
{
	struct archive_entry e;
	memset(&e, 0, sizeof e);
	e.type = type;
	snprintf(e.path, sizeof e.path, "%s", path);
	e.mode = mode;
	e.mtime = 1600000000;
	/* The id follows the file's name, so a renamed folder keeps it. */
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (; type != ARCHIVE_DIR && *base; base++)
		e.ino = e.ino * 31 + (unsigned char)*base;
	e.fs = type != ARCHIVE_DIR;
	CHECK(archive_put_entry(a, &e));
	if (type == ARCHIVE_FILE) {
		struct archive_file_enc fe;
		archive_file_begin(&fe);
		archive_file_data(&fe, a, content, strlen(content));
		archive_file_end(&fe, a);
	}
}

static const char info[] = "created=1\nhostname=h\nconfig_path=/etc/m.conf\n"
	"state_dir=/var/lib/amb\n";

/* Runs the parser over a with ops; returns whether it all went through. */
static bool run_ops(const struct archive_parse_ops *ops, void *ctx,
    const struct buf *a, struct buf *err)
{
	struct archive_parser *p = archive_parser_new(ops, ctx);
	bool ok = archive_parser_feed(p, a->data, a->len, err) &&
	    archive_parser_finish(p, err);
	archive_parser_free(p);
	return ok;
}

/* An archive of the given entries (ending it with the right counts). */
static void finish(struct buf *a, uint64_t entries, uint64_t bytes)
{
	archive_put_end(a, entries, bytes);
}

TEST(backup_check_namespaces)
{
	struct { enum archive_type t; const char *path; bool incremental; bool ok; }
	cases[] = {
		{ ARCHIVE_FILE, "state/x", false, true },
		{ ARCHIVE_FILE, "other/x", false, false },
		{ ARCHIVE_FILE, "stately", false, false },
		{ ARCHIVE_DIR, "config", false, false },
		{ ARCHIVE_FILE, "state", false, false },
		{ ARCHIVE_LISTED, "state/x", false, false },
		{ ARCHIVE_LISTED, "state/x", true, true },
		{ ARCHIVE_FILE, "config", false, false },   /* twice */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf a = BUF_INIT, err = BUF_INIT;
		struct backup_check c;
		memset(&c, 0, sizeof c);
		c.incremental = cases[i].incremental;
		archive_put_info(&a, info, sizeof info - 1);
		put(&a, ARCHIVE_FILE, "config", 0644, "state_dir = /x\n");
		put(&a, cases[i].t, cases[i].path, 0600, "abc");
		finish(&a, 2, 15 + (cases[i].t == ARCHIVE_FILE ? 3 : 0));
		CHECK(run_ops(&backup_check_ops, &c, &a, &err) == cases[i].ok);
		if (cases[i].ok)
			CHECK_STR(c.info.state_dir, "/var/lib/amb");
		backup_check_free(&c);
		buf_free(&a);
		buf_free(&err);
	}
}

TEST(backup_check_needs_config_and_description)
{
	struct buf a = BUF_INIT, err = BUF_INIT;
	struct backup_check c;
	memset(&c, 0, sizeof c);
	archive_put_info(&a, info, sizeof info - 1);
	finish(&a, 0, 0);
	CHECK(!run_ops(&backup_check_ops, &c, &a, &err));
	CHECK(strstr(buf_cstr(&err), "no config") != NULL);
	backup_check_free(&c);
	/* The config comes before the state, so it can win over a copy. */
	memset(&c, 0, sizeof c);
	buf_reset(&a);
	buf_reset(&err);
	archive_put_info(&a, info, sizeof info - 1);
	put(&a, ARCHIVE_DIR, "state", 0700, "");
	put(&a, ARCHIVE_FILE, "config", 0644, "x");
	finish(&a, 2, 1);
	CHECK(!run_ops(&backup_check_ops, &c, &a, &err));
	CHECK(strstr(buf_cstr(&err), "first") != NULL);
	backup_check_free(&c);
	struct backup_info bi;
	memset(&bi, 0, sizeof bi);
	buf_reset(&err);
	CHECK(!backup_info_parse("state_dir=relative\nconfig_path=/c\n", 33, &bi, &err));
	backup_info_free(&bi);
	CHECK(!backup_info_parse("config_path=/c\n", 15, &bi, &err));
	backup_info_free(&bi);
	buf_free(&a);
	buf_free(&err);
}

/* t_tmpdir() makes a new directory (removing the last) on each call. */
static int open_stage(const char *dir, const char *name, struct buf *path)
{
	buf_reset(path);
	buf_printf(path, "%s/%s", dir, name);
	mkdir(path->data, 0700);
	return open(path->data, O_RDONLY | O_DIRECTORY);
}

static bool extract(const struct buf *a, int root, int ids, int prev_ids,
    const char *config_tmp, struct buf *err)
{
	struct extract x;
	extract_init(&x, root, ids, prev_ids);
	x.config_rel = config_tmp ? NULL : "mailbox.conf";
	x.config_tmp = config_tmp;
	x.chown = false;
	bool ok = run_ops(&extract_ops, &x, a, err);
	extract_free(&x);
	return ok;
}

TEST(restore_extracts_modes_times_and_links)
{
	struct buf stage = BUF_INIT, a = BUF_INIT, err = BUF_INIT, p = BUF_INIT;
	const char *dir = t_tmpdir();
	int root = open_stage(dir, "s1", &stage);
	struct buf idsdir = BUF_INIT;
	int ids = open_stage(dir, "s1.ids", &idsdir);
	archive_put_info(&a, info, sizeof info - 1);
	put(&a, ARCHIVE_FILE, "config", 0640, "state_dir = /x\n");
	put(&a, ARCHIVE_DIR, "state", 0755, "");
	put(&a, ARCHIVE_FILE, "state/mail/d/u/Maildir/cur/1:2,S", 0600, "msg");
	put(&a, ARCHIVE_DIR, "state/empty", 0555, "");
	finish(&a, 4, 18);
	CHECK(extract(&a, root, ids, -1, NULL, &err));
	struct stat st;
	buf_printf(&p, "%s/mail/d/u/Maildir/cur/1:2,S", stage.data);
	CHECK(stat(p.data, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	    st.st_mtime == 1600000000 && st.st_size == 3);
	buf_reset(&p);
	buf_printf(&p, "%s/mailbox.conf", stage.data);
	CHECK(stat(p.data, &st) == 0 && (st.st_mode & 07777) == 0640);
	buf_reset(&p);
	buf_printf(&p, "%s/empty", stage.data);
	CHECK(stat(p.data, &st) == 0 && (st.st_mode & 07777) == 0755);

	/* An incremental on top: one file listed, one new; the rest gone. */
	struct buf stage2 = BUF_INIT, b = BUF_INIT;
	int root2 = open_stage(dir, "s2", &stage2);
	archive_put_info(&b, info, sizeof info - 1);
	put(&b, ARCHIVE_FILE, "config", 0640, "state_dir = /x\n");
	put(&b, ARCHIVE_DIR, "state", 0755, "");
	/* Listed under a renamed folder: found by its id. */
	put(&b, ARCHIVE_LISTED, "state/mail/d/u/Maildir/.Renamed/cur/1:2,S", 0600, "");
	put(&b, ARCHIVE_FILE, "state/new", 0600, "n");
	finish(&b, 4, 16);
	if (!CHECK(extract(&b, root2, -1, ids, NULL, &err)))
		fprintf(stderr, "  %s\n", buf_cstr(&err));
	buf_reset(&p);
	buf_printf(&p, "%s/mail/d/u/Maildir/.Renamed/cur/1:2,S", stage2.data);
	CHECK(stat(p.data, &st) == 0 && st.st_size == 3);
	buf_reset(&p);
	buf_printf(&p, "%s/empty", stage2.data);
	CHECK(stat(p.data, &st) != 0);
	CHECK(remove_tree(stage.data, &err) && !file_exists(stage.data));
	close(root);
	close(root2);
	close(ids);
	buf_free(&idsdir);
	buf_free(&stage);
	buf_free(&stage2);
	buf_free(&a);
	buf_free(&b);
	buf_free(&err);
	buf_free(&p);
}

/* Entries that clash with what is already staged are refused. */
TEST(restore_refuses_clashes_and_dangling_listings)
{
	static const struct { enum archive_type t1; const char *p1;
		enum archive_type t2; const char *p2; } cases[] = {
		{ ARCHIVE_FILE, "state/a", ARCHIVE_FILE, "state/a" },
		{ ARCHIVE_FILE, "state/a", ARCHIVE_DIR, "state/a/b" },
		{ ARCHIVE_FILE, "state/a", ARCHIVE_FILE, "state/a/b" },
		{ ARCHIVE_DIR, "state/a", ARCHIVE_FILE, "state/a" },
		{ ARCHIVE_DIR, "state/a", ARCHIVE_LISTED, "state/b" },
	};
	const char *dir = t_tmpdir();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf stage = BUF_INIT, a = BUF_INIT, err = BUF_INIT;
		char name[16];
		snprintf(name, sizeof name, "c%zu", i);
		int root = open_stage(dir, name, &stage);
		archive_put_info(&a, info, sizeof info - 1);
		put(&a, cases[i].t1, cases[i].p1, 0600, "x");
		put(&a, cases[i].t2, cases[i].p2, 0600, "y");
		finish(&a, 2, (cases[i].t1 == ARCHIVE_FILE) + (cases[i].t2 == ARCHIVE_FILE));
		CHECK(!extract(&a, root, -1, -1, NULL, &err));
		CHECK(err.len > 0);
		close(root);
		remove_tree(stage.data, &err);
		buf_free(&stage);
		buf_free(&a);
		buf_free(&err);
	}
}

/* An old copy of the config in the state directory gives way to the
 * config itself. */
TEST(restore_config_wins_over_a_stale_copy)
{
	const char *dir = t_tmpdir();
	struct buf stage = BUF_INIT, a = BUF_INIT, err = BUF_INIT, text = BUF_INIT;
	int root = open_stage(dir, "s", &stage);
	archive_put_info(&a, info, sizeof info - 1);
	put(&a, ARCHIVE_FILE, "config", 0644, "new\n");
	put(&a, ARCHIVE_DIR, "state", 0755, "");
	put(&a, ARCHIVE_FILE, "state/mailbox.conf", 0644, "stale\n");
	put(&a, ARCHIVE_FILE, "state/other", 0644, "o");
	finish(&a, 4, 11);
	CHECK(extract(&a, root, -1, -1, NULL, &err));
	buf_addstr(&stage, "/mailbox.conf");
	CHECK(file_read_all(stage.data, 100, &text, &err));
	CHECK_STR(buf_cstr(&text), "new\n");
	close(root);
	buf_free(&stage);
	buf_free(&a);
	buf_free(&err);
	buf_free(&text);
}

TEST(restore_rewrites_config_paths)
{
	struct buf conf = BUF_INIT, err = BUF_INIT, text = BUF_INIT;
	buf_printf(&conf, "%s/r.conf", t_tmpdir());
	buf_addstr(&text, "state_dir = /old/state\ntls_cert = /old/state/tls/c.pem\n"
	    "tls_key = /elsewhere/k.pem\n# a comment stays\n");
	CHECK(file_write_atomic(conf.data, text.data, text.len, 0640, &err));
	CHECK(restore_rewrite_config(conf.data, "/old/state", "/new/place", &err));
	struct config *cfg = config_load(conf.data, &err);
	CHECK(cfg != NULL);
	if (cfg != NULL) {
		CHECK_STR(config_str(cfg, "state_dir"), "/new/place");
		CHECK_STR(config_str(cfg, "tls_cert"), "/new/place/tls/c.pem");
		CHECK_STR(config_str(cfg, "tls_key"), "/elsewhere/k.pem");
		config_free(cfg);
	}
	buf_reset(&text);
	CHECK(file_read_all(conf.data, 4096, &text, &err));
	CHECK(strstr(buf_cstr(&text), "# a comment stays") != NULL);
	buf_free(&conf);
	buf_free(&err);
	buf_free(&text);
}
