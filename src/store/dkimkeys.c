/* The per-domain key list of the DKIM key store. */
#include "store/dkimkeys.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "store/dkimkeys_int.h"

#define LIST_SUFFIX ".selectors"
#define LIST_MAX    (64 * 1024)

bool dkimkeys_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return strstr(s, "..") == NULL;
}

void dkimkeys_path(const char *dir, const char *domain, const char *name,
    struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s%s", dir, domain, name);
}

const char *dkimkey_alg_name(enum dkimkey_alg alg)
{
	return alg == DKIMKEY_RSA ? "rsa" : "ed25519";
}

bool dkimkey_published(const struct dkimkey *k, long long now)
{
	return k->active || now < k->retired + DKIMKEYS_RETIRE_SECS;
}

static bool parse_line(char *line, struct dkimkey *k)
{
	char sel[DKIMKEYS_SEL_MAX + 2], alg[16], state[16];
	int end = 0;
	if (sscanf(line, "%64s %15s %15s %lld %lld %n", sel, alg, state,
	    &k->created, &k->retired, &end) != 5 || line[end] != '\0' ||
	    !dkimkeys_name_ok(sel, DKIMKEYS_SEL_MAX))
		return false;
	memcpy(k->selector, sel, strlen(sel) + 1);
	if (strcmp(alg, "rsa") == 0)
		k->alg = DKIMKEY_RSA;
	else if (strcmp(alg, "ed25519") == 0)
		k->alg = DKIMKEY_ED25519;
	else
		return false;
	k->active = strcmp(state, "active") == 0;
	return k->active || strcmp(state, "retired") == 0;
}

static bool parse_list(char *text, struct dkimkeys *ks, const char *path,
    struct buf *err)
{
	int lineno = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#')
			continue;
		if (ks->n == DKIMKEYS_MAX || !parse_line(line, &ks->v[ks->n])) {
			buf_printf(err, "%s: line %d: bad key entry", path, lineno);
			return false;
		}
		ks->n++;
	}
	return true;
}

bool dkimkeys_load(const char *dir, const char *domain, struct dkimkeys *ks,
    struct buf *err)
{
	memset(ks, 0, sizeof(*ks));
	if (!dkimkeys_name_ok(domain, 253)) {
		buf_addstr(err, "dkim: bad domain name");
		return false;
	}
	ks->domain = xstrdup(domain);
	struct buf path = BUF_INIT, text = BUF_INIT;
	dkimkeys_path(dir, domain, LIST_SUFFIX, &path);
	bool ok = true;
	if (file_exists(path.data))
		ok = file_read_all(path.data, LIST_MAX, &text, err) &&
		    parse_list(text.data ? text.data : (char *)"", ks, path.data, err);
	buf_free(&path);
	buf_free(&text);
	return ok;
}

bool dkimkeys_save(const char *dir, const struct dkimkeys *ks, struct buf *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	buf_printf(&text, "# DKIM keys of %s: selector algorithm state "
	    "created retired\n", ks->domain);
	for (size_t k = 0; k < ks->n; k++)
		buf_printf(&text, "%s %s %s %lld %lld\n", ks->v[k].selector,
		    dkimkey_alg_name(ks->v[k].alg),
		    ks->v[k].active ? "active" : "retired", ks->v[k].created,
		    ks->v[k].retired);
	dkimkeys_path(dir, ks->domain, LIST_SUFFIX, &path);
	bool ok = file_write_atomic(path.data, text.data, text.len, 0600, err) &&
	    dkimkeys_give(dir, path.data, err);
	buf_free(&path);
	buf_free(&text);
	return ok;
}

void dkimkeys_free(struct dkimkeys *ks)
{
	free(ks->domain);
	memset(ks, 0, sizeof(*ks));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Domains of dir, sorted; caller frees each and the array. */
static char **list_domains(const char *dir, size_t *n, struct buf *err)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		*n = 0;
		if (errno == ENOENT)
			return NULL;
		buf_printf(err, "%s: %s", dir, strerror(errno));
		*n = (size_t)-1;
		return NULL;
	}
	char **v = NULL;
	size_t cnt = 0, sl = strlen(LIST_SUFFIX);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len <= sl || strcmp(e->d_name + len - sl, LIST_SUFFIX) != 0)
			continue;
		v = xreallocarray(v, cnt + 1, sizeof(*v));
		v[cnt++] = xstrndup(e->d_name, len - sl);
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*n = cnt;
	return v;
}

bool dkimkeys_each_domain(const char *dir, dkimkeys_domain_fn *fn, void *arg,
    struct buf *err)
{
	size_t n;
	char **v = list_domains(dir, &n, err);
	if (n == (size_t)-1)
		return false;
	bool ok = true;
	for (size_t k = 0; k < n; k++) {
		if (ok && dkimkeys_name_ok(v[k], 253))
			ok = fn(v[k], arg);
		free(v[k]);
	}
	free(v);
	return ok;
}

/* Drops the expired keys of one domain. */
static bool expire_domain(const char *domain, void *arg)
{
	struct dkimkeys_expiry *x = arg;
	struct dkimkeys ks;
	if (!dkimkeys_load(x->dir, domain, &ks, x->err)) {
		dkimkeys_free(&ks);
		return false;
	}
	size_t kept = 0;
	bool ok = true, changed = false;
	struct buf path = BUF_INIT;
	for (size_t k = 0; k < ks.n; k++) {
		if (dkimkey_published(&ks.v[k], x->now)) {
			ks.v[kept++] = ks.v[k];
			continue;
		}
		changed = true;
		dkimkeys_key_path(x->dir, domain, ks.v[k].selector, &path);
		if (unlink(path.data) != 0 && errno != ENOENT) {
			buf_printf(x->err, "%s: %s", path.data, strerror(errno));
			ok = false;
		}
	}
	ks.n = kept;
	if (changed)
		ok = dkimkeys_save(x->dir, &ks, x->err) && ok;
	buf_free(&path);
	dkimkeys_free(&ks);
	return ok;
}

bool dkimkeys_expire(const char *dir, long long now, struct buf *err)
{
	struct dkimkeys_expiry x = { dir, now, err };
	return dkimkeys_each_domain(dir, expire_domain, &x, err);
}
