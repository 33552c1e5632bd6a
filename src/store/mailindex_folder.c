/* Folder directories of mailboxes and their archmailbox-uidvalidity file. */
#include "store/mailindex_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "store/maildir.h"
#include "store/mboxname.h"

void mi_folder_dir(struct mailindex *ix, const char *name, struct buf *out)
{
	struct buf f = BUF_INIT;
	/* Names reach here canonical; a bad one maps to the Maildir, which
	 * callers never do (they validated first). */
	mboxname_to_folder(name, strlen(name), &f, NULL);
	buf_addstr(out, ix->maildir);
	if (f.len > 0)
		buf_printf(out, "/%s", f.data);
	buf_free(&f);
}

bool mi_folder_create(const char *dir, struct buf *err)
{
	/* Maildir++ folders carry a "maildirfolder" marker file. */
	if (!maildir_create(dir, err))
		return false;
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/maildirfolder", dir);
	int fd = open(p.data, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
	buf_free(&p);
	return true;
}

static void remove_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", dir, e->d_name);
		if (unlink(p.data) != 0 && errno == EISDIR)
			rmdir(p.data);
		buf_free(&p);
	}
	if (d != NULL)
		closedir(d);
}

void mi_folder_remove(const char *dir)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	for (int i = 0; i < 3; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", dir, subs[i]);
		remove_files(p.data);
		rmdir(p.data);
		buf_free(&p);
	}
	remove_files(dir);
	rmdir(dir);
}

bool mi_folder_meta_read(const char *dir, struct mi_folder_meta *m)
{
	struct buf p = BUF_INIT, data = BUF_INIT, err = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, MAILINDEX_UIDVALIDITY_FILE);
	bool ok = file_read_all(p.data, 256, &data, &err);
	unsigned long uv = 0, un = 0, sp = 0;
	int used = 0;
	ok = ok && sscanf(data.data, "%lu %lu %lu\n%n", &uv, &un, &sp, &used) == 3 &&
	    (size_t)used == data.len && uv > 0 && uv <= UINT32_MAX &&
	    un > 0 && un <= UINT32_MAX && (sp & ~(unsigned long)MAILINDEX_USE_MASK) == 0;
	if (ok) {
		m->uidvalidity = (uint32_t)uv;
		m->uidnext = (uint32_t)un;
		m->special = (unsigned)sp;
	}
	buf_free(&p);
	buf_free(&data);
	buf_free(&err);
	return ok;
}

void mi_folder_file_write(const char *dir, const char *name, const char *data,
    size_t len)
{
	/* Not synced: these files only help a rebuild, and losing the last
	 * update costs at most a new UIDVALIDITY, a UID above the true one
	 * or a keyword, never a reused UID. */
	struct buf p = BUF_INIT, t = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, name);
	buf_printf(&t, "%s/tmp/%s.%ld", dir, name, (long)getpid());
	int fd = open(t.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	bool ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	if (!ok || rename(t.data, p.data) != 0)
		unlink(t.data);
	buf_free(&p);
	buf_free(&t);
}

void mi_folder_meta_write(const char *dir, const struct mi_folder_meta *m)
{
	struct buf data = BUF_INIT;
	buf_printf(&data, "%" PRIu32 " %" PRIu32 " %u\n", m->uidvalidity,
	    m->uidnext, m->special);
	mi_folder_file_write(dir, MAILINDEX_UIDVALIDITY_FILE, data.data, data.len);
	buf_free(&data);
}

void mi_folder_meta_save(struct mailindex *ix, int64_t mbox)
{
	struct mailindex_mailbox mb;
	if (mailindex_mailbox_by_id(ix, mbox, &mb, NULL) != MAILINDEX_OK)
		return;
	struct buf dir = BUF_INIT;
	mi_folder_dir(ix, mb.name, &dir);
	struct mi_folder_meta m = { mb.uidvalidity, mb.uidnext, mb.special };
	mi_folder_meta_write(dir.data, &m);
	buf_free(&dir);
	mailindex_mailbox_free(&mb);
}
