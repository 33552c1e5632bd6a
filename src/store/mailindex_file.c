/* Message file names: "<base>,U=<uid>:2,<info>" in cur/, "<base>" in new/;
 * <info> is the flag letters, then keyword letters a..z (Dovecot's). */
#include "store/mailindex_priv.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/xmalloc.h"

/* Maildir info letters in the order the spec wants them (ASCII). */
static const struct {
	char letter;
	unsigned flag;
} letters[] = {
	{ 'D', MAILINDEX_DRAFT }, { 'F', MAILINDEX_FLAGGED },
	{ 'R', MAILINDEX_ANSWERED }, { 'S', MAILINDEX_SEEN },
	{ 'T', MAILINDEX_DELETED },
};

void mi_flags_letters(unsigned flags, struct buf *out)
{
	for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
		if (flags & letters[i].flag)
			buf_addch(out, letters[i].letter);
}

static unsigned flags_from_info(const char *info, char kw[27])
{
	unsigned f = 0;
	size_t k = 0;
	for (; *info; info++) {
		for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
			if (*info == letters[i].letter)
				f |= letters[i].flag;
		if (*info >= 'a' && *info <= 'z' && k < 26 && !memchr(kw, *info, k))
			kw[k++] = *info;
	}
	kw[k] = '\0';
	return f;
}

/* ",U=<uid>" at the very end of s[0..n): its uid, and where it starts. */
static uint32_t trailing_uid(const char *s, size_t n, size_t *start)
{
	size_t i = n;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == n || n - i > 10 || i < 3 || strncmp(s + i - 3, ",U=", 3) != 0 ||
	    s[i] == '0')
		return 0;
	unsigned long long v = strtoull(s + i, NULL, 10);
	if (v > UINT32_MAX)
		return 0;
	*start = i - 3;
	return (uint32_t)v;
}

void mi_entry_parse(const char *name, bool in_new, struct mi_entry *e)
{
	const char *colon = strchr(name, ':');
	size_t n = colon ? (size_t)(colon - name) : strlen(name);
	size_t start = n;
	e->name = xstrdup(name);
	e->in_new = in_new;
	e->uid = trailing_uid(name, n, &start);
	e->base = xstrndup(name, start);
	e->kw[0] = '\0';
	e->flags = colon && !strncmp(colon, ":2,", 3) ?
	    flags_from_info(colon + 3, e->kw) : 0;
}

void mi_entry_free(struct mi_entry *e)
{
	free(e->name);
	free(e->base);
}

void mi_entries_free(struct mi_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mi_entry_free(&v[i]);
	free(v);
}

static bool read_sub(const char *dir, const char *sub, struct mi_entry **v,
    size_t *n, size_t *cap, struct buf *err)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, sub);
	DIR *d = opendir(p.data);
	if (d == NULL) {
		buf_printf(err, "%s: %s", p.data, strerror(errno));
		buf_free(&p);
		return false;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xreallocarray(*v, *cap, sizeof **v);
		}
		mi_entry_parse(e->d_name, sub[0] == 'n', &(*v)[(*n)++]);
	}
	closedir(d);
	buf_free(&p);
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct mi_entry *x = a, *y = b;
	int c = strcmp(x->base, y->base);
	return c ? c : strcmp(x->name, y->name);
}

bool mi_entries_read(const char *dir, struct mi_entry **out, size_t *n,
    struct buf *err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (!read_sub(dir, "cur", out, n, &cap, err) ||
	    !read_sub(dir, "new", out, n, &cap, err)) {
		mi_entries_free(*out, *n);
		*out = NULL;
		*n = 0;
		return false;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, entry_cmp);
	return true;
}

void mi_msg_file(const char *dir, const char *base, uint32_t uid,
    const char *info, struct buf *out)
{
	buf_printf(out, "%s/cur/%s,U=%" PRIu32 ":2,%s", dir, base, uid, info);
}

