/* Growable byte buffers: every string the project builds goes through one,
 * so no code writes into a fixed array without knowing its length. */
#ifndef AMB_BUF_H
#define AMB_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char  *data;    /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void  buf_init(struct buf *b);
void  buf_free(struct buf *b);          /* wipes the contents before freeing */
void  buf_reset(struct buf *b);         /* len = 0, keeps memory */
void  buf_reserve(struct buf *b, size_t extra);
void  buf_add(struct buf *b, const void *p, size_t n);
void  buf_addstr(struct buf *b, const char *s);
void  buf_addch(struct buf *b, char c);
void  buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void  buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void  buf_set(struct buf *b, const char *s);   /* reset + addstr */
const char *buf_cstr(struct buf *b);    /* "" for an empty buffer */
char *buf_detach(struct buf *b);        /* caller frees; buffer is reset */
void  buf_consume(struct buf *b, size_t n);    /* drop n bytes from the front */

#endif
