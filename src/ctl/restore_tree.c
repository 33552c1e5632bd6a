/* Removing a staging tree, and fitting the restored config to its place. */
#include "ctl/restore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/config_table.h"
#include "common/str.h"

static bool remove_in(int dirfd, struct buf *err)
{
	DIR *d = fdopendir(dirfd);
	if (d == NULL) {
		close(dirfd);
		return false;
	}
	bool ok = true;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			continue;
		int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || !remove_in(sub, err) ||
		    unlinkat(dirfd, de->d_name, AT_REMOVEDIR) != 0) {
			if (err->len == 0)
				buf_printf(err, "cannot remove %s: %s", de->d_name,
				    strerror(errno));
			ok = false;
		}
	}
	closedir(d);
	return ok;
}

bool remove_tree(const char *path, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	bool ok = remove_in(fd, err);
	if (ok && rmdir(path) != 0) {
		buf_printf(err, "cannot remove %s: %s", path, strerror(errno));
		ok = false;
	}
	return ok;
}

/* state_dir becomes new_state; a path setting that pointed into the old
 * state directory points to the same place in the new one. Relative
 * paths are under state_dir already and stay as they are. */
bool restore_rewrite_config(const char *conf, const char *old_state,
    const char *new_state, struct buf *err)
{
	struct config *cfg = config_load(conf, err);
	if (cfg == NULL)
		return false;
	bool ok = config_set(conf, "state_dir", new_state, err);
	size_t olen = strlen(old_state);
	for (unsigned i = 0; ok && i < config_nsettings; i++) {
		const struct config_setting *s = &config_settings[i];
		if ((s->type != CT_PATH && s->type != CT_ABSPATH) ||
		    strcmp(s->key, "state_dir") == 0)
			continue;
		const char *v = config_str(cfg, s->key);
		if (strncmp(v, old_state, olen) != 0 || v[olen] != '/')
			continue;
		struct buf nv = BUF_INIT;
		buf_printf(&nv, "%s%s", new_state, v + olen);
		ok = config_set(conf, s->key, nv.data, err);
		buf_free(&nv);
	}
	config_free(cfg);
	return ok;
}
