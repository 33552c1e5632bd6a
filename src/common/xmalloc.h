/* Allocation that cannot fail silently: out of memory ends the process,
 * which its parent then restarts. */
#ifndef AMB_XMALLOC_H
#define AMB_XMALLOC_H
#include <stddef.h>

_Noreturn void xoom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

#endif
