/* mailboxctl export ADDR DIR [--password-stdin]: a user's mail as a plain
 * Maildir++ (decrypted, decompressed), with flags in the ":2," info and
 * keywords in each folder's dovecot-keywords, so Dovecot, mutt or
 * `import maildir` can read it. A second run skips what is there. */
#include "ctl/import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "ctl/ctl_userdb.h"
#include "ctl/password.h"
#include "store/dovecot.h"
#include "store/maildir.h"
#include "store/mailindex.h"
#include "store/msgstore.h"
#include "store/stream.h"

struct export {
	struct userdb_user user;
	unsigned char sk[TREES_SK_LEN];
	struct mailindex *ix;
	const char *out;
	unsigned long written, skipped, failed;
	struct progress pr;
};

static bool unlock(struct export *x, bool from_stdin)
{
	struct password pw = { NULL, 0 };
	struct buf err = BUF_INIT, prompt = BUF_INIT;
	buf_printf(&prompt, "Password of %s: ", x->user.address);
	bool ok = from_stdin ? password_from_stdin(&pw, &err) :
	    password_from_tty(prompt.data, false, &pw, &err);
	if (!ok)
		ctl_fail("%s", buf_cstr(&err));
	else if (!(ok = trees_key_unlock(&x->user.key, pw.s, pw.len, x->sk)))
		ctl_fail("wrong password for %s", x->user.address);
	password_free(&pw);
	buf_free(&err);
	buf_free(&prompt);
	return ok;
}

/* Writes the decrypted message to dir/tmp, then renames it into cur/
 * under name, with its INTERNALDATE as mtime. */
static bool write_plain(struct export *x, const char *src, const char *dir,
    const char *base, const char *name, int64_t date, struct buf *err)
{
	struct buf tmp = BUF_INIT, dst = BUF_INIT;
	buf_printf(&tmp, "%s/tmp/%s", dir, base);
	buf_printf(&dst, "%s/cur/%s", dir, name);
	unlink(tmp.data);
	struct istream *is = msgstore_open(src, x->user.encrypt ?
	    x->user.key.pk : NULL, x->user.encrypt ? x->sk : NULL, err);
	int fd = is == NULL ? -1 : open(tmp.data, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	bool ok = fd >= 0;
	if (is != NULL && !ok)
		buf_printf(err, "%s: %s", tmp.data, strerror(errno));
	if (ok) {
		struct ostream *os = ostream_fd_create(fd);
		ok = stream_copy(is, os, err) && ostream_finish(os);
		if (!ok && err->len == 0)
			buf_addstr(err, ostream_error(os));
		ostream_free(os);
		struct timespec ts[2] = { { (time_t)date, 0 }, { (time_t)date, 0 } };
		ok = ok && (date <= 0 || futimens(fd, ts) == 0) && fsync(fd) == 0;
		ok = close(fd) == 0 && ok;
		if (ok && rename(tmp.data, dst.data) != 0) {
			buf_printf(err, "%s: %s", dst.data, strerror(errno));
			ok = false;
		}
		if (!ok)
			unlink(tmp.data);
	}
	istream_free(is);
	buf_free(&tmp);
	buf_free(&dst);
	return ok;
}

static void export_message(struct export *x, int64_t mbox, const char *dir,
    const struct mailindex_msg *m, struct dovecot_keywords *kws,
    const struct name_set *have)
{
	struct buf src = BUF_INIT, name = BUF_INIT, err = BUF_INIT;
	if (name_set_has(have, m->base)) {
		x->skipped++;
		goto out;
	}
	buf_printf(&name, "%s:2,", m->base);
	dovecot_info(m->flags, m->keywords, kws, &name);
	if (mailindex_msg_path(x->ix, mbox, m->uid, &src, &err) != MAILINDEX_OK ||
	    !write_plain(x, src.data, dir, m->base, name.data, m->internaldate,
	    &err)) {
		x->failed++;
		fprintf(stderr, "mailboxctl: export: UID %u: %s\n", m->uid,
		    buf_cstr(&err));
	} else {
		x->written++;
	}
out:
	progress_step(&x->pr);
	buf_free(&src);
	buf_free(&name);
	buf_free(&err);
}

static void export_mailbox(struct export *x, const struct mailindex_mailbox *mb)
{
	struct buf dir = BUF_INIT, err = BUF_INIT, kwpath = BUF_INIT,
	    kwtext = BUF_INIT;
	struct mailindex_msgs msgs = { 0 };
	struct dovecot_keywords kws;
	if (!maildir_folder_path(x->out, mb->name, &dir) ||
	    !maildir_create(dir.data, &err) ||
	    mailindex_messages(x->ix, mb->id, 0, &msgs, &err) != MAILINDEX_OK) {
		x->failed += mb->messages;
		fprintf(stderr, "mailboxctl: export: %s: %s\n", mb->name,
		    buf_cstr(&err));
		goto out;
	}
	/* Letters given by an earlier run stay what they were. */
	buf_printf(&kwpath, "%s/%s", dir.data, DOVECOT_KEYWORDS_FILE);
	if (!file_read_all(kwpath.data, 64 * 1024, &kwtext, &err))
		buf_reset(&kwtext);
	dovecot_keywords_parse(buf_cstr(&kwtext), kwtext.len, &kws);
	struct name_set have;
	name_set_load(&have, dir.data);
	for (size_t i = 0; i < msgs.n; i++)
		export_message(x, mb->id, dir.data, &msgs.v[i], &kws, &have);
	name_set_free(&have);
	buf_reset(&kwtext);
	dovecot_keywords_format(&kws, &kwtext);
	buf_reset(&err);
	if (kwtext.len > 0 && !file_write_atomic(kwpath.data, kwtext.data,
	    kwtext.len, 0600, &err))
		fprintf(stderr, "mailboxctl: export: %s\n", buf_cstr(&err));
	dovecot_keywords_free(&kws);
out:
	mailindex_msgs_free(&msgs);
	buf_free(&dir);
	buf_free(&err);
	buf_free(&kwpath);
	buf_free(&kwtext);
}

static void export_all(struct export *x)
{
	struct mailindex_mailbox *v = NULL;
	size_t n = 0;
	struct buf err = BUF_INIT;
	if (mailindex_list(x->ix, &v, &n, &err) != MAILINDEX_OK) {
		x->failed++;
		ctl_fail("export: %s", buf_cstr(&err));
	}
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i].messages;
	progress_init(&x->pr, "export", total);
	for (size_t i = 0; i < n; i++)
		export_mailbox(x, &v[i]);
	progress_end(&x->pr);
	mailindex_list_free(v, n);
	buf_free(&err);
}

