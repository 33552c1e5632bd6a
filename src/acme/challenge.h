/* Challenge material in a directory (state_dir/acme/challenges): the
 * client publishes it there, and whoever listens on the challenge ports
 * (mailboxd's acme process, or `mailboxctl cert issue` itself) answers
 * from it:
 *   http-<token>       the key authorization, for HTTP-01
 *   alpn-<name>.pem    validation certificate and key, for TLS-ALPN-01
 * Tokens and names are checked before they become file names. */
#ifndef AMB_ACME_CHALLENGE_H
#define AMB_ACME_CHALLENGE_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "common/buf.h"

enum acme_chal_kind { ACME_CHAL_HTTP, ACME_CHAL_ALPN };

/* Writes (durably, mode 0644) or removes one challenge's file. */
bool acme_chal_publish(const char *dir, enum acme_chal_kind kind,
    const char *id, const char *data, size_t len, struct buf *err);
void acme_chal_remove(const char *dir, enum acme_chal_kind kind, const char *id);

/* Reads one challenge's file through a directory descriptor (so a
 * chrooted process can), at most 64 KiB. false if absent or id bad. */
bool acme_chal_read(int dirfd, enum acme_chal_kind kind, const char *id,
    struct buf *out);

/* HTTP-01 request parsing: 1 when req holds a complete request line
 * "GET /.well-known/acme-challenge/TOKEN HTTP/1.x" (token copied to
 * token, size tokensz), -1 when the request can never be one, 0 when more
 * bytes are needed. */
int acme_http01_request(const char *req, size_t len, char *token, size_t tokensz);
/* The whole HTTP response for token: 200 with the key authorization, or
 * 404. */
void acme_http01_response(int dirfd, const char *token, struct buf *out);

/* A TLS server context that only speaks ALPN "acme-tls/1" and presents,
 * for the SNI name asked, the validation certificate read from dirfd
 * (RFC 8737 3). The context borrows dirfd. */
SSL_CTX *acme_alpn_ctx_new(int dirfd);

#endif
