#include "t.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

struct t_case { const char *name; void (*fn)(void); };

static struct t_case cases[1024];
static size_t ncases;
static int cur_checks, cur_fails;
static char tmpdir[256];

void t_register(const char *name, void (*fn)(void))
{
	if (ncases < sizeof cases / sizeof cases[0])
		cases[ncases++] = (struct t_case){ name, fn };
}

bool t_check(bool ok, const char *expr, const char *file, int line)
{
	cur_checks++;
	if (!ok) {
		cur_fails++;
		fprintf(stderr, "    %s:%d: check failed: %s\n", file, line, expr);
	}
	return ok;
}

bool t_check_str(const char *a, const char *b, const char *ea, const char *eb,
    const char *file, int line)
{
	bool ok = a != NULL && b != NULL && strcmp(a, b) == 0;
	if (!ok && a != NULL && b != NULL)
		fprintf(stderr, "    %s:%d: \"%s\" != \"%s\"\n", file, line, a, b);
	char expr[512];
	snprintf(expr, sizeof expr, "%s == %s", ea, eb);
	return t_check(ok, expr, file, line);
}

bool t_check_mem(const void *a, size_t alen, const void *b, size_t blen,
    const char *ea, const char *file, int line)
{
	bool ok = alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
	if (!ok)
		fprintf(stderr, "    %s:%d: %s: %zu bytes differ from expected %zu\n",
		    file, line, ea, alen, blen);
	return t_check(ok, ea, file, line);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

const char *t_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(tmpdir, sizeof tmpdir, "%s/amb-unit-XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	return tmpdir;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 2;
	int passed = 0, failed = 0;
	for (size_t i = 0; i < ncases; i++) {
		if (argc > 1 && strstr(cases[i].name, argv[1]) == NULL)
			continue;
		cur_checks = cur_fails = 0;
		cases[i].fn();
		if (tmpdir[0] != '\0') {
			nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
			tmpdir[0] = '\0';
		}
		if (cur_checks == 0) {
			fprintf(stderr, "    %s asserted nothing\n", cases[i].name);
			cur_fails = 1;
		}
		printf("%s %s\n", cur_fails ? "FAIL" : "ok  ", cases[i].name);
		fflush(stdout);
		if (cur_fails)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
