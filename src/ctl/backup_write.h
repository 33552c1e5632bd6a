/* The writing side of mailboxctl backup (backup*.c only). */
#ifndef AMB_CTL_BACKUP_WRITE_H
#define AMB_CTL_BACKUP_WRITE_H
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ctl/backup.h"

struct backup_writer {
	struct archive_sealer *sealer;
	struct buf rec;             /* records not yet given to the sealer */
	int out_fd;
	uint64_t entries, bytes, out_bytes;
	struct progress progress;
	bool counting;              /* the walk only sums sizes for progress */
	bool incremental;
	struct timespec since;      /* incremental: changed at or after this */
	dev_t skip_dev[2];          /* the output and the config file: */
	ino_t skip_ino[2];          /* never walked into the state */
	const char *tmpdir;         /* for SQLite copies */
	dev_t devs[255];            /* filesystems in walk order: entry fs */
	unsigned ndevs;
};

/* Appends one entry record; FILE entries are followed by its content. */
bool bw_entry(struct backup_writer *w, const struct archive_entry *e,
    struct buf *err);
/* An entry's metadata from a stat. */
void bw_meta(struct backup_writer *w, struct archive_entry *e,
    enum archive_type type, const char *path, const struct stat *st);
/* Writes a FILE entry with fd's content (read to its end). */
bool bw_file(struct backup_writer *w, struct archive_entry *e, int fd,
    struct buf *err);
/* Hands pending records to the sealer once they exceed a chunk or two. */
bool bw_flush(struct backup_writer *w, bool force, struct buf *err);

/* Walks dirfd (archive path apath, path rel to state_dir) recursively. */
bool backup_walk(struct backup_writer *w, int dirfd, const char *apath,
    const char *rel, struct buf *err);

/* A consistent copy of the SQLite database at path (online backup API)
 * in an unlinked temp file under tmpdir: its descriptor, or -1. */
int backup_sqlite_copy(const char *path, const char *tmpdir, struct buf *err);

#endif
