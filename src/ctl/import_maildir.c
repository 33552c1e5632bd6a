/* mailboxctl import maildir ADDR PATH: a Dovecot Maildir++ (folders as
 * ".A.B", flags in ":2," and keywords in dovecot-keywords) or a mutt
 * directory of maildirs (each one a folder), re-stored for the user. */
#include "ctl/import.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "store/dovecot.h"
#include "store/mboxname.h"
#include "store/msgstore.h"
#include "store/stream.h"

#define MESSAGE_MAX (1ull << 30)

struct src_folder {
	char *dir;              /* the source folder directory */
	char *name;             /* its mailbox name */
};

struct src_file {
	char *path;
	char *name;             /* as in cur/ or new/ */
};

static bool is_maildir(const char *dir)
{
	struct buf p = BUF_INIT;
	struct stat st;
	buf_printf(&p, "%s/cur", dir);
	bool ok = stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
	buf_free(&p);
	return ok;
}

/* The mailbox name of a directory entry: ".A.B" of Maildir++ (with our
 * or Dovecot's listescape escapes) or a mutt folder's own name; in
 * UTF-8 or Dovecot's modified UTF-7. */
static bool folder_name(const char *entry, bool plusplus, struct buf *out)
{
	struct buf raw = BUF_INIT;
	if (plusplus && mboxname_from_folder(entry, strlen(entry), out)) {
		import_name_from_mutf7(out);
		return true;
	}
	if (plusplus) {
		for (const char *s = entry + 1; *s; s++)
			buf_addch(&raw, *s == '.' ? '/' : *s);
	} else {
		buf_addstr(&raw, entry);
	}
	import_name_from_mutf7(&raw);
	bool ok = raw.len > 0 && mboxname_canon(raw.data, raw.len, out, NULL);
	buf_free(&raw);
	return ok;
}

static void add_folder(struct src_folder **v, size_t *n, const char *dir,
    const char *name)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].dir = xstrdup(dir);
	(*v)[(*n)++].name = xstrdup(name);
}

static int folder_cmp(const void *a, const void *b)
{
	return strcmp(((const struct src_folder *)a)->name,
	    ((const struct src_folder *)b)->name);
}

static bool list_folders(const char *root, struct src_folder **v, size_t *n)
{
	bool plusplus = is_maildir(root);
	*v = NULL;
	*n = 0;
	if (plusplus)
		add_folder(v, n, root, "INBOX");
	DIR *d = opendir(root);
	if (d == NULL)
		return false;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (plusplus && e->d_name[0] != '.') ||
		    (!plusplus && e->d_name[0] == '.'))
			continue;
		struct buf dir = BUF_INIT, name = BUF_INIT;
		buf_printf(&dir, "%s/%s", root, e->d_name);
		if (is_maildir(dir.data)) {
			if (folder_name(e->d_name, plusplus, &name))
				add_folder(v, n, dir.data, name.data);
			else
				fprintf(stderr, "mailboxctl: %s: not a usable folder "
				    "name, skipped\n", dir.data);
		}
		buf_free(&dir);
		buf_free(&name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*v, *n, sizeof **v, folder_cmp);
	return true;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct src_file *)a)->name,
	    ((const struct src_file *)b)->name);
}

/* Files of cur/ and new/, in name order (Maildir names start with the
 * delivery time). */
static void list_files(const char *dir, struct src_file **v, size_t *n)
{
	static const char *subs[] = { "cur", "new" };
	*v = NULL;
	*n = 0;
	for (int i = 0; i < 2; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", dir, subs[i]);
		DIR *d = opendir(p.data);
		struct dirent *e;
		while (d != NULL && (e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			*v = xreallocarray(*v, *n + 1, sizeof **v);
			struct buf f = BUF_INIT;
			buf_printf(&f, "%s/%s", p.data, e->d_name);
			(*v)[*n].path = buf_detach(&f);
			(*v)[(*n)++].name = xstrdup(e->d_name);
		}
		if (d != NULL)
			closedir(d);
		buf_free(&p);
	}
	if (*n > 1)
		qsort(*v, *n, sizeof **v, file_cmp);
}

static void files_free(struct src_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].name);
	}
	free(v);
}

