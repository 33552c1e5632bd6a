#ifndef AMB_MASTER_H
#define AMB_MASTER_H
#include <stdbool.h>

/* Runs the server until SIGTERM; returns the exit status. self is the path
 * of the mailboxd binary, re-executed for every child. */
int master_run(const char *conf_path, const char *self, bool foreground);

#endif
