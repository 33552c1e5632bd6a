/* TLS glue on OpenSSL: server contexts with Mozilla's "intermediate"
 * settings (TLS 1.2 and 1.3 only), loaded from PEM held in memory. */
#ifndef AMB_TLS_H
#define AMB_TLS_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "common/buf.h"

/* A server context for the chain (leaf first) and key. NULL with a
 * reason in err when they do not parse or do not match. */
SSL_CTX *tls_server_ctx_new(const char *chain_pem, size_t chain_len,
    const char *key_pem, size_t key_len, struct buf *err);
/* Appends e.g. "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
 * as Postfix writes it in Received headers. */
void tls_describe(const SSL *ssl, struct buf *out);
/* The last OpenSSL error as text, for logs. */
const char *tls_last_error(void);

#endif
