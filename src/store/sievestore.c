/* Sieve scripts of one user: files in a directory and one symlink. */
#include "store/sievestore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "mail/encwords.h"
#include "store/maildir.h"

#define SUFFIX ".sieve"

void sievestore_dir(const char *mail_dir, const char *address,
    struct buf *out)
{
	size_t start = out->len;
	maildir_user_path(mail_dir, address, out);
	/* <user dir>/Maildir -> <user dir>/sieve */
	out->len = start + (out->len - start) - strlen("Maildir");
	out->data[out->len] = '\0';
	buf_addstr(out, "sieve");
}

bool sievestore_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > SIEVESTORE_NAME_MAX || name[0] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return false;
	struct buf v = BUF_INIT;
	utf8_append_valid(name, n, &v);
	bool ok = v.len == n && memcmp(v.data, name, n) == 0;
	buf_free(&v);
	return ok;
}

static void script_path(const char *dir, const char *name, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s" SUFFIX, dir, name);
}

static bool make_dir(const char *dir, struct buf *err)
{
	/* The user's directory may not exist before their first mail. */
	char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	bool ok = true;
	if (slash != NULL) {
		*slash = '\0';
		char *up = strrchr(parent, '/');
		if (up != NULL) {
			*up = '\0';
			ok = file_exists(parent) || file_mkdir(parent, 0700, err);
			*up = '/';
		}
		ok = ok && (file_exists(parent) || file_mkdir(parent, 0700, err));
	}
	free(parent);
	return ok && (file_exists(dir) || file_mkdir(dir, 0700, err));
}

enum sievestore_rc sievestore_put(const char *dir, const char *name,
    const char *text, size_t len, struct buf *err)
{
	struct buf p = BUF_INIT;
	enum sievestore_rc rc = SIEVESTORE_OK;
	script_path(dir, name, &p);
	size_t n = 0;
	if (!file_exists(p.data)) {
		char **names = sievestore_list(dir, &n);
		sievestore_list_free(names, n);
		if (n >= SIEVESTORE_MAX_SCRIPTS)
			rc = SIEVESTORE_FULL;
	}
	if (rc == SIEVESTORE_OK && (!make_dir(dir, err) ||
	    !file_write_atomic(p.data, text, len, 0600, err)))
		rc = SIEVESTORE_FAIL;
	buf_free(&p);
	return rc;
}

enum sievestore_rc sievestore_get(const char *dir, const char *name,
    struct buf *out, struct buf *err)
{
	struct buf p = BUF_INIT;
	script_path(dir, name, &p);
	enum sievestore_rc rc = !file_exists(p.data) ? SIEVESTORE_NOTFOUND :
	    file_read_all(p.data, 4 * 1024 * 1024, out, err) ? SIEVESTORE_OK :
	    SIEVESTORE_FAIL;
	buf_free(&p);
	return rc;
}

void sievestore_active(const char *dir, struct buf *out)
{
	char target[SIEVESTORE_NAME_MAX + 16];
	struct buf p = BUF_INIT;
	buf_reset(out);
	buf_printf(&p, "%s/active", dir);
	ssize_t n = readlink(p.data, target, sizeof target - 1);
	size_t sl = strlen(SUFFIX);
	if (n > (ssize_t)sl && memcmp(target + n - sl, SUFFIX, sl) == 0) {
		target[n - sl] = '\0';
		if (sievestore_name_ok(target))
			buf_addstr(out, target);
	}
	buf_free(&p);
}

enum sievestore_rc sievestore_activate(const char *dir, const char *name,
    struct buf *err)
{
	struct buf link = BUF_INIT, tmp = BUF_INIT, target = BUF_INIT;
	enum sievestore_rc rc = SIEVESTORE_OK;
	buf_printf(&link, "%s/active", dir);
	if (*name == '\0') {
		if (unlink(link.data) != 0 && errno != ENOENT) {
			buf_printf(err, "%s: %s", link.data, strerror(errno));
			rc = SIEVESTORE_FAIL;
		}
		goto out;
	}
	script_path(dir, name, &tmp);
	if (!file_exists(tmp.data)) {
		rc = SIEVESTORE_NOTFOUND;
		goto out;
	}
	buf_printf(&target, "%s" SUFFIX, name);
	buf_reset(&tmp);
	buf_printf(&tmp, "%s/.active.tmp", dir);
	unlink(tmp.data);
	if (symlink(target.data, tmp.data) != 0 ||
	    rename(tmp.data, link.data) != 0) {
		buf_printf(err, "%s: %s", link.data, strerror(errno));
		unlink(tmp.data);
		rc = SIEVESTORE_FAIL;
	} else if (!file_sync_parent(link.data, err)) {
		rc = SIEVESTORE_FAIL;
	}
out:
	buf_free(&link);
	buf_free(&tmp);
	buf_free(&target);
	return rc;
}

