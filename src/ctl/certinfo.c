/* The server certificate (tls_cert, tls_key) for check and status. */
#include "ctl/check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/config.h"

#define CERT_WARN_DAYS 14

/* The first certificate of the file, the rest (its chain) in *chain. */
static X509 *read_cert(const char *path, STACK_OF(X509) **chain, char *why,
    size_t whylen)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL, *more;
	*chain = sk_X509_new_null();
	while (x != NULL && *chain != NULL &&
	    (more = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(*chain, more))
			X509_free(more);
	if (f == NULL)
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
	else if (x == NULL)
		snprintf(why, whylen, "%s: no PEM certificate", path);
	if (f != NULL)
		fclose(f);
	return x;
}

/* As a client would: the system's trusted CAs, the file's chain, the
 * host name. */
static void verify_chain(X509 *x, STACK_OF(X509) *chain, const char *host,
    struct cert_info *ci)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = store != NULL && ctx != NULL &&
	    X509_STORE_set_default_paths(store) == 1 &&
	    X509_STORE_CTX_init(ctx, store, x, chain) == 1 &&
	    X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host, 0) == 1;
	ci->chain_ok = ok && X509_verify_cert(ctx) == 1;
	if (!ci->chain_ok)
		snprintf(ci->chain_error, sizeof ci->chain_error, "%s", ok ?
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)) :
		    "cannot set up the verification");
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
}

static bool key_matches(X509 *x, const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	bool ok = k != NULL && X509_check_private_key(x, k) == 1;
	EVP_PKEY_free(k);
	if (f != NULL)
		fclose(f);
	return ok;
}

void cert_info_load(const struct config *cfg, struct cert_info *ci)
{
	struct buf cp = BUF_INIT, kp = BUF_INIT;
	memset(ci, 0, sizeof *ci);
	config_state_path(cfg, config_str(cfg, "tls_cert"), &cp);
	config_state_path(cfg, config_str(cfg, "tls_key"), &kp);
	STACK_OF(X509) *chain = NULL;
	X509 *x = read_cert(cp.data, &chain, ci->error, sizeof ci->error);
	struct tm tm;
	if (x != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) {
		ci->loaded = true;
		ci->not_after = (long long)timegm(&tm);
		ci->self_signed = X509_self_signed(x, 1) == 1;
		ci->names_host = X509_check_host(x, config_str(cfg, "hostname"), 0,
		    0, NULL) == 1;
		ci->key_matches = key_matches(x, kp.data);
		verify_chain(x, chain, config_str(cfg, "hostname"), ci);
	} else if (x != NULL) {
		snprintf(ci->error, sizeof ci->error, "%s: bad expiry date", cp.data);
	}
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	buf_free(&cp);
	buf_free(&kp);
}

void check_certificate(const struct config *cfg, struct check_report *r)
{
	struct cert_info ci;
	const char *host = config_str(cfg, "hostname");
	cert_info_load(cfg, &ci);
	if (!ci.loaded) {
		check_line(r, CHECK_FAIL, "certificate: %s", ci.error);
		return;
	}
	long long left = ci.not_after - (long long)time(NULL);
	char date[32];
	time_t t = (time_t)ci.not_after;
	struct tm tm;
	strftime(date, sizeof date, "%Y-%m-%d", gmtime_r(&t, &tm));
	if (left <= 0)
		check_line(r, CHECK_FAIL, "certificate: expired on %s", date);
	else
		check_line(r, left < CERT_WARN_DAYS * 86400LL ? CHECK_WARN : CHECK_OK,
		    "certificate: valid until %s (%lld days)", date, left / 86400);
	check_line(r, ci.names_host ? CHECK_OK : CHECK_FAIL,
	    "certificate: %s for %s", ci.names_host ? "valid" : "not valid", host);
	check_line(r, ci.key_matches ? CHECK_OK : CHECK_FAIL,
	    "certificate: tls_key %s", ci.key_matches ? "matches" :
	    "is missing or is not the certificate's key");
	if (ci.self_signed)
		check_line(r, CHECK_WARN, "certificate: self-signed; other servers "
		    "and mail programs will not trust it");
	else if (ci.chain_ok)
		check_line(r, CHECK_OK, "certificate: chain verifies");
	else
		check_line(r, CHECK_WARN, "certificate: chain does not verify: %s",
		    ci.chain_error);
}
