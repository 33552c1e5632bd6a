/* Copying a seed user's Maildir into ours. The message files stay as
 * they are: trees(xz(message)) is our stored format too, and without the
 * user's password they cannot be re-encrypted anyway. Dovecot's UIDs
 * (dovecot-uidlist) go into the names as ",U=<uid>" and its UIDVALIDITY
 * into archmailbox-uidvalidity, which the mail index's rebuild takes
 * over: mail clients see the same UIDs and need not download again. */
#include "ctl/import_seed.h"

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
#include "ctl/import.h"
#include "store/dovecot.h"
#include "store/maildir.h"
#include "store/mailindex.h"
#include "store/mboxname.h"
#include "store/msgstore.h"
#include "store/stream.h"

#define SIDE_FILE_MAX (64u << 20)

/* Copies src to dst (a new file, synced), with src's times. The folder's
 * directories are synced once it is done (sync_dirs). */
static bool copy_file(const char *src, const char *tmp, const char *dst,
    struct buf *err)
{
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unlink(tmp);
	int out = in < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	struct stat st;
	bool ok = out >= 0 && fstat(in, &st) == 0;
	char chunk[65536];
	ssize_t r = 0;
	while (ok && (r = read(in, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		ok = r > 0 && write(out, chunk, (size_t)r) == r;
	}
	struct timespec ts[2];
	if (ok) {
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		ok = futimens(out, ts) == 0 && fsync(out) == 0;
	}
	if (out >= 0 && close(out) != 0)
		ok = false;
	ok = ok && rename(tmp, dst) == 0;
	if (!ok) {
		buf_printf(err, "%s: %s", src, strerror(errno));
		if (out >= 0)
			unlink(tmp);
	}
	if (in >= 0)
		close(in);
	return ok;
}

/* The size of the message a file holds, when it can be read without a
 * key (plain, xz or zstd); false for a trees file. */
static bool plain_size(const char *path, uint64_t *size)
{
	struct buf err = BUF_INIT;
	struct istream *is = msgstore_open(path, NULL, NULL, &err);
	char chunk[65536];
	ssize_t r = is == NULL ? -1 : 0;
	*size = 0;
	while (is != NULL && (r = istream_read(is, chunk, sizeof chunk)) > 0)
		*size += (uint64_t)r;
	istream_free(is);
	buf_free(&err);
	return r == 0;
}

/* The index takes RFC822.SIZE from ",S=" (Dovecot writes it, the size
 * before compression and encryption); a name without one gets it here
 * when the file can be read, else the stored size will be shown. */
static void add_size(const char *path, struct buf *base, bool *unknown)
{
	uint64_t size;
	if (strstr(buf_cstr(base), ",S=") != NULL)
		return;
	if (plain_size(path, &size))
		buf_printf(base, ",S=%llu", (unsigned long long)size);
	else
		*unknown = true;
}

/* The renames into cur/ and new/ made durable, one fsync each. */
static bool sync_dirs(const char *dir, struct buf *err)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/cur/x", dir);
	bool ok = file_sync_parent(p.data, err);
	buf_reset(&p);
	buf_printf(&p, "%s/new/x", dir);
	ok = ok && file_sync_parent(p.data, err);
	buf_free(&p);
	return ok;
}

struct folder_copy {
	const char *src, *dst;
	struct dovecot_uidlist uids;
	bool have_uids;
	bool size_unknown;          /* a trees file without ",S=" */
	struct name_set have;       /* what the destination holds */
	struct seed_mail_stats *st;
};

static void copy_message(struct folder_copy *f, const char *sub,
    const char *name)
{
	struct buf base = BUF_INIT, kw = BUF_INIT, from = BUF_INIT, tmp = BUF_INIT,
	    to = BUF_INIT, err = BUF_INIT;
	unsigned flags;
	dovecot_name_parse(name, NULL, &base, &flags, &kw);
	if (name_set_has(&f->have, base.data)) {
		f->st->skipped++;
		goto out;
	}
	const char *colon = strchr(name, ':');
	uint32_t uid = f->have_uids ? dovecot_uidlist_find(&f->uids, base.data) : 0;
	buf_printf(&from, "%s/%s/%s", f->src, sub, name);
	add_size(from.data, &base, &f->size_unknown);
	buf_printf(&tmp, "%s/tmp/%s", f->dst, base.data);
	if (uid != 0)
		buf_printf(&to, "%s/cur/%s,U=%u%s", f->dst, base.data, uid,
		    colon ? colon : ":2,");
	else
		buf_printf(&to, "%s/%s/%s%s", f->dst, sub, base.data,
		    colon ? colon : "");
	if (copy_file(from.data, tmp.data, to.data, &err)) {
		f->st->copied++;
	} else {
		f->st->failed++;
		fprintf(stderr, "mailboxctl: %s\n", buf_cstr(&err));
	}
out:
	progress_step(f->st->pr);
	buf_free(&base);
	buf_free(&kw);
	buf_free(&from);
	buf_free(&tmp);
	buf_free(&to);
	buf_free(&err);
}

/* A side file of the folder, read whole (missing: empty). */
static void read_side(const char *dir, const char *name, struct buf *out)
{
	struct buf p = BUF_INIT, err = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, name);
	if (!file_read_all(p.data, SIDE_FILE_MAX, out, &err))
		buf_reset(out);
	buf_free(&p);
	buf_free(&err);
}

