/* The mailbox an import writes into: messages go through the store's own
 * writer (compressed, encrypted to the user's public key) and into the
 * mail index, under names that make a second run skip what is done. */
#include "ctl/import.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/config.h"
#include "common/xmalloc.h"
#include "ctl/ctl_userdb.h"
#include "imap/mutf7.h"
#include "store/maildir.h"
#include "store/mboxname.h"
#include "store/mailindex.h"
#include "store/msgstore.h"

static void release(struct import_target *t)
{
	name_set_free(&t->names);
	userdb_user_clear(&t->user);
	userdb_close(t->db);
	config_free(t->cfg);
	free(t->mail_dir);
	free(t->maildir);
}

bool import_target_open(struct ctl *ctl, const char *address,
    struct import_target *t)
{
	struct buf err = BUF_INIT, p = BUF_INIT;
	memset(t, 0, sizeof *t);
	t->db = ctl_userdb_open(ctl, &t->cfg);
	if (t->db == NULL)
		return false;
	int r = userdb_user_get(t->db, address, &t->user, &err);
	if (r != 1) {
		ctl_fail("%s", r == 0 ? "no such user" : buf_cstr(&err));
		goto fail;
	}
	config_state_path(t->cfg, "mail", &p);
	t->mail_dir = buf_detach(&p);
	maildir_user_path(t->mail_dir, t->user.address, &p);
	t->maildir = buf_detach(&p);
	if (!compress_algo_parse(config_str(t->cfg, "compression"), &t->algo))
		t->algo = COMPRESS_XZ;
	t->level = (int)config_int(t->cfg, "compression_level");
	t->ix = mailindex_open(t->maildir, 0, &err);
	if (t->ix == NULL) {
		ctl_fail("%s: %s", t->maildir, buf_cstr(&err));
		goto fail;
	}
	buf_free(&err);
	return true;
fail:
	buf_free(&err);
	buf_free(&p);
	release(t);
	return false;
}

bool import_target_folder(struct import_target *t, const char *folder,
    struct buf *dir)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf err = BUF_INIT;
	enum mailindex_rc rc = mailindex_mailbox_get(t->ix, folder, &mb, &err);
	if (rc == MAILINDEX_NOTFOUND) {
		buf_reset(&err);
		rc = mailindex_create(t->ix, folder, 0, &err);
		if (rc == MAILINDEX_OK)
			rc = mailindex_mailbox_get(t->ix, folder, &mb, &err);
	}
	bool ok = rc == MAILINDEX_OK;
	if (!ok)
		ctl_fail("%s: %s", folder, buf_cstr(&err));
	buf_reset(dir);
	if (ok && !maildir_folder_path(t->maildir, mb.name, dir))
		ok = ctl_fail("%s: not a folder name", folder) == 0;
	mailindex_mailbox_free(&mb);
	buf_free(&err);
	return ok;
}

/* The queue-id part of the name: 128 bits of a keyed hash of where the
 * message came from and its bytes. */
static void import_id(const char *source_id, const void *data, size_t len,
    char hex[33])
{
	unsigned char h[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, (const unsigned char *)"archmailbox-import",
	    18, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)source_id,
	    strlen(source_id) + 1);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, 33, h, sizeof h);
}

static bool write_message(struct import_target *t, const char *dir,
    const char *base, const void *data, size_t len, struct buf *path,
    struct buf *err)
{
	struct msgstore_wopts o = { .encrypt = t->user.encrypt, .algo = t->algo,
	    .level = t->level, .size = len };
	memcpy(o.pk, t->user.key.pk, sizeof o.pk);
	struct msgstore_writer *w = msgstore_writer_begin(dir, base, &o, err);
	if (w == NULL)
		return false;
	if (!msgstore_writer_write(w, data, len, err) ||
	    !msgstore_writer_finish(w, err)) {
		msgstore_writer_abort(w);
		return false;
	}
	return msgstore_writer_commit(w, path, err);
}