/* The message's bytes: plain, or xz/zstd as Dovecot's zlib plugin may
 * have written them. An encrypted file cannot be read without the key. */
static bool read_message(const char *path, struct buf *out, struct buf *err)
{
	struct istream *is = msgstore_open(path, NULL, NULL, err);
	if (is == NULL)
		return false;
	char chunk[65536];
	ssize_t r;
	while ((r = istream_read(is, chunk, sizeof chunk)) > 0 &&
	    out->len + (size_t)r <= MESSAGE_MAX)
		buf_add(out, chunk, (size_t)r);
	bool ok = r == 0;
	if (r < 0)
		buf_addstr(err, istream_error(is));
	else if (r > 0)
		buf_addstr(err, "message larger than 1 GiB");
	istream_free(is);
	return ok;
}

static void import_file(struct import_target *t, const struct src_folder *f,
    const char *dstdir, const struct dovecot_keywords *kws,
    const struct src_file *file)
{
	struct buf base = BUF_INIT, kw = BUF_INIT, data = BUF_INIT, err = BUF_INIT,
	    id = BUF_INIT;
	unsigned flags = 0;
	struct stat st;
	dovecot_name_parse(file->name, kws, &base, &flags, &kw);
	buf_printf(&id, "maildir:%s/%s", f->name, base.data);
	if (lstat(file->path, &st) != 0 || !S_ISREG(st.st_mode)) {
		/* gone meanwhile, or not a message */
	} else if (!read_message(file->path, &data, &err)) {
		t->failed++;
		fprintf(stderr, "mailboxctl: %s: %s\n", file->path, buf_cstr(&err));
	} else {
		import_target_store(t, dstdir, id.data, data.data, data.len, flags,
		    kw.data, (int64_t)st.st_mtime);
	}
	buf_free(&base);
	buf_free(&kw);
	buf_free(&data);
	buf_free(&err);
	buf_free(&id);
}

static void import_folder(struct import_target *t, const struct src_folder *f,
    struct progress *pr)
{
	struct buf dstdir = BUF_INIT, kwtext = BUF_INIT, err = BUF_INIT,
	    path = BUF_INIT;
	struct dovecot_keywords kws;
	struct src_file *files;
	size_t n;
	buf_printf(&path, "%s/%s", f->dir, DOVECOT_KEYWORDS_FILE);
	if (!file_read_all(path.data, 64 * 1024, &kwtext, &err))
		buf_reset(&kwtext);
	dovecot_keywords_parse(buf_cstr(&kwtext), kwtext.len, &kws);
	list_files(f->dir, &files, &n);
	if (!import_target_folder(t, f->name, &dstdir)) {
		t->failed += n;
	} else {
		for (size_t i = 0; i < n; i++) {
			import_file(t, f, dstdir.data, &kws, &files[i]);
			progress_step(pr);
		}
	}
	files_free(files, n);
	dovecot_keywords_free(&kws);
	buf_free(&path);
	buf_free(&dstdir);
	buf_free(&kwtext);
	buf_free(&err);
}

static uint64_t count_files(const struct src_folder *v, size_t n)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		struct src_file *files;
		size_t k;
		list_files(v[i].dir, &files, &k);
		files_free(files, k);
		total += k;
	}
	return total;
}

int import_maildir(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 3)
		return ctl_usage("usage: import maildir ADDR PATH");
	struct src_folder *folders;
	size_t n;
	if (!list_folders(argv[2], &folders, &n))
		return ctl_fail("%s: cannot read the directory", argv[2]);
	if (n == 0) {
		free(folders);
		return ctl_fail("%s: no Maildir here (no cur/ directory)", argv[2]);
	}
	struct import_target t;
	int rc = 1;
	if (import_target_open(ctl, argv[1], &t)) {
		struct progress pr;
		progress_init(&pr, "import", count_files(folders, n));
		for (size_t i = 0; i < n; i++)
			import_folder(&t, &folders[i], &pr);
		progress_end(&pr);
		rc = import_target_close(&t, "import maildir");
	}
	for (size_t i = 0; i < n; i++) {
		free(folders[i].dir);
		free(folders[i].name);
	}
	free(folders);
	return rc;
}
