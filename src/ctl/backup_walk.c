/* Walking the state directory for mailboxctl backup. What is left out,
 * and why (docs/DESIGN.md and mailboxctl(8) list the same):
 *   mailboxd.pid                     belongs to the running process
 *   *.sqlite-wal, -shm, -journal     the .sqlite beside them is copied
 *                                    whole through SQLite's backup API
 *   contents of empty/               the chroot, kept empty
 *   contents of mail/.../tmp/        Maildir deliveries under way
 *   queue/incoming/, queue/env/NAME.tmp   the queue deletes them at startup
 *   the config file and the output   the config is stored as "config"
 *   sockets, FIFOs, devices, symlinks
 * Each directory is read in order: *.sqlite first (an index older than
 * the Maildir beside it only misses messages, which it then re-indexes),
 * then "new" (a message moved from new/ to cur/ meanwhile is found in
 * cur/), then by name. */
#include "ctl/backup_write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_sqlite(const char *name)
{
	return has_suffix(name, ".sqlite");
}

static int rank(const char *name)
{
	return is_sqlite(name) ? 0 : strcmp(name, "new") == 0 ? 1 : 2;
}

static int walk_order(const struct dirent **a, const struct dirent **b)
{
	int ra = rank((*a)->d_name), rb = rank((*b)->d_name);
	return ra != rb ? ra - rb : strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static bool skip_file(const char *rel, const char *name)
{
	static const char *side[] = { ".sqlite-wal", ".sqlite-shm", ".sqlite-journal" };
	for (size_t i = 0; i < 3; i++)
		if (has_suffix(name, side[i]))
			return true;
	return (rel[0] == '\0' && strcmp(name, "mailboxd.pid") == 0) ||
	    (strcmp(rel, "queue/env") == 0 && has_suffix(name, ".tmp"));
}

/* Directories kept, but not their contents. */
static bool skip_contents(const char *relpath)
{
	return strcmp(relpath, "empty") == 0 ||
	    strcmp(relpath, "queue/incoming") == 0 ||
	    (str_has_prefix(relpath, "mail/") && has_suffix(relpath, "/tmp"));
}

static bool is_skipped_inode(const struct backup_writer *w, const struct stat *st)
{
	for (int i = 0; i < 2; i++)
		if (st->st_dev == w->skip_dev[i] && st->st_ino == w->skip_ino[i])
			return true;
	return false;
}

static bool walk_sqlite(struct backup_writer *w, struct archive_entry *e,
    int dirfd, const char *name, struct buf *err)
{
	char proc[64];
	struct buf path = BUF_INIT;
	/* SQLite wants a path; this one names the directory we hold open. */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d/", dirfd);
	buf_printf(&path, "%s%s", proc, name);
	int fd = backup_sqlite_copy(path.data, w->tmpdir, err);
	buf_free(&path);
	if (fd < 0)
		return false;
	bool ok = bw_file(w, e, fd, err);
	close(fd);
	return ok;
}

/* A Maildir message renamed (flags changed) between the listing and the
 * open: its new name has the same part before ':'. */
static int open_renamed(int dirfd, const char *name, char *found, size_t cap)
{
	const char *colon = strchr(name, ':');
	size_t base = colon ? (size_t)(colon - name) : strlen(name);
	int dup_fd = dup(dirfd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	int fd = -1;
	if (d == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -1;
	}
	rewinddir(d);
	for (struct dirent *de; fd < 0 && (de = readdir(d)) != NULL;) {
		if (strncmp(de->d_name, name, base) != 0 ||
		    (de->d_name[base] != ':' && de->d_name[base] != '\0') ||
		    strcmp(de->d_name, name) == 0)
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			snprintf(found, cap, "%s", de->d_name);
	}
	closedir(d);
	return fd;
}

static bool walk_regular(struct backup_writer *w, int dirfd, const char *apath,
    const char *name, const struct stat *st, struct buf *err)
{
	struct archive_entry e;
	struct buf child = BUF_INIT;
	buf_printf(&child, "%s/%s", apath, name);
	bool sqlite = is_sqlite(name), ok = true;
	if (w->counting) {
		w->progress.total += (uint64_t)st->st_size;
	} else if (w->incremental && !sqlite &&
	    (st->st_ctim.tv_sec < w->since.tv_sec ||
	     (st->st_ctim.tv_sec == w->since.tv_sec &&
	      st->st_ctim.tv_nsec < w->since.tv_nsec))) {
		bw_meta(w, &e, ARCHIVE_LISTED, child.data, st);
		ok = bw_entry(w, &e, err);
	} else if (sqlite) {
		bw_meta(w, &e, ARCHIVE_FILE, child.data, st);
		ok = walk_sqlite(w, &e, dirfd, name, err);
	} else {
		char renamed[256];
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct stat fst;
		if (fd < 0 && errno == ENOENT &&
		    (fd = open_renamed(dirfd, name, renamed, sizeof renamed)) >= 0) {
			buf_reset(&child);
			buf_printf(&child, "%s/%s", apath, renamed);
		}
		if (fd < 0) {
			/* Gone since the listing (expunged, delivered): fine. */
			ok = errno == ENOENT;
			if (!ok)
				buf_printf(err, "%s: %s", child.data, strerror(errno));
		} else if (fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode)) {
			bw_meta(w, &e, ARCHIVE_FILE, child.data, &fst);
			ok = bw_file(w, &e, fd, err);
		}
		if (fd >= 0)
			close(fd);
	}
	buf_free(&child);
	return ok;
}

static bool walk_subdir(struct backup_writer *w, int dirfd, const char *apath,
    const char *rel, const char *name, const struct stat *st, struct buf *err)
{
	struct buf child = BUF_INIT, childrel = BUF_INIT;
	struct archive_entry e;
	buf_printf(&child, "%s/%s", apath, name);
	buf_printf(&childrel, "%s%s%s", rel, rel[0] ? "/" : "", name);
	bw_meta(w, &e, ARCHIVE_DIR, child.data, st);
	bool ok = w->counting || bw_entry(w, &e, err);
	if (ok && !skip_contents(childrel.data)) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0) {
			ok = errno == ENOENT;
			if (!ok)
				buf_printf(err, "%s: %s", child.data, strerror(errno));
		} else {
			ok = backup_walk(w, fd, child.data, childrel.data, err);
			close(fd);
		}
	}
	buf_free(&child);
	buf_free(&childrel);
	return ok;
}