enum sievestore_rc sievestore_delete(const char *dir, const char *name,
    struct buf *err)
{
	struct buf p = BUF_INIT, act = BUF_INIT;
	enum sievestore_rc rc = SIEVESTORE_OK;
	sievestore_active(dir, &act);
	script_path(dir, name, &p);
	if (!strcmp(buf_cstr(&act), name)) {
		rc = SIEVESTORE_ACTIVE;
	} else if (unlink(p.data) != 0) {
		rc = errno == ENOENT ? SIEVESTORE_NOTFOUND : SIEVESTORE_FAIL;
		if (rc == SIEVESTORE_FAIL)
			buf_printf(err, "%s: %s", p.data, strerror(errno));
	}
	buf_free(&p);
	buf_free(&act);
	return rc;
}

enum sievestore_rc sievestore_rename(const char *dir, const char *from,
    const char *to, struct buf *err)
{
	struct buf a = BUF_INIT, b = BUF_INIT, act = BUF_INIT;
	enum sievestore_rc rc = SIEVESTORE_OK;
	script_path(dir, from, &a);
	script_path(dir, to, &b);
	sievestore_active(dir, &act);
	if (!file_exists(a.data))
		rc = SIEVESTORE_NOTFOUND;
	else if (file_exists(b.data))
		rc = SIEVESTORE_EXISTS;
	else if (rename(a.data, b.data) != 0 || !file_sync_parent(b.data, err))
		rc = SIEVESTORE_FAIL;
	if (rc == SIEVESTORE_FAIL && err->len == 0)
		buf_printf(err, "%s: %s", a.data, strerror(errno));
	/* The active script keeps being active under its new name. */
	if (rc == SIEVESTORE_OK && !strcmp(buf_cstr(&act), from))
		rc = sievestore_activate(dir, to, err);
	buf_free(&a);
	buf_free(&b);
	buf_free(&act);
	return rc;
}

/* Records older than any :days (365 at most) are of no more use. */
static void vacation_prune(const char *vdir, time_t now)
{
	DIR *d = opendir(vdir);
	struct dirent *de;
	struct stat st;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime > 366L * 86400)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d != NULL)
		closedir(d);
}

bool sievestore_vacation_due(const char *dir, const char *key, long days,
    time_t now)
{
	struct buf p = BUF_INIT, err = BUF_INIT;
	struct stat st;
	bool due = strspn(key, "0123456789abcdef") == strlen(key) && *key;
	buf_printf(&p, "%s/.vacation/%s", dir, key);
	if (due && stat(p.data, &st) == 0 && st.st_mtime <= now &&
	    now - st.st_mtime < (time_t)days * 86400)
		due = false;
	if (due) {
		/* Recorded before the reply goes: a lost reply beats two. */
		buf_reset(&p);
		buf_printf(&p, "%s/.vacation", dir);
		if (make_dir(dir, &err) && (file_exists(p.data) ||
		    file_mkdir(p.data, 0700, &err))) {
			vacation_prune(p.data, now);
			buf_printf(&p, "/%s", key);
			int fd = open(p.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
			    O_NOFOLLOW, 0600);
			struct timespec ts[2] = { { now, 0 }, { now, 0 } };
			due = fd >= 0 && futimens(fd, ts) == 0;
			if (fd >= 0)
				close(fd);
		} else {
			due = false;
		}
	}
	buf_free(&p);
	buf_free(&err);
	return due;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **sievestore_list(const char *dir, size_t *n)
{
	char **v = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return NULL;
	struct dirent *de;
	size_t sl = strlen(SUFFIX);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= sl || strcmp(de->d_name + len - sl, SUFFIX) != 0)
			continue;
		char *name = xstrndup(de->d_name, len - sl);
		if (!sievestore_name_ok(name)) {
			free(name);
			continue;
		}
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = name;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof *v, cmp_names);
	return v;
}

void sievestore_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
