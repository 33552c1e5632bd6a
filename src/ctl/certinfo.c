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

static X509 *read_cert(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f == NULL)
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
	else if (x == NULL)
		snprintf(why, whylen, "%s: no PEM certificate", path);
	if (f != NULL)
		fclose(f);
	return x;
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
	X509 *x = read_cert(cp.data, ci->error, sizeof ci->error);
	struct tm tm;
	if (x != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) {
		ci->loaded = true;
		ci->not_after = (long long)timegm(&tm);
		ci->self_signed = X509_self_signed(x, 1) == 1;
		ci->names_host = X509_check_host(x, config_str(cfg, "hostname"), 0,
		    0, NULL) == 1;
		ci->key_matches = key_matches(x, kp.data);
	} else if (x != NULL) {
		snprintf(ci->error, sizeof ci->error, "%s: bad expiry date", cp.data);
	}
	X509_free(x);
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
}
