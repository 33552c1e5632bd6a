/* mailboxctl cert issue | renew: one ACME conversation that ends with the
 * new certificate installed. The account key is made once and kept in
 * state_dir/acme/account.key; the directory (and private CA) used is kept
 * in state_dir/acme/renewal.json, so renewals go to the same server. */
#include "ctl/ctl.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acme/certfile.h"
#include "acme/client.h"
#include "acme/jws.h"
#include "common/config.h"
#include "common/fileutil.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "ctl/cert.h"

#define RENEW_DAYS 30
#define MAX_NAMES 100

static EVP_PKEY *account_key(const char *acme_dir, struct buf *err)
{
	struct buf path = BUF_INIT, pem = BUF_INIT;
	buf_printf(&path, "%s/account.key", acme_dir);
	EVP_PKEY *key = NULL;
	if (file_exists(path.data)) {
		if (file_read_all(path.data, ACME_KEY_MAX, &pem, err) &&
		    (key = acme_key_from_pem(pem.data, pem.len)) == NULL)
			buf_printf(err, "%s is not an ECDSA P-256 key", path.data);
	} else if ((key = acme_key_new()) == NULL || !acme_key_to_pem(key, &pem) ||
	    !file_write_atomic(path.data, pem.data, pem.len, 0600, err)) {
		if (err->len == 0)
			buf_addstr(err, "cannot make the ACME account key");
		EVP_PKEY_free(key);
		key = NULL;
	}
	buf_free(&path);
	buf_free(&pem);
	return key;
}

/* The host name, then acme_extra_names, without repeats. */
static size_t collect_names(const struct config *cfg, char **names)
{
	char *list = xstrdup(config_str(cfg, "acme_extra_names")), *save = NULL;
	size_t n = 0;
	names[n++] = xstrdup(config_str(cfg, "hostname"));
	for (char *t = strtok_r(list, " \t", &save); t && n < MAX_NAMES;
	    t = strtok_r(NULL, " \t", &save)) {
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup = dup || str_eq_nocase(names[i], t);
		if (!dup)
			names[n++] = xstrdup(t);
	}
	for (size_t i = 0; i < n; i++)
		str_lower_ascii(names[i]);
	free(list);
	return n;
}

static bool save_state(const char *acme_dir, const char *directory,
    const char *ca, struct buf *err)
{
	struct buf path = BUF_INIT;
	json_t *j = json_pack("{s:s, s:s?}", "directory", directory, "ca", ca);
	char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	buf_printf(&path, "%s/renewal.json", acme_dir);
	bool ok = text && file_write_atomic(path.data, text, strlen(text), 0600, err);
	free(text);
	json_decref(j);
	buf_free(&path);
	return ok;
}

static bool prepare_dirs(const struct config *cfg, struct buf *acme_dir,
    struct buf *chal_dir, struct buf *err)
{
	config_state_path(cfg, "acme", acme_dir);
	buf_printf(chal_dir, "%s/challenges", acme_dir->data);
	/* mailboxd's unprivileged acme process reads the challenges. */
	return file_mkdir(acme_dir->data, 0711, err) &&
	    file_mkdir(chal_dir->data, 0755, err);
}

static bool obtain(const struct config *cfg, const struct acme_request *base,
    const char *chal_dir, struct buf *chain, struct buf *err)
{
	struct acme_request req = *base;
	pid_t server = 0;
	req.use_alpn = config_int(cfg, "acme_tls_port") != 0;
	if (!req.use_alpn && config_int(cfg, "acme_http_port") == 0) {
		buf_addstr(err, "acme_tls_port and acme_http_port are both 0: "
		    "nothing can answer the challenges");
		return false;
	}
	if (ctl_daemon_pid(cfg) == 0 &&
	    (server = cert_serve_start(cfg, chal_dir, err)) < 0)
		return false;
	bool ok = acme_obtain(&req, chain, err);
	if (server > 0)
		cert_serve_stop(server);
	return ok;
}

