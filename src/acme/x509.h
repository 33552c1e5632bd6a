/* The certificates and requests ACME needs built: the CSR sent to
 * finalize an order, and the TLS-ALPN-01 validation certificate. */
#ifndef AMB_ACME_X509_H
#define AMB_ACME_X509_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "common/buf.h"

/* DER of a PKCS#10 request for names[0] (the CN) and every name as a
 * dNSName, signed with key. */
bool acme_csr_der(EVP_PKEY *key, const char *const *names, size_t n,
    struct buf *out);

/* RFC 8737 3: a self-signed certificate for name carrying the critical
 * id-pe-acmeIdentifier extension with SHA-256(key_authorization),
 * followed by its fresh private key, both PEM. */
bool acme_alpn_cert_pem(const char *name, const char *key_authorization,
    struct buf *out);

/* The OID of id-pe-acmeIdentifier, for tests and for checking. */
#define ACME_OID_ACME_IDENTIFIER "1.3.6.1.5.5.7.1.31"

#endif
