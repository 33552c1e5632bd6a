/* Writing a verified backup's entries into the staging directory. */
#include "ctl/restore.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"

#define OPEN_DIR (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

void extract_init(struct extract *x, int root_fd, int ids_fd, int prev_ids_fd)
{
	memset(x, 0, sizeof *x);
	x->root_fd = root_fd;
	x->ids_fd = ids_fd;
	x->prev_ids_fd = prev_ids_fd;
	x->cur_fd = -1;
	x->dir_fd = -1;
	x->chown = geteuid() == 0;
	buf_init(&x->dir_rel);
}

void extract_free(struct extract *x)
{
	if (x->cur_fd >= 0)
		close(x->cur_fd);
	if (x->dir_fd >= 0)
		close(x->dir_fd);
	x->cur_fd = x->dir_fd = -1;
	buf_free(&x->dir_rel);
}

static bool sys_fail(struct buf *err, const char *what, const char *path)
{
	buf_printf(err, "%s %s: %s", what, path, strerror(errno));
	return false;
}

/* The directory rel (relative to the root; "" for the root), each
 * missing level made 0700 on the way. */
static int open_dir(struct extract *x, const char *rel, size_t len,
    struct buf *err)
{
	if (x->dir_fd >= 0 && x->dir_rel.len == len &&
	    (len == 0 || memcmp(x->dir_rel.data, rel, len) == 0))
		return x->dir_fd;
	if (x->dir_fd >= 0)
		close(x->dir_fd);
	buf_reset(&x->dir_rel);
	buf_add(&x->dir_rel, rel, len);
	struct buf walk = BUF_INIT;
	buf_add(&walk, rel, len);
	int fd = dup(x->root_fd);
	char *save = NULL;
	for (char *comp = len ? strtok_r(walk.data, "/", &save) : NULL;
	    fd >= 0 && comp != NULL; comp = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, comp, OPEN_DIR);
		if (next < 0 && errno == ENOENT && mkdirat(fd, comp, 0700) == 0)
			next = openat(fd, comp, OPEN_DIR);
		close(fd);
		fd = next;
	}
	buf_free(&walk);
	x->dir_fd = fd;
	if (fd < 0)
		sys_fail(err, "cannot open directory", buf_cstr(&x->dir_rel));
	return fd;
}

/* Splits rel into its parent (opened) and last component. */
static int open_parent(struct extract *x, const char *rel, const char **base,
    struct buf *err)
{
	const char *slash = strrchr(rel, '/');
	*base = slash ? slash + 1 : rel;
	return open_dir(x, rel, slash ? (size_t)(slash - rel) : 0, err);
}

static void set_owner(const struct extract *x, int dirfd, const char *name,
    const struct archive_entry *e)
{
	if (!x->chown || (e->owner[0] == '\0' && e->group[0] == '\0'))
		return;
	struct passwd *pw = e->owner[0] ? getpwnam(e->owner) : NULL;
	struct group *gr = e->group[0] ? getgrnam(e->group) : NULL;
	uid_t uid = pw ? pw->pw_uid : (uid_t)-1;
	gid_t gid = gr ? gr->gr_gid : (gid_t)-1;
	if ((pw || gr) && fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW |
	    (name[0] ? 0 : AT_EMPTY_PATH)) != 0)
		fprintf(stderr, "mailboxctl: restore: cannot set the owner of %s: %s\n",
		    e->path, strerror(errno));
}

static bool make_dir(struct extract *x, const char *rel,
    const struct archive_entry *e, struct buf *err)
{
	mode_t mode = (e->mode & 07777) | 0700;   /* we still write into it */
	if (*rel == '\0') {
		set_owner(x, x->root_fd, "", e);
		return fchmod(x->root_fd, mode) == 0 ||
		    sys_fail(err, "cannot set the mode of", e->path);
	}
	const char *base;
	int dfd = open_parent(x, rel, &base, err);
	if (dfd < 0)
		return false;
	if (mkdirat(dfd, base, mode) != 0 && errno != EEXIST)
		return sys_fail(err, "cannot make", e->path);
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
		return sys_fail(err, "not a directory:", e->path);
	set_owner(x, dfd, base, e);
	return fchmodat(dfd, base, mode, 0) == 0 ||
	    sys_fail(err, "cannot set the mode of", e->path);
}

