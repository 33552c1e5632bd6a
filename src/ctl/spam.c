/* mailboxctl spam train ADDR --spam|--ham FILE... | spam status ADDR
 *
 * Trains a user's classifier (filter/spamverdict.h) from message files,
 * or shows how much it has learnt. The store belongs to the mail user
 * (deliver and imap write it), so run as root this works with that
 * user's effective ids and takes root's back only to read each FILE,
 * which may be anywhere root can read. */
#include "ctl/ctl.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/runas.h"
#include "ctl/ctl_userdb.h"
#include "filter/spamverdict.h"
#include "mail/address.h"
#include "store/maildir.h"

#define SPAM_USAGE "usage: spam train ADDR --spam|--ham FILE... | spam status ADDR"
#define FILE_MAX   (512u * 1024 * 1024)  /* the head is what counts */

struct owner {
	bool root;              /* we run as root: switch ids around I/O */
	uid_t uid;
	gid_t gid;
};

static bool as_mail_user(const struct owner *o)
{
	return !o->root || (setegid(o->gid) == 0 && seteuid(o->uid) == 0);
}

static bool as_root(const struct owner *o)
{
	return !o->root || (seteuid(0) == 0 && setegid(0) == 0);
}

static bool owner_init(const struct config *cfg, struct owner *o)
{
	o->root = geteuid() == 0;
	if (!o->root)
		return true;
	const char *user = runas_user(cfg, ROLE_MAIL);
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		ctl_fail("spam: no system user %s", user);
		return false;
	}
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
	return true;
}

/* The canonical address of an existing user and its Maildir path. */
static bool user_maildir(struct ctl *ctl, const char *addr, struct config **cfg,
    struct buf *md)
{
	struct buf canon = BUF_INIT, err = BUF_INIT, mail = BUF_INIT;
	struct userdb_user u;
	struct userdb *db = ctl_userdb_open(ctl, cfg);
	bool ok = false;
	if (db == NULL)
		goto out;
	if (!addr_canon(addr, &canon, &err)) {
		ctl_fail("spam: %s: %s", addr, buf_cstr(&err));
	} else {
		int r = userdb_user_get(db, canon.data, &u, &err);
		if (r < 0)
			ctl_fail("spam: %s", buf_cstr(&err));
		else if (r == 0)
			ctl_fail("spam: no such user %s", canon.data);
		else
			userdb_user_clear(&u);
		ok = r > 0;
	}
	if (ok) {
		config_state_path(*cfg, "mail", &mail);
		maildir_user_path(mail.data, canon.data, md);
	}
	userdb_close(db);
out:
	buf_free(&canon);
	buf_free(&err);
	buf_free(&mail);
	return ok;
}

static int train_files(const struct owner *o, const char *db, bool spam,
    int nfiles, char **files)
{
	int failed = 0, counts[3] = { 0 };
	for (int i = 0; i < nfiles; i++) {
		struct buf msg = BUF_INIT, err = BUF_INIT;
		enum bayes_learn r;
		bool read = as_root(o) &&
		    file_read_all(files[i], FILE_MAX, &msg, &err);
		if (!as_mail_user(o)) {
			buf_free(&msg);
			return ctl_fail("spam: cannot become the mail user: %s",
			    strerror(errno));
		}
		if (!read || !spam_train(db, buf_cstr(&msg), msg.len, spam, &r,
		    &err)) {
			ctl_fail("spam: %s: %s", files[i], buf_cstr(&err));
			failed++;
		} else {
			counts[r]++;
		}
		buf_free(&msg);
		buf_free(&err);
	}
	printf("%s: %d learnt, %d relearnt, %d already learnt\n",
	    spam ? "spam" : "ham", counts[BAYES_LEARNT], counts[BAYES_RELEARNT],
	    counts[BAYES_ALREADY]);
	return failed ? 1 : 0;
}

static int status(const char *db_path)
{
	struct buf err = BUF_INIT;
	bool missing;
	uint32_t nspam = 0, nham = 0;
	struct bayes_db *db = bayes_db_open(db_path, false, &missing, &err);
	if (db == NULL && !missing) {
		int rc = ctl_fail("spam: %s", buf_cstr(&err));
		buf_free(&err);
		return rc;
	}
	bool ok = db == NULL || bayes_db_totals(db, &nspam, &nham, &err);
	bayes_db_close(db);
	if (!ok) {
		int rc = ctl_fail("spam: %s", buf_cstr(&err));
		buf_free(&err);
		return rc;
	}
	printf("spam %u\nham %u\n", nspam, nham);
	printf("classifier %s\n", nspam >= BAYES_MIN_LEARNS &&
	    nham >= BAYES_MIN_LEARNS ? "active" : "learning (needs 10 of each)");
	buf_free(&err);
	return 0;
}

static int spam_cmd(struct ctl *ctl, const char *sub, const char *addr,
    int nrest, char **rest)
{
	struct config *cfg = NULL;
	struct buf md = BUF_INIT, db = BUF_INIT, err = BUF_INIT;
	struct owner o;
	int rc = 1;
	if (!user_maildir(ctl, addr, &cfg, &md) || !owner_init(cfg, &o))
		goto out;
	spam_db_path(md.data, &db);
	if (!as_mail_user(&o)) {
		rc = ctl_fail("spam: cannot become the mail user: %s",
		    strerror(errno));
	} else if (strcmp(sub, "status") == 0) {
		rc = status(db.data);
	} else if (!maildir_create(md.data, &err)) {
		rc = ctl_fail("spam: %s", buf_cstr(&err));
	} else {
		rc = train_files(&o, db.data, strcmp(rest[0], "--spam") == 0,
		    nrest - 1, rest + 1);
	}
	(void)as_root(&o);
out:
	config_free(cfg);
	buf_free(&md);
	buf_free(&db);
	buf_free(&err);
	return rc;
}

int ctl_spam(struct ctl *ctl, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "status") == 0)
		return spam_cmd(ctl, "status", argv[2], 0, NULL);
	if (argc >= 5 && strcmp(argv[1], "train") == 0 &&
	    (strcmp(argv[3], "--spam") == 0 || strcmp(argv[3], "--ham") == 0))
		return spam_cmd(ctl, "train", argv[2], argc - 3, argv + 3);
	return ctl_usage(SPAM_USAGE);
}
