/* The message names already in a destination folder, read once: asking
 * maildir_has() for each message would read the directory each time,
 * quadratic in the size of a large folder. */
#include "ctl/import.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add(struct name_set *s, const char *name)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n++] = xstrdup(name);
}

void name_set_load(struct name_set *s, const char *dir)
{
	static const char *subs[] = { "cur", "new" };
	memset(s, 0, sizeof *s);
	s->dir = xstrdup(dir);
	for (int i = 0; i < 2; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", dir, subs[i]);
		DIR *d = opendir(p.data);
		struct dirent *e;
		while (d != NULL && (e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				add(s, e->d_name);
		if (d != NULL)
			closedir(d);
		buf_free(&p);
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, cmp);
}

/* First index whose name is >= key. */
static size_t lower_bound(const struct name_set *s, const char *key)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->v[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool name_set_has(const struct name_set *s, const char *base)
{
	/* As maildir_has: the base itself, or followed by the mail index's
	 * ",U=<uid>" or the ":2," info. Names with base as prefix sort
	 * together from its place. */
	size_t bl = strlen(base);
	for (size_t i = lower_bound(s, base); i < s->n &&
	    strncmp(s->v[i], base, bl) == 0; i++) {
		char c = s->v[i][bl];
		if (c == '\0' || c == ':' || c == ',')
			return true;
	}
	return false;
}

void name_set_add(struct name_set *s, const char *name)
{
	size_t at = lower_bound(s, name);
	add(s, name);
	char *last = s->v[s->n - 1];
	memmove(s->v + at + 1, s->v + at, (s->n - 1 - at) * sizeof *s->v);
	s->v[at] = last;
}

void name_set_free(struct name_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->dir);
	memset(s, 0, sizeof *s);
}
