/* The spool as mailboxctl reads it (queue list, status). */
#ifndef AMB_CTL_QUEUE_H
#define AMB_CTL_QUEUE_H
#include <stddef.h>

#include "ctl/ctl.h"

struct envelope;
typedef void ctl_queue_fn(const struct envelope *e, void *arg);

/* Calls fn for every envelope in dir/env (the queue directory), read-only;
 * *n counts them. 0 done, 1 some could not be read (each said on stderr),
 * -1 the directory could not be read (said). */
int ctl_queue_scan(const char *dir, ctl_queue_fn *fn, void *arg, size_t *n);

#endif
