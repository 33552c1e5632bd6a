/* mailboxctl restore FILE [INCREMENTAL...] [--into DIR] [--yes]
 *                    [--passphrase-file F]
 * Verifies every given backup whole first, then writes them into a
 * staging directory beside the target and only then swaps it in: the
 * old directory is renamed DIR.old-<time>, the staging one DIR. */
#include "ctl/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "ctl/restore.h"

#define RESTORE_USAGE "usage: restore FILE [INCREMENTAL...] [--into DIR] " \
	"[--yes] [--passphrase-file F]"

struct restore {
	char **files;
	int nfiles;
	const char *passfile;
	char *target;               /* absolute, no trailing slash */
	bool into, yes;
	struct backup_file *bf;
	struct backup_check last;   /* the newest backup's description */
	char stamp[32];
	char *config_dest;          /* where the config ends up */
	const char *config_rel;     /* it, relative to target, if inside */
	uint64_t files_restored;
};

static char *absolute(const char *path)
{
	struct buf b = BUF_INIT;
	if (path[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (cwd == NULL)
			xoom();
		buf_printf(&b, "%s/", cwd);
		free(cwd);
	}
	buf_addstr(&b, path);
	while (b.len > 1 && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	return buf_detach(&b);
}

/* Opens every file; the first must be full, each next one built on the
 * one before; all must be files, since they are read twice. */
static bool open_chain(struct restore *r, struct buf *err)
{
	r->bf = xcalloc((size_t)r->nfiles, sizeof *r->bf);
	for (int i = 0; i < r->nfiles; i++)
		r->bf[i].fd = -1;
	for (int i = 0; i < r->nfiles; i++) {
		struct backup_file *b = &r->bf[i];
		if (!backup_file_open(b, r->files[i], err))
			return false;
		const char *why = !b->seekable ? "is not a regular file (restore "
		    "reads it twice: verify, then extract)" :
		    i == 0 && b->h.kind != ARCHIVE_FULL ? "is incremental; give "
		    "the full backup first, then its incrementals in order" :
		    i > 0 && (b->h.kind != ARCHIVE_INCREMENTAL ||
		    memcmp(b->h.base_id, r->bf[i - 1].h.id, ARCHIVE_ID_LEN) != 0) ?
		    "is not an incremental backup of the one before it" : NULL;
		if (why != NULL) {
			buf_printf(err, "%s %s", b->path, why);
			return false;
		}
	}
	return true;
}

static bool verify_all(struct restore *r, struct buf *err)
{
	struct password pw = { NULL, 0 };
	bool ok = backup_passphrase(r->passfile, false, &pw, err);
	for (int i = 0; ok && i < r->nfiles; i++) {
		struct backup_check c;
		struct progress pr;
		memset(&c, 0, sizeof c);
		c.incremental = r->bf[i].h.kind == ARCHIVE_INCREMENTAL;
		progress_start(&pr, "verify", r->bf[i].size, PROGRESS_BYTES);
		ok = backup_file_unlock(&r->bf[i], &pw, err) &&
		    backup_file_read(&r->bf[i], &backup_check_ops, &c, &pr, err);
		progress_end(&pr);
		if (!ok)
			buf_printf(err, " (%s; nothing was changed)", r->bf[i].path);
		backup_check_free(&r->last);
		r->last = c;
	}
	password_free(&pw);
	return ok;
}

/* Where things go: --into DIR, or where the backup was made. */
static void plan(struct restore *r)
{
	if (!r->into)
		r->target = xstrdup(r->last.info.state_dir);
	struct buf b = BUF_INIT;
	if (r->into)
		buf_printf(&b, "%s/mailbox.conf", r->target);
	else
		buf_addstr(&b, r->last.info.config_path);
	r->config_dest = buf_detach(&b);
	size_t n = strlen(r->target);
	if (strncmp(r->config_dest, r->target, n) == 0 && r->config_dest[n] == '/')
		r->config_rel = r->config_dest + n + 1;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(r->stamp, sizeof r->stamp, "%Y%m%d-%H%M%S", &tm);
}

static bool refuse_running(const struct restore *r, struct buf *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT, e2 = BUF_INIT;
	buf_printf(&path, "%s/mailboxd.pid", r->target);
	long pid = file_read_all(path.data, 64, &text, &e2) ?
	    strtol(buf_cstr(&text), NULL, 10) : 0;
	bool running = pid > 1 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
	if (running)
		buf_printf(err, "mailboxd (pid %ld) runs on %s; stop it first",
		    pid, r->target);
	buf_free(&path);
	buf_free(&text);
	buf_free(&e2);
	return !running;
}

static bool confirm(const struct restore *r, struct buf *err)
{
	if (r->yes)
		return true;
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		buf_addstr(err, "no terminal to confirm on; use --yes");
		return false;
	}
	fprintf(tty, "Restore %d backup file%s into %s (config %s)?\n"
	    "Anything there now is kept as %s.old-%s. Continue? [y/N] ",
	    r->nfiles, r->nfiles == 1 ? "" : "s", r->target, r->config_dest,
	    r->target, r->stamp);
	fflush(tty);
	char line[16] = "";
	bool yes = fgets(line, sizeof line, tty) != NULL &&
	    (strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0);
	fclose(tty);
	if (!yes)
		buf_addstr(err, "not confirmed; nothing was changed");
	return yes;
}

static void stage_path(const struct restore *r, int i, const char *suffix,
    struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s.restore-%s", r->target, r->stamp);
	if (i > 0)
		buf_printf(out, ".%d", i);
	buf_addstr(out, suffix);
}

static int make_dir(const char *path, struct buf *err)
{
	if (mkdir(path, 0700) != 0) {
		buf_printf(err, "cannot make %s: %s", path, strerror(errno));
		return -1;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		buf_printf(err, "%s: %s", path, strerror(errno));
	return fd;
}

/* Extracts backup i into stage (and its files' ids into ids, if not
 * NULL), taking listed files from prev_ids. */
static bool extract_one(struct restore *r, int i, const char *stage,
    const char *ids, const char *prev_ids, const char *config_tmp,
    struct buf *err)
{
	int root = make_dir(stage, err);
	int ids_fd = root >= 0 && ids ? make_dir(ids, err) : -1;
	int prev_fd = prev_ids ? open(prev_ids, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC) : -1;
	struct extract x;
	extract_init(&x, root, ids_fd, prev_fd);
	x.config_rel = r->config_rel;
	x.config_tmp = config_tmp;
	struct progress pr;
	progress_start(&pr, "restore", r->bf[i].size, PROGRESS_BYTES);
	bool ok = root >= 0 && (!ids || ids_fd >= 0) && (!prev_ids || prev_fd >= 0) &&
	    backup_file_read(&r->bf[i], &extract_ops, &x, &pr, err) &&
	    syncfs(root) == 0;
	progress_end(&pr);
	r->files_restored = x.files;
	extract_free(&x);
	int fds[3] = { root, ids_fd, prev_fd };
	for (int k = 0; k < 3; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	if (!ok && err->len == 0)
		buf_printf(err, "%s: %s", stage, strerror(errno));
	return ok;
}

/* Stages every backup in turn, each on the one before; the last stage
 * is left in stage, everything else removed. */
static bool extract_all(struct restore *r, struct buf *stage,
    const char *config_tmp, struct buf *err)
{
	struct buf prev = BUF_INIT, prev_ids = BUF_INIT, ids = BUF_INIT;
	bool ok = true;
	for (int i = 0; ok && i < r->nfiles; i++) {
		bool more = i + 1 < r->nfiles;
		stage_path(r, i, "", stage);
		stage_path(r, i, ".ids", &ids);
		/* The config of an older backup in the chain is replaced. */
		if (config_tmp != NULL)
			unlink(config_tmp);
		ok = extract_one(r, i, stage->data, more ? ids.data : NULL,
		    i ? prev_ids.data : NULL, config_tmp, err);
		/* Left-overs only cost space: their errors are not the story. */
		struct buf junk = BUF_INIT;
		if (i > 0) {
			remove_tree(prev.data, &junk);
			remove_tree(prev_ids.data, &junk);
		}
		if (!ok) {
			remove_tree(stage->data, &junk);
			remove_tree(ids.data, &junk);
		}
		buf_free(&junk);
		buf_set(&prev, stage->data);
		buf_set(&prev_ids, ids.data);
	}
	buf_free(&prev);
	buf_free(&prev_ids);
	buf_free(&ids);
	return ok;
}

/* Moves path aside as path.old-<stamp> if it exists. */
static bool move_aside(const char *path, const char *stamp, struct buf *old,
    struct buf *err)
{
	buf_reset(old);
	if (access(path, F_OK) != 0)
		return true;
	buf_printf(old, "%s.old-%s", path, stamp);
	if (rename(path, old->data) != 0) {
		buf_printf(err, "cannot move %s aside: %s", path, strerror(errno));
		buf_reset(old);
		return false;
	}
	return true;
}

static bool swap_in(struct restore *r, const char *stage, const char *config_tmp,
    struct buf *err)
{
	struct buf old = BUF_INIT, oldconf = BUF_INIT;
	bool ok = move_aside(r->target, r->stamp, &old, err);
	if (ok && rename(stage, r->target) != 0) {
		buf_printf(err, "cannot rename %s to %s: %s", stage, r->target,
		    strerror(errno));
		if (old.len > 0)
			rename(old.data, r->target);
		ok = false;
	}
	ok = ok && file_sync_parent(r->target, err);
	if (ok && config_tmp != NULL) {
		ok = move_aside(r->config_dest, r->stamp, &oldconf, err);
		if (ok && rename(config_tmp, r->config_dest) != 0) {
			buf_printf(err, "%s is restored, but its config could not be "
			    "moved from %s to %s: %s", r->target, config_tmp,
			    r->config_dest, strerror(errno));
			ok = false;
		}
	}
	if (ok && old.len > 0 && rmdir(old.data) != 0)
		printf("the previous contents of %s are in %s\n", r->target, old.data);
	if (ok && oldconf.len > 0)
		printf("the previous config is in %s\n", oldconf.data);
	buf_free(&old);
	buf_free(&oldconf);
	return ok;
}

static bool restore_files(struct restore *r, struct buf *err)
{
	struct buf stage = BUF_INIT, ctmp = BUF_INIT, conf = BUF_INIT;
	if (r->config_rel == NULL)
		buf_printf(&ctmp, "%s.restore-%s", r->config_dest, r->stamp);
	const char *config_tmp = ctmp.len ? ctmp.data : NULL;
	bool ok = extract_all(r, &stage, config_tmp, err);
	if (ok && r->into) {
		buf_printf(&conf, "%s/%s", stage.data, r->config_rel);
		ok = restore_rewrite_config(conf.data, r->last.info.state_dir,
		    r->target, err);
		if (!ok) {
			struct buf junk = BUF_INIT;
			remove_tree(stage.data, &junk);
			buf_free(&junk);
		}
	}
	/* Once swapping began, the staged config is the only copy. */
	if (!ok && config_tmp != NULL)
		unlink(config_tmp);
	ok = ok && swap_in(r, stage.data, config_tmp, err);
	buf_free(&stage);
	buf_free(&ctmp);
	buf_free(&conf);
	return ok;
}

static int parse_opts(int argc, char **argv, struct restore *r)
{
	static const struct option longopts[] = {
		{ "into", required_argument, NULL, 'i' },
		{ "yes", no_argument, NULL, 'y' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "y", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': free(r->target); r->target = absolute(optarg); r->into = true; break;
		case 'y': r->yes = true; break;
		case 'p': r->passfile = optarg; break;
		default: return -1;
		}
	}
	r->files = argv + optind;
	r->nfiles = argc - optind;
	return r->nfiles > 0 ? 0 : -1;
}

int ctl_restore(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	struct restore r;
	memset(&r, 0, sizeof r);
	if (parse_opts(argc, argv, &r) < 0) {
		free(r.target);
		return ctl_usage(RESTORE_USAGE);
	}
	struct buf err = BUF_INIT;
	bool ok = open_chain(&r, &err) && verify_all(&r, &err);
	if (ok) {
		plan(&r);
		ok = refuse_running(&r, &err) && confirm(&r, &err) &&
		    restore_files(&r, &err);
	}
	if (ok)
		printf("restored %llu files into %s\nconfig: %s\n"
		    "start it with: mailboxd -c %s\n",
		    (unsigned long long)r.files_restored, r.target, r.config_dest,
		    r.config_dest);
	int rc = ok ? 0 : ctl_fail("restore: %s", buf_cstr(&err));
	for (int i = 0; r.bf != NULL && i < r.nfiles; i++)
		backup_file_close(&r.bf[i]);
	free(r.bf);
	backup_check_free(&r.last);
	free(r.target);
	free(r.config_dest);
	buf_free(&err);
	return rc;
}