/* dovecot-keywords as is (the letters in the names keep their meaning),
 * and the UIDVALIDITY, unless an earlier run already put them there. */
static void side_files(struct folder_copy *f)
{
	struct buf kw = BUF_INIT, p = BUF_INIT, err = BUF_INIT, meta = BUF_INIT;
	buf_printf(&p, "%s/%s", f->dst, DOVECOT_KEYWORDS_FILE);
	read_side(f->src, DOVECOT_KEYWORDS_FILE, &kw);
	if (kw.len > 0 && !file_exists(p.data))
		file_write_atomic(p.data, kw.data, kw.len, 0600, &err);
	buf_reset(&p);
	buf_printf(&p, "%s/%s", f->dst, MAILINDEX_UIDVALIDITY_FILE);
	if (f->have_uids && !file_exists(p.data)) {
		buf_printf(&meta, "%u %u 0\n", f->uids.uidvalidity, f->uids.uidnext);
		file_write_atomic(p.data, meta.data, meta.len, 0600, &err);
	}
	buf_free(&kw);
	buf_free(&p);
	buf_free(&err);
	buf_free(&meta);
}

static bool copy_folder(const char *src, const char *dst,
    struct seed_mail_stats *st, struct buf *err)
{
	struct folder_copy f = { .src = src, .dst = dst, .st = st };
	struct buf text = BUF_INIT;
	if (!maildir_create(dst, err))
		return false;
	name_set_load(&f.have, dst);
	read_side(src, DOVECOT_UIDLIST_FILE, &text);
	f.have_uids = dovecot_uidlist_parse(buf_cstr(&text), text.len, &f.uids);
	buf_free(&text);
	side_files(&f);
	static const char *subs[] = { "cur", "new" };
	for (int i = 0; i < 2; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", src, subs[i]);
		DIR *d = opendir(p.data);
		struct dirent *e;
		while (d != NULL && (e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				copy_message(&f, subs[i], e->d_name);
		if (d != NULL)
			closedir(d);
		buf_free(&p);
	}
	if (f.size_unknown)
		fprintf(stderr, "mailboxctl: %s: encrypted files without \",S=\" "
		    "in their names: their size shows as the stored size\n", src);
	dovecot_uidlist_free(&f.uids);
	name_set_free(&f.have);
	return sync_dirs(dst, err);
}

static bool is_folder(const char *dir, void *arg)
{
	struct buf p = BUF_INIT;
	struct stat sb;
	buf_printf(&p, "%s/%s/cur", (const char *)arg, dir);
	bool ok = strchr(dir, '/') == NULL && stat(p.data, &sb) == 0 &&
	    S_ISDIR(sb.st_mode);
	buf_free(&p);
	return ok;
}

/* Dovecot's subscriptions become ours (the index reads them when it is
 * built), unless an earlier run already wrote them. */
static void copy_subscriptions(const char *src, const char *dst)
{
	struct buf in = BUF_INIT, out = BUF_INIT, p = BUF_INIT, err = BUF_INIT;
	buf_printf(&p, "%s/%s", dst, MAILINDEX_SUBSCRIPTIONS_FILE);
	read_side(src, MAILINDEX_SUBSCRIPTIONS_FILE, &in);
	if (in.len > 0 && !file_exists(p.data)) {
		struct buf names = BUF_INIT, one = BUF_INIT;
		dovecot_subscriptions_parse(in.data, in.len, is_folder, (void *)src,
		    &names);
		char *save = NULL;
		for (char *l = strtok_r(names.data, "\n", &save); l != NULL;
		    l = strtok_r(NULL, "\n", &save)) {
			buf_set(&one, l);
			import_name_from_mutf7(&one);
			buf_printf(&out, "%s\n", one.data);
		}
		buf_free(&names);
		buf_free(&one);
		if (out.len > 0)
			file_write_atomic(p.data, out.data, out.len, 0600, &err);
	}
	buf_free(&in);
	buf_free(&out);
	buf_free(&p);
	buf_free(&err);
}

/* Brings the index in line with what was copied: built from the files
 * the first time, files added behind its back taken in on a re-run. */
static bool index_all(const char *dst, struct buf *err)
{
	struct mailindex *ix = mailindex_open(dst, 0, err);
	if (ix == NULL)
		return false;
	struct mailindex_mailbox *v = NULL;
	size_t n = 0;
	enum mailindex_rc rc = mailindex_list(ix, &v, &n, err);
	for (size_t i = 0; i < n && rc == MAILINDEX_OK; i++)
		rc = mailindex_sync(ix, v[i].id, true, err);
	mailindex_list_free(v, n);
	mailindex_close(ix);
	return rc == MAILINDEX_OK;
}

typedef bool folder_fn(const char *src, const char *name, void *arg);

/* Calls fn for the Maildir itself (name "") and each of its folders. */
static bool each_folder(const char *src_maildir, folder_fn *fn, void *arg,
    struct buf *err)
{
	DIR *d = opendir(src_maildir);
	if (d == NULL) {
		buf_printf(err, "%s: %s", src_maildir, strerror(errno));
		return false;
	}
	bool ok = fn(src_maildir, "", arg);
	struct dirent *e;
	while (ok && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' || !strcmp(e->d_name, ".") ||
		    !strcmp(e->d_name, ".."))
			continue;
		struct buf s = BUF_INIT, cur = BUF_INIT;
		struct stat sb;
		buf_printf(&s, "%s/%s", src_maildir, e->d_name);
		buf_printf(&cur, "%s/cur", s.data);
		if (stat(cur.data, &sb) == 0 && S_ISDIR(sb.st_mode))
			ok = fn(s.data, e->d_name, arg);
		buf_free(&s);
		buf_free(&cur);
	}
	closedir(d);
	return ok;
}

static unsigned long count_in(const char *dir)
{
	unsigned long n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

static bool count_folder(const char *src, const char *name, void *arg)
{
	(void)name;
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/cur", src);
	*(unsigned long *)arg += count_in(p.data);
	buf_reset(&p);
	buf_printf(&p, "%s/new", src);
	*(unsigned long *)arg += count_in(p.data);
	buf_free(&p);
	return true;
}

unsigned long seed_mail_count(const char *src_maildir)
{
	unsigned long n = 0;
	struct buf err = BUF_INIT;
	each_folder(src_maildir, count_folder, &n, &err);
	buf_free(&err);
	return n;
}

struct copy_run {
	const char *dst;
	struct seed_mail_stats *st;
	struct buf *err;
};

/* A folder keeps its directory name, unless that is a name in modified
 * UTF-7: then it gets the directory of the UTF-8 name. */
static void folder_dir(const char *dst, const char *entry, struct buf *out)
{
	struct buf name = BUF_INIT, folder = BUF_INIT;
	buf_addstr(out, dst);
	if (mboxname_from_folder(entry, strlen(entry), &name) &&
	    import_name_from_mutf7(&name) &&
	    mboxname_to_folder(name.data, name.len, &folder, NULL))
		buf_printf(out, "/%s", folder.data);
	else if (*entry)
		buf_printf(out, "/%s", entry);
	buf_free(&name);
	buf_free(&folder);
}

static bool copy_one_folder(const char *src, const char *name, void *arg)
{
	struct copy_run *c = arg;
	struct buf t = BUF_INIT;
	folder_dir(c->dst, name, &t);
	bool ok = copy_folder(src, t.data, c->st, c->err);
	buf_free(&t);
	return ok;
}

bool seed_mail_copy(const char *src_maildir, const char *dst_maildir,
    struct seed_mail_stats *st, struct buf *err)
{
	struct copy_run c = { dst_maildir, st, err };
	bool ok = each_folder(src_maildir, copy_one_folder, &c, err);
	if (ok)
		copy_subscriptions(src_maildir, dst_maildir);
	return ok && index_all(dst_maildir, err);
}
