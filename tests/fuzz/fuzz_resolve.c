/* Alias graphs against the resolver: input lines "SRC DST" add aliases,
 * lines without a space are resolved. Whatever aliases were accepted, no
 * resolution may find a loop (alias_add must have refused it), and
 * nothing may crash or leak. The database lives in /dev/shm when it can
 * (every command commits). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/xmalloc.h"
#include "store/userdb.h"

static struct userdb *db;
static char dbdir[64];

/* Removes the scratch database when the fuzzer exits. */
static void cleanup(void)
{
	static const char *const files[] = { "u.sqlite", "u.sqlite-wal",
	    "u.sqlite-shm" };
	char path[128];
	userdb_close(db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dbdir, files[i]);
		remove(path);
	}
	remove(dbdir);
}

static void setup(void)
{
	char tmpl[] = "/dev/shm/fuzz_resolve.XXXXXX", tmpl2[] = "/tmp/fuzz_resolve.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (dir == NULL)
		dir = mkdtemp(tmpl2);
	if (dir == NULL || sodium_init() < 0)
		abort();
	snprintf(dbdir, sizeof dbdir, "%s", dir);
	atexit(cleanup);
	char path[128];
	snprintf(path, sizeof path, "%s/u.sqlite", dir);
	struct buf err = BUF_INIT;
	if (!userdb_create(path, &err) || (db = userdb_open(path, false, &err)) == NULL ||
	    !userdb_domain_add(db, "a.test", NULL, &err) ||
	    !userdb_domain_add(db, "b.test", "x@a.test", &err) ||
	    !userdb_user_add(db, "u@a.test", "pw", 2, 1, true, &err))
		abort();
	buf_free(&err);
}

struct sources { char *v[64]; size_t n; };

static void collect(const char *src, const char *dst, void *arg)
{
	(void)dst;
	struct sources *s = arg;
	if (s->n < 64)
		s->v[s->n++] = xstrdup(src);
}

static void clear_aliases(void)
{
	struct sources s = { .n = 0 };
	struct buf err = BUF_INIT;
	userdb_alias_list(db, collect, &s, &err);
	for (size_t i = 0; i < s.n; i++) {
		userdb_alias_del(db, s.v[i], NULL, &err);
		free(s.v[i]);
	}
	buf_free(&err);
}

static void run_line(char *line)
{
	struct buf err = BUF_INIT;
	char *sp = strchr(line, ' ');
	if (sp != NULL) {
		*sp = '\0';
		userdb_alias_add(db, line, sp + 1, &err);
	} else {
		struct userdb_dests d;
		if (userdb_resolve(db, line, &d, &err) == USERDB_RESOLVE_ERROR &&
		    strstr(buf_cstr(&err), "alias loop") != NULL)
			abort();
		userdb_dests_free(&d);
	}
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (db == NULL)
		setup();
	char *text = xstrndup((const char *)data, size > 2048 ? 2048 : size);
	char *save = NULL;
	int n = 0;
	for (char *l = strtok_r(text, "\n", &save); l && n < 24;
	    l = strtok_r(NULL, "\n", &save), n++)
		run_line(l);
	free(text);
	clear_aliases();
	return 0;
}
