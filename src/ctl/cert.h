/* Between the files of `mailboxctl cert`: cert.c (status, deploy, the
 * dispatcher), cert_issue.c (issue, renew), cert_serve.c (answering the
 * challenges when mailboxd is not running). */
#ifndef AMB_CTL_CERT_H
#define AMB_CTL_CERT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/buf.h"

struct config;

#define CERT_STAGING_URL "https://acme-staging-v02.api.letsencrypt.org/directory"

/* Paths of the configured certificate and key. */
void cert_paths(const struct config *cfg, struct buf *cert, struct buf *key);
/* Checks chain+key for the host name, installs them with a backup and
 * has a running mailboxd reload; prints what it did. 0 or 1. */
int cert_install(const struct config *cfg, const char *chain, size_t clen,
    const char *key, size_t klen);

int cert_issue(const struct config *cfg, int argc, char **argv);
int cert_renew(const struct config *cfg, int argc, char **argv);

/* Listens on the configured challenge ports and answers from dir in a
 * child process; its pid, or -1 with the reason in err. */
pid_t cert_serve_start(const struct config *cfg, const char *dir, struct buf *err);
void cert_serve_stop(pid_t pid);

#endif
