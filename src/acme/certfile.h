/* The server certificate on disk: what it says (status, renewal), whether
 * a chain and key belong together and fit the host name (deploy), and
 * replacing them with a dated backup of the old pair. */
#ifndef AMB_ACME_CERTFILE_H
#define AMB_ACME_CERTFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/buf.h"

#define ACME_CHAIN_MAX (48 * 1024)   /* what the master sends the children */
#define ACME_KEY_MAX   (15 * 1024)

struct acme_certinfo {
	struct buf names;      /* dNSNames, space-separated (CN if none) */
	struct buf issuer;     /* issuer DN, one line */
	time_t not_before, not_after;
	bool self_signed;
};

/* The leaf (first certificate) of a PEM chain. */
bool acme_cert_info(const char *pem, size_t len, struct acme_certinfo *ci,
    struct buf *err);
void acme_certinfo_free(struct acme_certinfo *ci);

/* Refuses, with the reason in err, a chain and key that do not parse,
 * do not match, are outside their validity period, do not name hostname,
 * or whose certificates do not chain to each other (leaf first; the last
 * one need not be a trusted root: trust is the client's business). */
bool acme_check_pair(const char *chain, size_t clen, const char *key,
    size_t klen, const char *hostname, struct buf *err);

/* Copies the current files (if any) into DIR/backup-YYYYMMDD-HHMMSS/ next
 * to cert_path, then writes key and chain, both complete and synced
 * before either is renamed into place. The backup directory's path goes
 * to backup ("" if there was nothing to back up). */
bool acme_install(const char *cert_path, const char *key_path,
    const char *chain, size_t clen, const char *key, size_t klen,
    struct buf *backup, struct buf *err);

#endif
