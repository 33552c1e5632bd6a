/* mailboxctl restore internals (restore*.c only). */
#ifndef AMB_CTL_RESTORE_H
#define AMB_CTL_RESTORE_H
#include <stdbool.h>

#include "ctl/backup.h"

/* Writes one backup's entries under a fresh staging directory. Every
 * path is opened relative to it without following symlinks, created
 * exclusively; nothing outside it is written except config_tmp and the
 * ids directory. */
struct extract {
	int root_fd;                /* the staging directory */
	/* Every file is also linked as "<fs>-<ino>" into ids_fd (when a
	 * later backup of the chain follows), and a listed file is linked
	 * from the previous backup's ids: found however it was renamed. */
	int ids_fd, prev_ids_fd;
	const char *config_rel;     /* where "config" goes under root_fd, */
	const char *config_tmp;     /* or this absolute path */
	bool chown;                 /* running as root: restore owners */
	int cur_fd;                 /* the file being written */
	bool skipping;              /* the entry under way is not written */
	struct buf dir_rel;         /* the parent directory last opened */
	int dir_fd;
	uint64_t files;
};
extern const struct archive_parse_ops extract_ops;
void extract_init(struct extract *x, int root_fd, int ids_fd, int prev_ids_fd);
void extract_free(struct extract *x);

/* Removes the tree at path (nothing followed through symlinks). */
bool remove_tree(const char *path, struct buf *err);

/* Rewrites the staged config for its new place: state_dir = new_state,
 * and path settings under old_state moved under new_state. */
bool restore_rewrite_config(const char *conf, const char *old_state,
    const char *new_state, struct buf *err);

#endif