static void file_id(const struct archive_entry *e, char *id, size_t cap)
{
	snprintf(id, cap, "%u-%llu", e->fs, (unsigned long long)e->ino);
}

/* Records the file just made at dfd/base under its id for the next
 * backup of the chain. Hard links share an id and a content: the first
 * one stays. */
static bool remember(struct extract *x, int dfd, const char *base,
    const struct archive_entry *e, struct buf *err)
{
	char id[48];
	if (x->ids_fd < 0 || e->ino == 0)
		return true;
	file_id(e, id, sizeof id);
	if (linkat(dfd, base, x->ids_fd, id, 0) != 0 && errno != EEXIST)
		return sys_fail(err, "cannot link", e->path);
	return true;
}

static bool open_file(struct extract *x, const char *rel,
    const struct archive_entry *e, struct buf *err)
{
	if (rel == NULL) {
		x->cur_fd = open(x->config_tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		return x->cur_fd >= 0 || sys_fail(err, "cannot create", x->config_tmp);
	}
	const char *base;
	int dfd = open_parent(x, rel, &base, err);
	if (dfd < 0)
		return false;
	x->cur_fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (x->cur_fd < 0)
		return sys_fail(err, "cannot create", e->path);
	set_owner(x, dfd, base, e);
	return remember(x, dfd, base, e, err);
}

/* An unchanged file of an incremental backup: the previous stage's copy,
 * found by its id. */
static bool link_listed(struct extract *x, const char *rel,
    const struct archive_entry *e, struct buf *err)
{
	const char *base;
	char id[48];
	int dfd = open_parent(x, rel, &base, err);
	if (dfd < 0)
		return false;
	file_id(e, id, sizeof id);
	if (x->prev_ids_fd < 0 || e->ino == 0 ||
	    linkat(x->prev_ids_fd, id, dfd, base, 0) != 0) {
		buf_printf(err, "%s is listed as unchanged but the backup before "
		    "does not have it (%s)", e->path, strerror(errno));
		return false;
	}
	x->files++;
	return remember(x, dfd, base, e, err);
}

static bool x_entry(void *ctx, const struct archive_entry *e, struct buf *err)
{
	struct extract *x = ctx;
	const char *rel;
	switch (backup_path_ns(e->path, &rel)) {
	case NS_CONFIG:
		return open_file(x, x->config_rel, e, err);
	case NS_STATE:
		break;
	default:
		buf_printf(err, "unexpected entry '%s'", e->path);
		return false;
	}
	if (e->type == ARCHIVE_DIR)
		return make_dir(x, rel, e, err);
	/* A file where the config goes (an old copy beside a config kept
	 * elsewhere) gives way to the config, which came first. */
	if (x->config_rel != NULL && strcmp(rel, x->config_rel) == 0) {
		x->skipping = true;
		return true;
	}
	if (e->type == ARCHIVE_LISTED)
		return link_listed(x, rel, e, err);
	return open_file(x, rel, e, err);
}

static bool x_data(void *ctx, const void *p, size_t n, struct buf *err)
{
	struct extract *x = ctx;
	return x->skipping || file_write_full(x->cur_fd, p, n) ||
	    sys_fail(err, "cannot write", "a restored file");
}

static bool x_entry_end(void *ctx, const struct archive_entry *e,
    struct buf *err)
{
	struct extract *x = ctx;
	if (x->skipping || e->type != ARCHIVE_FILE) {
		x->skipping = false;
		return true;
	}
	struct timespec ts[2] = {
		{ .tv_sec = e->mtime, .tv_nsec = e->mtime_nsec },
		{ .tv_sec = e->mtime, .tv_nsec = e->mtime_nsec },
	};
	bool ok = fchmod(x->cur_fd, e->mode & 07777) == 0 &&
	    futimens(x->cur_fd, ts) == 0;
	close(x->cur_fd);
	x->cur_fd = -1;
	x->files++;
	return ok || sys_fail(err, "cannot set the mode or time of", e->path);
}

const struct archive_parse_ops extract_ops = {
	NULL, x_entry, x_data, x_entry_end, NULL,
};
