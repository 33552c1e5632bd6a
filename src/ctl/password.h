/* Reading passwords for mailboxctl: one line from standard input
 * (--password-stdin), or asked on the terminal without echo. */
#ifndef AMB_CTL_PASSWORD_H
#define AMB_CTL_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define PASSWORD_MAX 1024

/* Held in sodium_malloc'd memory, wiped by password_free. */
struct password {
	char *s;
	size_t len;
};

/* Reads one line of stdin (LF or CRLF ends it). Refuses an empty line, a
 * NUL byte, more than PASSWORD_MAX bytes and end of input. */
bool password_from_stdin(struct password *pw, struct buf *err);
/* The same from the first line of a file. */
bool password_from_file(const char *path, struct password *pw, struct buf *err);
/* Asks on /dev/tty with echo off; with confirm, asks again ("Retype ")
 * and refuses a mismatch. */
bool password_from_tty(const char *prompt, bool confirm, struct password *pw,
    struct buf *err);
void password_free(struct password *pw);

#endif
