/* A self-signed certificate for a fresh instance, used until a real one
 * is installed. */
#ifndef AMB_SELFSIGNED_H
#define AMB_SELFSIGNED_H
#include <stdbool.h>

#include "common/buf.h"

/* Writes an ECDSA P-256 key (mode 0600) and a certificate for hostname
 * (and, when local, 127.0.0.1 and localhost) valid for 825 days. */
bool selfsigned_create(const char *hostname, bool local, const char *cert_path,
    const char *key_path, struct buf *err);

#endif