static bool walk_one(struct backup_writer *w, int dirfd, const char *apath,
    const char *rel, const char *name, struct buf *err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return true;
		buf_printf(err, "%s/%s: %s", apath, name, strerror(errno));
		return false;
	}
	if (is_skipped_inode(w, &st) || (S_ISREG(st.st_mode) && skip_file(rel, name)))
		return true;
	if (S_ISDIR(st.st_mode))
		return walk_subdir(w, dirfd, apath, rel, name, &st, err);
	if (S_ISREG(st.st_mode))
		return walk_regular(w, dirfd, apath, name, &st, err);
	if (!w->counting)
		fprintf(stderr, "mailboxctl: backup: skipping %s/%s (not a regular "
		    "file or directory)\n", apath, name);
	return true;
}

bool backup_walk(struct backup_writer *w, int dirfd, const char *apath,
    const char *rel, struct buf *err)
{
	struct dirent **list;
	int n = scandirat(dirfd, ".", &list, not_dots, walk_order);
	if (n < 0) {
		buf_printf(err, "%s: %s", apath, strerror(errno));
		return false;
	}
	bool ok = true;
	for (int i = 0; i < n; i++) {
		ok = ok && walk_one(w, dirfd, apath, rel, list[i]->d_name, err);
		free(list[i]);
	}
	free(list);
	return ok;
}