static int issue_with(const struct config *cfg, const char *directory,
    const char *ca)
{
	struct buf acme_dir = BUF_INIT, chal_dir = BUF_INIT, err = BUF_INIT;
	struct buf chain = BUF_INIT, keypem = BUF_INIT;
	char *names[MAX_NAMES];
	size_t n = collect_names(cfg, names);
	struct acme_request req = { .directory = directory, .ca_file = ca,
		.names = (const char *const *)names, .nnames = n, .timeout = 120 };
	int rc = 1;
	if (prepare_dirs(cfg, &acme_dir, &chal_dir, &err) &&
	    (req.account_key = account_key(acme_dir.data, &err)) != NULL &&
	    (req.cert_key = acme_key_new()) != NULL && acme_key_to_pem(req.cert_key, &keypem)) {
		req.challenge_dir = chal_dir.data;
		if (!obtain(cfg, &req, chal_dir.data, &chain, &err))
			rc = ctl_fail("no certificate: %s", err.data);
		else if ((rc = cert_install(cfg, chain.data, chain.len, keypem.data,
		    keypem.len)) == 0 && !save_state(acme_dir.data, directory, ca, &err))
			rc = ctl_fail("%s", buf_cstr(&err));
	} else {
		rc = ctl_fail("%s", err.len ? err.data : "cannot make a key");
	}
	EVP_PKEY_free(req.account_key);
	EVP_PKEY_free(req.cert_key);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	buf_free(&acme_dir);
	buf_free(&chal_dir);
	buf_free(&err);
	buf_free(&chain);
	buf_free(&keypem);
	return rc;
}

int cert_issue(const struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "staging", no_argument, NULL, 's' },
		{ "directory", required_argument, NULL, 'd' },
		{ "directory-ca", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const char *directory = config_str(cfg, "acme_directory"), *ca = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': directory = CERT_STAGING_URL; break;
		case 'd': directory = optarg; break;
		case 'C': ca = optarg; break;
		default: return ctl_usage("usage: cert issue [--staging] "
		    "[--directory URL] [--directory-ca FILE]");
		}
	}
	if (optind != argc)
		return ctl_usage("usage: cert issue [--staging] [--directory URL] "
		    "[--directory-ca FILE]");
	char ca_abs[PATH_MAX];
	if (ca != NULL && realpath(ca, ca_abs) == NULL)
		return ctl_fail("%s: cannot read the CA file", ca);
	return issue_with(cfg, directory, ca ? ca_abs : NULL);
}

/* Due when the current certificate cannot be read, is self-signed or ends
 * within RENEW_DAYS. */
static bool renewal_due(const struct config *cfg)
{
	struct buf cp = BUF_INIT, kp = BUF_INIT, pem = BUF_INIT, err = BUF_INIT;
	struct acme_certinfo ci;
	cert_paths(cfg, &cp, &kp);
	bool due = true;
	if (file_read_all(cp.data, ACME_CHAIN_MAX, &pem, &err) &&
	    acme_cert_info(pem.data, pem.len, &ci, &err)) {
		due = ci.self_signed || ci.not_after - time(NULL) < RENEW_DAYS * 86400L;
		if (!due)
			printf("the certificate is good until more than %d days from "
			    "now; not renewed\n", RENEW_DAYS);
		acme_certinfo_free(&ci);
	}
	buf_free(&cp);
	buf_free(&kp);
	buf_free(&pem);
	buf_free(&err);
	return due;
}

int cert_renew(const struct config *cfg, int argc, char **argv)
{
	bool force = argc == 2 && strcmp(argv[1], "--force") == 0;
	if (argc > 2 || (argc == 2 && !force))
		return ctl_usage("usage: cert renew [--force]");
	struct buf path = BUF_INIT;
	config_state_path(cfg, "acme/renewal.json", &path);
	json_t *j = json_load_file(path.data, 0, NULL);
	const char *dir = json_string_value(json_object_get(j, "directory"));
	const char *ca = json_string_value(json_object_get(j, "ca"));
	int rc = 0;
	if (dir == NULL)
		printf("no certificate was issued with `mailboxctl cert issue`; "
		    "nothing to renew\n");
	else if (force || renewal_due(cfg))
		rc = issue_with(cfg, dir, ca);
	json_decref(j);
	buf_free(&path);
	return rc;
}
