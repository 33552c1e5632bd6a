#include "store/maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "store/mboxname.h"

static void add_escaped(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '/' || c == '%' || (i == 0 && c == '.'))
			buf_printf(out, "%%%02X", c);
		else
			buf_addch(out, (char)c);
	}
}

void maildir_user_path(const char *mail_dir, const char *address, struct buf *out)
{
	const char *at = strrchr(address, '@');
	size_t llen = at ? (size_t)(at - address) : strlen(address);
	const char *domain = at ? at + 1 : "";
	buf_printf(out, "%s/", mail_dir);
	add_escaped(out, domain, strlen(domain));
	buf_addch(out, '/');
	add_escaped(out, address, llen);
	buf_addstr(out, "/Maildir");
}

static bool mkdir_p(const char *path, struct buf *err)
{
	char *copy = xstrdup(path);
	bool ok = true;
	for (char *p = copy + 1; ok && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ok = mkdir(copy, 0700) == 0 || errno == EEXIST;
		*p = '/';
	}
	ok = ok && (mkdir(copy, 0700) == 0 || errno == EEXIST);
	int saved = errno;
	if (!ok)
		buf_printf(err, "%s: cannot create: %s", path, strerror(saved));
	free(copy);
	errno = saved;
	return ok;
}

bool maildir_create(const char *path, struct buf *err)
{
	static const char *subs[] = { "tmp", "new", "cur" };
	struct buf p = BUF_INIT;
	bool ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", path, subs[i]);
		ok = mkdir_p(p.data, err);
	}
	buf_free(&p);
	return ok;
}

bool maildir_folder_path(const char *maildir, const char *folder, struct buf *out)
{
	/* The same mapping as the mail index's (store/mboxname.h), so a
	 * folder of user+folder@domain is the mailbox IMAP shows. */
	struct buf f = BUF_INIT;
	if (!mboxname_to_folder(folder, strlen(folder), &f, NULL) && *folder) {
		buf_free(&f);
		return false;
	}
	buf_addstr(out, maildir);
	if (f.len > 0)
		buf_printf(out, "/%s", f.data);
	buf_free(&f);
	return true;
}

bool maildir_folder_exists(const char *maildir, const char *folder)
{
	struct buf p = BUF_INIT;
	struct stat st;
	bool ok = maildir_folder_path(maildir, folder, &p);
	if (ok) {
		buf_addstr(&p, "/cur");
		ok = stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
	}
	buf_free(&p);
	return ok;
}

/* Folder names in addresses come lower-cased (addresses are canonical),
 * so "user+lists" must find ".Lists": the exact name first, else the one
 * folder that matches ignoring ASCII case. */
bool maildir_folder_find(const char *maildir, const char *folder, struct buf *out)
{
	struct buf want = BUF_INIT;
	bool found = false;
	buf_reset(out);
	if (maildir_folder_exists(maildir, folder))
		return maildir_folder_path(maildir, folder, out);
	if (!maildir_folder_path("", folder, &want) || want.len < 2)
		goto done;
	DIR *dir = opendir(maildir);
	struct dirent *de;
	while (dir != NULL && !found && (de = readdir(dir)) != NULL) {
		if (strcasecmp(de->d_name, want.data + 1) != 0)
			continue;
		buf_printf(out, "%s/%s", maildir, de->d_name);
		struct buf cur = BUF_INIT;
		struct stat st;
		buf_printf(&cur, "%s/cur", out->data);
		found = stat(cur.data, &st) == 0 && S_ISDIR(st.st_mode);
		buf_free(&cur);
		if (!found)
			buf_reset(out);
	}
	if (dir != NULL)
		closedir(dir);
done:
	buf_free(&want);
	return found;
}

void maildir_base_name(const char *queue_id, unsigned rcpt, const char *hostname,
    uint64_t size, struct buf *out)
{
	buf_printf(out, "%s.R%u.", queue_id, rcpt);
	/* '/' and ':' would break the name; the Maildir spec escapes them. */
	for (const char *h = hostname; *h; h++) {
		if (*h == '/')
			buf_addstr(out, "\\057");
		else if (*h == ':')
			buf_addstr(out, "\\072");
		else
			buf_addch(out, *h);
	}
	buf_printf(out, ",S=%llu", (unsigned long long)size);
}

bool maildir_has(const char *dir, const char *base, bool scan_cur)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/new/%s", dir, base);
	bool found = file_exists(p.data);
	buf_reset(&p);
	buf_printf(&p, "%s/cur", dir);
	DIR *d = found || !scan_cur ? NULL : opendir(p.data);
	size_t blen = strlen(base);
	struct dirent *e;
	while (d != NULL && !found && (e = readdir(d)) != NULL)
		found = strncmp(e->d_name, base, blen) == 0 &&
		    (e->d_name[blen] == '\0' || e->d_name[blen] == ':' ||
		    e->d_name[blen] == ',');  /* ",U=<uid>" of the mail index */
	if (d)
		closedir(d);
	buf_free(&p);
	return found;
}

bool maildir_deliver_begin(const char *dir, const char *base,
    struct maildir_delivery *d, struct buf *err)
{
	struct buf t = BUF_INIT, n = BUF_INIT;
	buf_printf(&t, "%s/tmp/%s", dir, base);
	buf_printf(&n, "%s/new/%s", dir, base);
	/* A leftover of an interrupted attempt is replaced. */
	unlink(t.data);
	d->fd = open(t.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->fd < 0) {
		int saved = errno;
		buf_printf(err, "%s: %s", t.data, strerror(saved));
		buf_free(&t);
		buf_free(&n);
		errno = saved;
		return false;
	}
	d->tmp_path = buf_detach(&t);
	d->new_path = buf_detach(&n);
	return true;
}

static void delivery_free(struct maildir_delivery *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->tmp_path);
	free(d->new_path);
	d->tmp_path = d->new_path = NULL;
}

bool maildir_deliver_commit(struct maildir_delivery *d, struct buf *err)
{
	bool ok = fsync(d->fd) == 0;
	int saved = errno;
	if (close(d->fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	d->fd = -1;
	if (ok && rename(d->tmp_path, d->new_path) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		buf_printf(err, "%s: %s", d->tmp_path, strerror(saved));
		unlink(d->tmp_path);
	} else if (!file_sync_parent(d->new_path, err)) {
		ok = false;
		saved = errno;
	}
	delivery_free(d);
	errno = saved;
	return ok;
}

void maildir_deliver_abort(struct maildir_delivery *d)
{
	if (d->tmp_path != NULL)
		unlink(d->tmp_path);
	delivery_free(d);
}

static uint64_t sizes_in(const char *dir)
{
	DIR *d = opendir(dir);
	uint64_t sum = 0;
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		const char *s = strstr(e->d_name, ",S=");
		if (s != NULL)
			sum += strtoull(s + 3, NULL, 10);
	}
	if (d)
		closedir(d);
	return sum;
}

static uint64_t usage_of(const char *dir)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/new", dir);
	uint64_t sum = sizes_in(p.data);
	buf_reset(&p);
	buf_printf(&p, "%s/cur", dir);
	sum += sizes_in(p.data);
	buf_free(&p);
	return sum;
}

uint64_t maildir_usage(const char *maildir)
{
	uint64_t sum = usage_of(maildir);
	DIR *d = opendir(maildir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", maildir, e->d_name);
		sum += usage_of(p.data);
		buf_free(&p);
	}
	if (d)
		closedir(d);
	return sum;
}
