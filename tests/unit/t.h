/* Minimal unit-test harness. Each TEST registers itself; t_main.c runs
 * them (optionally only those whose name contains argv[1]). A test that
 * checks nothing counts as failed. */
#ifndef AMB_T_H
#define AMB_T_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

void t_register(const char *name, void (*fn)(void));
bool t_check(bool ok, const char *expr, const char *file, int line);
bool t_check_str(const char *a, const char *b, const char *ea, const char *eb,
    const char *file, int line);
bool t_check_mem(const void *a, size_t alen, const void *b, size_t blen,
    const char *ea, const char *file, int line);
/* A fresh empty directory for this test (removed after the run). */
const char *t_tmpdir(void);

#define TEST(name) \
	static void name(void); \
	__attribute__((constructor)) static void t_reg_##name(void) \
	{ t_register(#name, name); } \
	static void name(void)

#define CHECK(cond) t_check((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(a, b) t_check_str((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_MEM(a, alen, b, blen) \
	t_check_mem((a), (alen), (b), (blen), #a, __FILE__, __LINE__)

#endif
