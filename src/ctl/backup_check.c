/* The archive's description and the checks every reader makes. */
#include "ctl/backup.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "common/xmalloc.h"

static bool set_path(char **dst, const char *v, size_t n, struct buf *err)
{
	if (n == 0 || v[0] != '/' || memchr(v, '\0', n)) {
		buf_addstr(err, "backup description: a path is not absolute");
		return false;
	}
	free(*dst);
	*dst = xstrndup(v, n);
	return true;
}

static bool info_line(struct backup_info *bi, const char *line, size_t n,
    struct buf *err)
{
	const char *eq = memchr(line, '=', n);
	if (eq == NULL)
		return true;
	size_t klen = (size_t)(eq - line), vlen = n - klen - 1;
	const char *v = eq + 1;
	char num[24];
#define KEY(k) (klen == sizeof k - 1 && memcmp(line, k, klen) == 0)
	if (KEY("state_dir"))
		return set_path(&bi->state_dir, v, vlen, err);
	if (KEY("config_path"))
		return set_path(&bi->config_path, v, vlen, err);
	if (KEY("hostname")) {
		free(bi->hostname);
		bi->hostname = xstrndup(v, vlen);
	} else if ((KEY("created") || KEY("since")) && vlen < sizeof num) {
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		*(KEY("created") ? &bi->created : &bi->since) = strtoll(num, NULL, 10);
	}
#undef KEY
	return true;
}

bool backup_info_parse(const char *text, size_t len, struct backup_info *bi,
    struct buf *err)
{
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		if (!info_line(bi, text, n, err))
			return false;
		text += n;
		len -= n;
		if (len > 0) {
			text++;
			len--;
		}
	}
	if (bi->state_dir == NULL || bi->config_path == NULL) {
		buf_addstr(err, "backup description lacks state_dir or config_path");
		return false;
	}
	return true;
}

void backup_info_free(struct backup_info *bi)
{
	free(bi->state_dir);
	free(bi->config_path);
	free(bi->hostname);
	memset(bi, 0, sizeof *bi);
}

enum backup_ns backup_path_ns(const char *path, const char **rel)
{
	if (strcmp(path, BACKUP_CONFIG) == 0) {
		*rel = path;
		return NS_CONFIG;
	}
	size_t n = strlen(BACKUP_STATE);
	if (strncmp(path, BACKUP_STATE, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/')) {
		*rel = path[n] ? path + n + 1 : "";
		return NS_STATE;
	}
	return NS_BAD;
}

static bool check_info(void *ctx, const char *text, size_t len, struct buf *err)
{
	struct backup_check *c = ctx;
	return backup_info_parse(text, len, &c->info, err);
}

static bool check_entry(void *ctx, const struct archive_entry *e, struct buf *err)
{
	struct backup_check *c = ctx;
	const char *rel;
	enum backup_ns ns = backup_path_ns(e->path, &rel);
	if (ns == NS_BAD || (ns == NS_CONFIG && (e->type != ARCHIVE_FILE ||
	    c->have_config)) || (ns == NS_STATE && *rel == '\0' &&
	    e->type != ARCHIVE_DIR)) {
		buf_printf(err, "unexpected entry '%s' in the backup", e->path);
		return false;
	}
	if (ns == NS_STATE && !c->have_config) {
		buf_addstr(err, "the backup's config does not come first");
		return false;
	}
	if (e->type == ARCHIVE_LISTED && !c->incremental) {
		buf_addstr(err, "a full backup lists an unchanged file");
		return false;
	}
	c->have_config = c->have_config || ns == NS_CONFIG;
	if (e->type == ARCHIVE_DIR)
		c->dirs++;
	else if (e->type == ARCHIVE_LISTED)
		c->listed++;
	return true;
}

static bool check_entry_end(void *ctx, const struct archive_entry *e,
    struct buf *err)
{
	(void)err;
	struct backup_check *c = ctx;
	if (e->type == ARCHIVE_FILE) {
		c->files++;
		c->bytes += e->size;
	}
	return true;
}

static bool check_end(void *ctx, uint64_t entries, uint64_t bytes, struct buf *err)
{
	(void)entries;
	(void)bytes;
	struct backup_check *c = ctx;
	if (!c->have_config) {
		buf_addstr(err, "the backup holds no config file");
		return false;
	}
	return true;
}

const struct archive_parse_ops backup_check_ops = {
	check_info, check_entry, NULL, check_entry_end, check_end,
};

void backup_check_free(struct backup_check *c)
{
	backup_info_free(&c->info);
}