static int run(struct export *x, struct config *cfg, bool from_stdin)
{
	struct buf mail = BUF_INIT, maildir = BUF_INIT, err = BUF_INIT;
	config_state_path(cfg, "mail", &mail);
	maildir_user_path(mail.data, x->user.address, &maildir);
	int rc = 1;
	if (x->user.encrypt && !unlock(x, from_stdin))
		goto out;
	if (!file_mkdir(x->out, 0700, &err)) {
		ctl_fail("%s", buf_cstr(&err));
		goto out;
	}
	x->ix = mailindex_open(maildir.data, 0, &err);
	if (x->ix == NULL) {
		ctl_fail("%s: %s", maildir.data, buf_cstr(&err));
		goto out;
	}
	export_all(x);
	mailindex_close(x->ix);
	/* Opening the index as root may have made its -wal and -shm files. */
	if (!import_give_user(mail.data, x->user.address, &err))
		ctl_fail("%s", buf_cstr(&err));
	printf("export %s: %lu written, %lu already there, %lu failed\n",
	    x->user.address, x->written, x->skipped, x->failed);
	rc = x->failed == 0 ? 0 : 1;
out:
	buf_free(&mail);
	buf_free(&maildir);
	buf_free(&err);
	return rc;
}

int ctl_export(struct ctl *ctl, int argc, char **argv)
{
	bool from_stdin = argc == 4 && strcmp(argv[3], "--password-stdin") == 0;
	if (argc != 3 && !from_stdin)
		return ctl_usage("usage: export ADDR DIR [--password-stdin]");
	struct config *cfg = NULL;
	struct userdb *db = ctl_userdb_open(ctl, &cfg);
	if (db == NULL)
		return 1;
	struct export x = { .out = argv[2] };
	struct buf err = BUF_INIT;
	int r = userdb_user_get(db, argv[1], &x.user, &err);
	userdb_close(db);
	int rc = r == 1 ? run(&x, cfg, from_stdin) :
	    ctl_fail("export: %s", r == 0 ? "no such user" : buf_cstr(&err));
	sodium_memzero(x.sk, sizeof x.sk);
	if (r == 1)
		userdb_user_clear(&x.user);
	config_free(cfg);
	buf_free(&err);
	return rc;
}