bool import_target_store(struct import_target *t, const char *dir,
    const char *source_id, const void *data, size_t len, unsigned flags,
    const char *keywords, int64_t date)
{
	char id[33];
	struct buf base = BUF_INIT, path = BUF_INIT, err = BUF_INIT;
	import_id(source_id, data, len, id);
	maildir_base_name(id, 0, config_str(t->cfg, "hostname"), len, &base);
	bool ok = true;
	if (t->names.dir == NULL || strcmp(t->names.dir, dir) != 0) {
		name_set_free(&t->names);
		name_set_load(&t->names, dir);
	}
	if (len == 0) {
		t->skipped++;       /* IMAP has no empty messages */
	} else if (name_set_has(&t->names, base.data)) {
		t->skipped++;
	} else {
		struct mailindex_new nm = { flags, keywords, date };
		struct mailindex_added added;
		ok = write_message(t, dir, base.data, data, len, &path, &err) &&
		    mailindex_add(t->ix, path.data, &nm, &added, &err) ==
		    MAILINDEX_OK;
		if (ok) {
			name_set_add(&t->names, base.data);
			t->stored++;
		} else {
			t->failed++;
			ctl_fail("%s: %s", source_id, buf_cstr(&err));
		}
	}
	buf_free(&base);
	buf_free(&path);
	buf_free(&err);
	return ok;
}

bool import_name_from_mutf7(struct buf *name)
{
	struct buf utf8 = BUF_INIT, canon = BUF_INIT;
	bool ok = memchr(name->data, '&', name->len) != NULL &&
	    imap_mutf7_decode(name->data, name->len, &utf8) &&
	    mboxname_canon(utf8.data, utf8.len, &canon, NULL);
	if (ok) {
		buf_reset(name);
		buf_add(name, canon.data, canon.len);
		buf_cstr(name);
	}
	buf_free(&utf8);
	buf_free(&canon);
	return ok;
}

static uid_t give_uid;
static gid_t give_gid;

static int give_one(const char *path, const struct stat *sb, int type,
    struct FTW *f)
{
	(void)f;
	if (type == FTW_SL || (sb->st_uid == give_uid && sb->st_gid == give_gid))
		return 0;
	return lchown(path, give_uid, give_gid) == 0 ? 0 : errno;
}

bool import_give_tree(const char *owner_dir, const char *path,
    struct buf *err)
{
	struct stat st;
	if (geteuid() != 0 || stat(owner_dir, &st) != 0 || st.st_uid == 0)
		return true;
	give_uid = st.st_uid;
	give_gid = st.st_gid;
	int r = nftw(path, give_one, 16, FTW_PHYS);
	if (r != 0) {
		buf_printf(err, "%s: cannot give it to the mail store's owner: %s",
		    path, strerror(r > 0 ? r : errno));
		return false;
	}
	return true;
}

bool import_give_user(const char *mail_dir, const char *address,
    struct buf *err)
{
	/* <mail_dir>/<domain>/<local>/Maildir: from the domain down, which
	 * a first delivery or import may have just made. */
	struct buf dir = BUF_INIT;
	maildir_user_path(mail_dir, address, &dir);
	for (int up = 0; up < 2; up++) {
		dir.len = (size_t)(strrchr(dir.data, '/') - dir.data);
		dir.data[dir.len] = '\0';
	}
	bool ok = import_give_tree(mail_dir, dir.data, err);
	buf_free(&dir);
	return ok;
}

int import_target_close(struct import_target *t, const char *what)
{
	struct buf err = BUF_INIT;
	mailindex_close(t->ix);
	bool ok = import_give_user(t->mail_dir, t->user.address, &err);
	if (!ok)
		ctl_fail("%s", buf_cstr(&err));
	printf("%s %s: %lu stored, %lu already there, %lu failed\n", what,
	    t->user.address, t->stored, t->skipped, t->failed);
	int rc = ok && t->failed == 0 ? 0 : 1;
	buf_free(&err);
	release(t);
	return rc;
}
