/* mailboxctl cert issue | renew | deploy | status
 *
 * The certificate lives where tls_cert and tls_key say; ACME state (the
 * account key, the directory used) in state_dir/acme/. A running
 * mailboxd is told to reload with SIGHUP and then uses the new
 * certificate for new connections. */
#include "ctl/ctl.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acme/certfile.h"
#include "common/config.h"
#include "common/fileutil.h"
#include "ctl/cert.h"

#define CERT_USAGE "usage: cert issue [--staging] [--directory URL] " \
	"[--directory-ca FILE] | cert renew [--force] | cert deploy FULLCHAIN KEY | " \
	"cert status"

void cert_paths(const struct config *cfg, struct buf *cert, struct buf *key)
{
	config_state_path(cfg, config_str(cfg, "tls_cert"), cert);
	config_state_path(cfg, config_str(cfg, "tls_key"), key);
}

static void print_date(const char *label, time_t t)
{
	char s[32];
	struct tm tm;
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
	printf("%-12s %s\n", label, s);
}

static void print_renewal(const struct config *cfg)
{
	struct buf path = BUF_INIT;
	config_state_path(cfg, "acme/renewal.json", &path);
	json_t *j = json_load_file(path.data, 0, NULL);
	const char *dir = json_string_value(json_object_get(j, "directory"));
	if (dir != NULL)
		printf("%-12s by mailboxd from %s\n", "renewal", dir);
	else
		printf("%-12s none (no certificate was issued with cert issue)\n",
		    "renewal");
	json_decref(j);
	buf_free(&path);
}

static int status(const struct config *cfg)
{
	struct buf cp = BUF_INIT, kp = BUF_INIT, pem = BUF_INIT, err = BUF_INIT;
	struct acme_certinfo ci;
	cert_paths(cfg, &cp, &kp);
	int rc = 0;
	if (!file_read_all(cp.data, ACME_CHAIN_MAX, &pem, &err) ||
	    !acme_cert_info(pem.data, pem.len, &ci, &err)) {
		rc = ctl_fail("%s: %s", cp.data, buf_cstr(&err));
	} else {
		long days = (long)((ci.not_after - time(NULL)) / 86400);
		printf("%-12s %s\n%-12s %s\n%-12s %s%s\n", "certificate", cp.data,
		    "names", ci.names.data, "issuer", ci.issuer.data,
		    ci.self_signed ? " (self-signed)" : "");
		print_date("not before", ci.not_before);
		print_date("not after", ci.not_after);
		printf("%-12s %ld\n", "days left", days);
		print_renewal(cfg);
		acme_certinfo_free(&ci);
	}
	buf_free(&cp);
	buf_free(&kp);
	buf_free(&pem);
	buf_free(&err);
	return rc;
}

static void tell_daemon(const struct config *cfg)
{
	long pid = ctl_daemon_pid(cfg);
	if (pid > 0 && kill((pid_t)pid, SIGHUP) == 0)
		printf("mailboxd (pid %ld) reloads it for new connections\n", pid);
	else
		printf("mailboxd is not running; it uses the certificate when started\n");
}

int cert_install(const struct config *cfg, const char *chain, size_t clen,
    const char *key, size_t klen)
{
	struct buf cp = BUF_INIT, kp = BUF_INIT, backup = BUF_INIT, err = BUF_INIT;
	struct acme_certinfo ci;
	cert_paths(cfg, &cp, &kp);
	int rc = 0;
	if (!acme_check_pair(chain, clen, key, klen, config_str(cfg, "hostname"), &err))
		rc = ctl_fail("certificate refused, nothing changed: %s", err.data);
	else if (!acme_install(cp.data, kp.data, chain, clen, key, klen, &backup, &err))
		rc = ctl_fail("cannot install the certificate: %s", err.data);
	if (rc == 0 && acme_cert_info(chain, clen, &ci, &err)) {
		printf("installed the certificate for %s\n", ci.names.data);
		print_date("valid until", ci.not_after);
		acme_certinfo_free(&ci);
	}
	if (rc == 0 && backup.len)
		printf("the old files are in %s\n", backup.data);
	if (rc == 0)
		tell_daemon(cfg);
	buf_free(&cp);
	buf_free(&kp);
	buf_free(&backup);
	buf_free(&err);
	return rc;
}

static int deploy(const struct config *cfg, const char *chain_path,
    const char *key_path)
{
	struct buf chain = BUF_INIT, key = BUF_INIT, err = BUF_INIT;
	int rc = file_read_all(chain_path, ACME_CHAIN_MAX, &chain, &err) &&
	    file_read_all(key_path, ACME_KEY_MAX, &key, &err) ?
	    cert_install(cfg, chain.data, chain.len, key.data, key.len) :
	    ctl_fail("%s", err.data);
	buf_free(&chain);
	buf_free(&key);
	buf_free(&err);
	return rc;
}

int ctl_cert(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2)
		return ctl_usage(CERT_USAGE);
	const char *sub = argv[1];
	bool known = !strcmp(sub, "issue") || !strcmp(sub, "renew") ||
	    (!strcmp(sub, "deploy") && argc == 4) || (!strcmp(sub, "status") && argc == 2);
	if (!known)
		return ctl_usage(CERT_USAGE);
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return 1;
	int rc;
	if (!strcmp(sub, "issue"))
		rc = cert_issue(cfg, argc - 1, argv + 1);
	else if (!strcmp(sub, "renew"))
		rc = cert_renew(cfg, argc - 1, argv + 1);
	else if (!strcmp(sub, "deploy"))
		rc = deploy(cfg, argv[2], argv[3]);
	else
		rc = status(cfg);
	config_free(cfg);
	return rc;
}
