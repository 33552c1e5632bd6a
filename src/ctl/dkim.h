/* Shared by the files of `mailboxctl dkim`. */
#ifndef AMB_CTL_DKIM_H
#define AMB_CTL_DKIM_H
#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"
#include "ctl/ctl.h"

/* The state: key directory and, when a DOMAIN is given, its ASCII form
 * after checking that the user database knows it. With keys, expired keys
 * of every domain are removed on the way (every dkim command that uses
 * the key store does that). */
struct dkim_ctx {
	struct buf dir;         /* <state_dir>/dkim */
	struct buf domain;      /* A-label form, lower-case */
	struct buf resolver;    /* config "resolver", "" for the system's */
	long long now;
};

/* False after printing why. domain may be NULL. */
bool ctl_dkim_open(struct ctl *ctl, const char *domain, bool keys,
    struct dkim_ctx *c);
void ctl_dkim_close(struct dkim_ctx *c);

/* A message read from a file or stdin ("-" or NULL). */
#define CTL_MSG_CHUNK 65536
struct ctl_msg {
	FILE *f;
	struct buf hdr;         /* header block with its blank line */
	struct buf rest;        /* body bytes read with the header */
};
typedef void ctl_body_fn(const char *p, size_t n, void *arg);
bool ctl_msg_open(const char *path, struct ctl_msg *m);
bool ctl_msg_header(struct ctl_msg *m);
/* Passes the whole body to fn in pieces. */
bool ctl_msg_body(struct ctl_msg *m, ctl_body_fn *fn, void *arg);
void ctl_msg_close(struct ctl_msg *m);

struct dkim_verifier;
/* Looks up the TXT records of name with the resolver and hands them (or
 * the failure) to v. */
void ctl_dkim_lookup(struct dkim_verifier *v, const char *name,
    const char *resolver);

/* Calls fn with the selector and TXT record text of every published key
 * of domain (A-label form) in dir. 1 done, 0 the domain has no keys, -1
 * they cannot be read; the reason in err. */
typedef void ctl_dkim_rec_fn(const char *selector, const char *record,
    void *arg);
int ctl_dkim_published(const char *dir, const char *domain, long long now,
    ctl_dkim_rec_fn *fn, void *arg, struct buf *err);

int ctl_dkim_sign(struct ctl *ctl, int argc, char **argv);
int ctl_dkim_verify(struct ctl *ctl, int argc, char **argv);

#define DKIM_USAGE "usage: dkim keygen DOMAIN [--selector S] | dkim list | " \
	"dkim dns DOMAIN | dkim rotate DOMAIN [--selector S] | " \
	"dkim sign DOMAIN [FILE] | dkim verify [FILE] [--key NAME=RECORD]..."

#endif
