/* One ACME conversation (RFC 8555 7): account, order, authorizations,
 * challenges answered from a challenge directory (challenge.h), finalize
 * and download. Blocking; run it outside an event loop. */
#ifndef AMB_ACME_CLIENT_H
#define AMB_ACME_CLIENT_H
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "common/buf.h"

struct acme_request {
	const char *directory;       /* https URL of the directory */
	const char *ca_file;         /* trust for a private ACME server, or NULL */
	EVP_PKEY *account_key;       /* ECDSA P-256 */
	const char *const *names;    /* names[0] is the host name */
	size_t nnames;
	EVP_PKEY *cert_key;          /* key of the new certificate */
	const char *challenge_dir;   /* where the answers are published */
	bool use_alpn;               /* TLS-ALPN-01, else HTTP-01 */
	int timeout;                 /* seconds to wait for each validation */
};

/* Gets the certificate chain (PEM, leaf first) into chain. false with one
 * line in err: the server's problem type and detail when it sent one. */
bool acme_obtain(const struct acme_request *req, struct buf *chain,
    struct buf *err);

#endif
