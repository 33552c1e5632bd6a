/* The certificate on disk: info, the deploy checks (key, host name,
 * chain) and installation with a backup. */
#include "t.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "acme/certfile.h"
#include "acme/jws.h"
#include "common/fileutil.h"
#include "common/selfsigned.h"

struct pair {
	struct buf cert, key;
};

/* t_tmpdir() makes a fresh directory on each call: one per test. */
static const char *dir;

static void make_pair(const char *host, const char *tag, struct pair *p)
{
	struct buf cp = BUF_INIT, kp = BUF_INIT, err = BUF_INIT;
	buf_printf(&cp, "%s/%s.pem", dir, tag);
	buf_printf(&kp, "%s/%s.key", dir, tag);
	buf_init(&p->cert);
	buf_init(&p->key);
	CHECK(selfsigned_create(host, false, cp.data, kp.data, &err));
	CHECK(file_read_all(cp.data, 1 << 16, &p->cert, &err));
	CHECK(file_read_all(kp.data, 1 << 16, &p->key, &err));
	buf_free(&cp);
	buf_free(&kp);
	buf_free(&err);
}

static void free_pair(struct pair *p)
{
	buf_free(&p->cert);
	buf_free(&p->key);
}

TEST(acme_certinfo_reads_the_leaf)
{
	struct pair p;
	struct acme_certinfo ci;
	struct buf err = BUF_INIT;
	dir = t_tmpdir();
	make_pair("mail.example.test", "a", &p);
	CHECK(acme_cert_info(p.cert.data, p.cert.len, &ci, &err));
	CHECK(strstr(ci.names.data, "mail.example.test") != NULL);
	CHECK(ci.self_signed);
	CHECK(ci.not_after > ci.not_before && ci.not_after > time(NULL));
	acme_certinfo_free(&ci);
	CHECK(!acme_cert_info("junk", 4, &ci, &err));
	CHECK(!acme_cert_info(p.cert.data, p.cert.len / 2, &ci, &err));
	free_pair(&p);
	buf_free(&err);
}

TEST(acme_check_pair_refusals)
{
	struct pair a, b;
	struct buf err = BUF_INIT;
	dir = t_tmpdir();
	make_pair("mail.example.test", "a", &a);
	make_pair("mail.example.test", "b", &b);
	CHECK(acme_check_pair(a.cert.data, a.cert.len, a.key.data, a.key.len,
	    "mail.example.test", &err));
	CHECK(!acme_check_pair(a.cert.data, a.cert.len, b.key.data, b.key.len,
	    "mail.example.test", &err));
	CHECK(strstr(err.data, "does not match") != NULL);
	buf_reset(&err);
	CHECK(!acme_check_pair(a.cert.data, a.cert.len, a.key.data, a.key.len,
	    "other.example.test", &err));
	CHECK(strstr(err.data, "not valid for other.example.test") != NULL);
	/* b's certificate does not sign a's: a broken chain. */
	struct buf chain = BUF_INIT;
	buf_add(&chain, a.cert.data, a.cert.len);
	buf_add(&chain, b.cert.data, b.cert.len);
	CHECK(!acme_check_pair(chain.data, chain.len, a.key.data, a.key.len,
	    "mail.example.test", &err));
	CHECK(!acme_check_pair("", 0, a.key.data, a.key.len, "mail.example.test", &err));
	CHECK(!acme_check_pair(a.cert.data, a.cert.len, "x", 1, "mail.example.test", &err));
	buf_free(&chain);
	free_pair(&a);
	free_pair(&b);
	buf_free(&err);
}

static int count_backups(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "backup-", 7) == 0;
	if (d)
		closedir(d);
	return n;
}

TEST(acme_install_backs_up_and_replaces)
{
	struct pair a, b;
	struct buf err = BUF_INIT, backup = BUF_INIT, cp = BUF_INIT, kp = BUF_INIT;
	struct buf got = BUF_INIT, old = BUF_INIT;
	dir = t_tmpdir();
	make_pair("mail.example.test", "a", &a);
	make_pair("mail.example.test", "b", &b);
	buf_printf(&cp, "%s/tls", dir);
	CHECK(file_mkdir(cp.data, 0750, &err));
	buf_addstr(&cp, "/fullchain.pem");
	buf_printf(&kp, "%s/tls/private.key", dir);
	CHECK(acme_install(cp.data, kp.data, a.cert.data, a.cert.len, a.key.data,
	    a.key.len, &backup, &err));
	CHECK(backup.len == 0);     /* nothing to back up the first time */
	CHECK(acme_install(cp.data, kp.data, b.cert.data, b.cert.len, b.key.data,
	    b.key.len, &backup, &err));
	CHECK(file_read_all(cp.data, 1 << 16, &got, &err));
	CHECK_MEM(got.data, got.len, b.cert.data, b.cert.len);
	buf_printf(&old, "%s/private.key", backup.data);
	buf_reset(&got);
	CHECK(file_read_all(old.data, 1 << 16, &got, &err));
	CHECK_MEM(got.data, got.len, a.key.data, a.key.len);
	struct stat st;
	CHECK(stat(kp.data, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(old.data, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* A second install in the same second gets its own directory. */
	buf_reset(&backup);
	CHECK(acme_install(cp.data, kp.data, a.cert.data, a.cert.len, a.key.data,
	    a.key.len, &backup, &err));
	buf_reset(&old);
	buf_printf(&old, "%s/tls", dir);
	CHECK(count_backups(old.data) == 2);
	free_pair(&a);
	free_pair(&b);
	buf_free(&err);
	buf_free(&backup);
	buf_free(&cp);
	buf_free(&kp);
	buf_free(&got);
	buf_free(&old);
}
