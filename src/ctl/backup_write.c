/* Records and file contents into the sealer for mailboxctl backup. */
#include "ctl/backup_write.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"

#define FLUSH_AT (256 * 1024)
#define READ_SIZE (256 * 1024)

bool bw_flush(struct backup_writer *w, bool force, struct buf *err)
{
	if (w->rec.len == 0 || (!force && w->rec.len < FLUSH_AT))
		return true;
	bool ok = w->counting ||
	    archive_sealer_write(w->sealer, w->rec.data, w->rec.len, err);
	buf_reset(&w->rec);
	return ok;
}

/* Owner and group names, remembered for the last id asked. */
static void owner_names(uid_t uid, gid_t gid, char *owner, char *group)
{
	static uid_t last_uid = (uid_t)-1;
	static gid_t last_gid = (gid_t)-1;
	static char uname[ARCHIVE_NAME_MAX + 1], gname[ARCHIVE_NAME_MAX + 1];
	if (uid != last_uid) {
		struct passwd *pw = getpwuid(uid);
		last_uid = uid;
		uname[0] = '\0';
		if (pw != NULL && archive_name_valid(pw->pw_name, strlen(pw->pw_name)))
			snprintf(uname, sizeof uname, "%s", pw->pw_name);
	}
	if (gid != last_gid) {
		struct group *gr = getgrgid(gid);
		last_gid = gid;
		gname[0] = '\0';
		if (gr != NULL && archive_name_valid(gr->gr_name, strlen(gr->gr_name)))
			snprintf(gname, sizeof gname, "%s", gr->gr_name);
	}
	memcpy(owner, uname, sizeof uname);
	memcpy(group, gname, sizeof gname);
}

/* The filesystem's number: its place in walk order, which stays the same
 * from one backup to the next while the mounts do (st_dev need not). */
static uint8_t fs_index(struct backup_writer *w, dev_t dev)
{
	for (unsigned i = 0; i < w->ndevs; i++)
		if (w->devs[i] == dev)
			return (uint8_t)(i + 1);
	if (w->ndevs == sizeof w->devs / sizeof w->devs[0])
		return 0;
	w->devs[w->ndevs++] = dev;
	return (uint8_t)w->ndevs;
}

void bw_meta(struct backup_writer *w, struct archive_entry *e,
    enum archive_type type, const char *path, const struct stat *st)
{
	memset(e, 0, sizeof *e);
	e->type = type;
	snprintf(e->path, sizeof e->path, "%s", path);
	e->mode = st->st_mode & 07777;
	e->mtime = st->st_mtim.tv_sec;
	e->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	owner_names(st->st_uid, st->st_gid, e->owner, e->group);
	if (type != ARCHIVE_DIR) {
		e->fs = fs_index(w, st->st_dev);
		e->ino = st->st_ino;
	}
}

bool bw_entry(struct backup_writer *w, const struct archive_entry *e,
    struct buf *err)
{
	if (!archive_put_entry(&w->rec, e)) {
		buf_printf(err, "cannot record '%s' (path too long?)", e->path);
		return false;
	}
	w->entries++;
	return bw_flush(w, false, err);
}

bool bw_file(struct backup_writer *w, struct archive_entry *e, int fd,
    struct buf *err)
{
	if (w->counting)
		return true;
	if (!bw_entry(w, e, err))
		return false;
	struct archive_file_enc fe;
	archive_file_begin(&fe);
	unsigned char *chunk = xmalloc(READ_SIZE);
	bool ok = true;
	for (;;) {
		ssize_t r = read(fd, chunk, READ_SIZE);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			buf_printf(err, "%s: %s", e->path, strerror(errno));
			ok = false;
			break;
		}
		if (r == 0)
			break;
		archive_file_data(&fe, &w->rec, chunk, (size_t)r);
		w->bytes += (uint64_t)r;
		progress_add(&w->progress, (uint64_t)r);
		if (!bw_flush(w, false, err)) {
			ok = false;
			break;
		}
	}
	free(chunk);
	if (ok)
		archive_file_end(&fe, &w->rec);
	return ok && bw_flush(w, false, err);
}
