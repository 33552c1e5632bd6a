/* Between the master's files: master.c runs the fixed roles,
 * master_session.c the per-login IMAP processes. */
#ifndef AMB_MASTER_INT_H
#define AMB_MASTER_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/ipc.h"
#include "daemon/proc.h"

struct event_base;

/* In the child after fork: runs `mailboxd -R role` with fd as its
 * channel to the master. */
_Noreturn void master_exec_child(enum proc_role role, int fd);
/* The path of the program mailboxd-<name> beside the master's own (self);
 * false if it does not fit. Safe between fork and exec. */
bool master_sibling(const char *self, const char *name, char *path,
    size_t size);

void sessions_init(struct event_base *base, const struct buf *conf_text);
/* MSG_SESSION_SPAWN from lookup: starts an imap process for the login
 * and hands it the user, keys and the proxy socket (m->fd, taken). */
void sessions_spawn(const struct ipc_msg *m);
/* True if pid was an imap process (now forgotten). */
bool sessions_reap(pid_t pid, int status);
bool sessions_none(void);
void sessions_shutdown(void);    /* asks every imap process to finish */
void sessions_kill(void);        /* those that did not */
void sessions_free(void);

/* master_renew.c: the twice-daily certificate renewal. */
void renew_init(struct event_base *base, const char *conf_path, const char *self);
/* SIGUSR2: the check now, unless one is running. */
void renew_now(void);
/* True if pid was the renewal process (now reaped and rescheduled). */
bool renew_reap(pid_t pid, int status);
void renew_free(void);

#endif