bool mi_base_size(const char *base, uint64_t *size)
{
	const char *s = strstr(base, ",S=");
	if (s == NULL || s[3] < '0' || s[3] > '9')
		return false;
	*size = strtoull(s + 3, NULL, 10);
	return true;
}

void mi_base_unique(const char *base, struct buf *out)
{
	/* time.Mmicros P pid R random, as Maildir unique names go; the S=
	 * of the original keeps the size readable. */
	struct timeval tv;
	gettimeofday(&tv, NULL);
	uint64_t size = 0;
	buf_printf(out, "%lld.M%06ldP%ldR%08" PRIx32 ".copy",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
	    randombytes_random());
	if (mi_base_size(base, &size))
		buf_printf(out, ",S=%" PRIu64, size);
}

bool mi_msg_find(const char *dir, const char *base, uint32_t uid,
    const char *info, struct buf *out)
{
	size_t mark = out->len;
	mi_msg_file(dir, base, uid, info, out);
	if (access(out->data, F_OK) == 0)
		return true;
	/* Another process may have just renamed it (new flags). */
	struct mi_entry *v;
	size_t n;
	struct buf err = BUF_INIT;
	bool found = false;
	if (mi_entries_read(dir, &v, &n, &err)) {
		for (size_t i = 0; i < n && !found; i++) {
			if (strcmp(v[i].base, base) != 0 || (v[i].uid != uid && v[i].uid))
				continue;
			out->len = mark;
			buf_printf(out, "%s/%s/%s", dir, v[i].in_new ? "new" : "cur",
			    v[i].name);
			found = true;
		}
		mi_entries_free(v, n);
	}
	buf_free(&err);
	return found;
}

void mi_undo_rename(struct mi_undo *u, const char *from, const char *to,
    bool link_only)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 16;
		u->v = xreallocarray(u->v, u->cap, sizeof *u->v);
	}
	u->v[u->n].from = xstrdup(from);
	u->v[u->n].to = xstrdup(to);
	u->v[u->n].link_only = link_only;
	u->n++;
}

void mi_undo_rollback(struct mi_undo *u)
{
	for (size_t i = u->n; i-- > 0;) {
		if (u->v[i].link_only)
			unlink(u->v[i].to);
		else
			rename(u->v[i].to, u->v[i].from);
	}
}

void mi_undo_free(struct mi_undo *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].from);
		free(u->v[i].to);
	}
	free(u->v);
	memset(u, 0, sizeof *u);
}

bool mi_file_move(struct mi_undo *u, const char *from, const char *to,
    struct buf *err)
{
	if (strcmp(from, to) == 0)
		return true;
	if (rename(from, to) != 0) {
		buf_printf(err, "%s: %s", from, strerror(errno));
		return false;
	}
	mi_undo_rename(u, from, to, false);
	return true;
}

/* A byte copy for file systems without hard links. */
static bool copy_bytes(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	char chunk[8192];
	ssize_t r = out < 0 ? -1 : 0;
	while (out >= 0 && (r = read(in, chunk, sizeof chunk)) > 0)
		if (write(out, chunk, (size_t)r) != r) {
			r = -1;
			break;
		}
	bool ok = r == 0 && fsync(out) == 0;
	if (out >= 0 && close(out) != 0)
		ok = false;
	if (in >= 0)
		close(in);
	if (!ok && out >= 0)
		unlink(to);
	return ok;
}

bool mi_file_link(struct mi_undo *u, const char *from, const char *to,
    struct buf *err)
{
	/* Message files never change, so a copy can share the inode. */
	if (link(from, to) != 0 && !((errno == EPERM || errno == EXDEV ||
	    errno == ENOTSUP) && copy_bytes(from, to))) {
		buf_printf(err, "%s: %s", from, strerror(errno));
		return false;
	}
	mi_undo_rename(u, from, to, true);
	return true;
}
