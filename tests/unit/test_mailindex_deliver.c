/* The mail index with real deliveries: msgstore writes an encrypted,
 * compressed message, the index takes it, a session reads it back; no
 * file of the user's holds a header or body line in the clear. */
#include "t.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/fileutil.h"
#include "store/maildir.h"
#include "store/mailindex.h"
#include "store/msgstore.h"
#include "store/stream.h"

#define SUBJECT "Subject: quarterly-plans-4f2e"
#define BODYLINE "the body line 9d81 that must stay secret"

static const char msg[] = SUBJECT "\r\nFrom: a@example.org\r\n\r\n"
    BODYLINE "\r\n";

static enum msgstore_result deliver(const char *root, const unsigned char *pk,
    struct buf *path, struct buf *err)
{
	struct msgstore_delivery d;
	memset(&d, 0, sizeof d);
	d.mail_dir = root;
	d.address = "bob@example.test";
	d.encrypt = true;
	memcpy(d.pk, pk, TREES_PK_LEN);
	d.algo = COMPRESS_XZ;
	d.level = COMPRESS_LEVEL_DEFAULT;
	d.headers = "";
	d.queue_id = "0000000001abcdef0123";
	d.hostname = "mx.example.test";
	d.path = path;
	d.retry = true;     /* the second call is a retry */
	d.fd = memfd_create("msg", MFD_CLOEXEC);
	d.size = sizeof msg - 1;
	if (d.fd < 0 || write(d.fd, msg, d.size) != (ssize_t)d.size)
		abort();
	enum msgstore_result r = msgstore_deliver(&d, err);
	close(d.fd);
	return r;
}

/* Does any file under dir (recursively) contain needle? */
static bool tree_has(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	while (d != NULL && !found && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct buf p = BUF_INIT, data = BUF_INIT, err = BUF_INIT;
		buf_printf(&p, "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			found = tree_has(p.data, needle);
		else if (file_read_all(p.data, 64u << 20, &data, &err) && data.len > 0)
			found = memmem(data.data, data.len, needle, strlen(needle)) != NULL;
		buf_free(&p);
		buf_free(&data);
		buf_free(&err);
	}
	if (d)
		closedir(d);
	return found;
}

TEST(mailindex_indexes_encrypted_delivery_without_leaking_it)
{
	unsigned char pk[TREES_PK_LEN], sk[TREES_SK_LEN];
	crypto_box_keypair(pk, sk);
	const char *root = t_tmpdir();
	struct buf md = BUF_INIT, path = BUF_INIT, err = BUF_INIT, got = BUF_INIT;
	maildir_user_path(root, "bob@example.test", &md);
	CHECK(deliver(root, pk, &path, &err) == MSGSTORE_OK);
	struct mailindex *ix = mailindex_open(md.data, MAILINDEX_OPEN_CHECK, &err);
	CHECK(ix != NULL);
	CHECK(mailindex_ensure_defaults(ix, &err) == MAILINDEX_OK);
	struct mailindex_added a;
	CHECK(mailindex_add(ix, path.data, NULL, &a, &err) == MAILINDEX_OK);
	/* A retried delivery finds the message although the index moved it. */
	buf_reset(&path);
	CHECK(deliver(root, pk, &path, &err) == MSGSTORE_OK);
	CHECK(path.len == 0);
	struct mailindex_mailbox mb;
	CHECK(mailindex_mailbox_get(ix, "INBOX", &mb, &err) == MAILINDEX_OK);
	CHECK(mailindex_sync(ix, mb.id, true, &err) == MAILINDEX_OK);
	struct mailindex_msgs m;
	CHECK(mailindex_messages(ix, mb.id, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 1 && m.v[0].uid == a.uid);
	/* RFC822.SIZE is the decrypted size, from the name. */
	CHECK(m.n == 1 && m.v[0].size == sizeof msg - 1);
	mailindex_msgs_free(&m);

	/* A session reads the message and caches its envelope. */
	struct buf file = BUF_INIT;
	CHECK(mailindex_msg_path(ix, mb.id, a.uid, &file, &err) == MAILINDEX_OK);
	struct istream *in = msgstore_open(file.data, NULL, sk, &err);
	struct ostream *os = ostream_buf_create(&got);
	CHECK(in != NULL && stream_copy(in, os, &err));
	istream_free(in);
	ostream_free(os);
	CHECK(strstr(buf_cstr(&got), BODYLINE) != NULL);
	CHECK(mailindex_cache_put(ix, mb.id, a.uid, SUBJECT, strlen(SUBJECT), pk,
	    &err) == MAILINDEX_OK);
	CHECK(mailindex_cache_unlock(ix, pk, sk, &err) == MAILINDEX_OK);
	struct mailindex_cache_item item = { a.uid, got.data, got.len };
	CHECK(mailindex_cache_put_many(ix, mb.id, &item, 1, pk, &err) ==
	    MAILINDEX_OK);
	mailindex_mailbox_free(&mb);
	mailindex_close(ix);

	struct buf user = BUF_INIT;
	buf_printf(&user, "%.*s", (int)(strrchr(md.data, '/') - md.data), md.data);
	CHECK(tree_has(user.data, "Archive\nDrafts\n"));   /* the walk reads */
	CHECK(!tree_has(user.data, "quarterly-plans-4f2e"));
	CHECK(!tree_has(user.data, "9d81 that must"));
	buf_free(&md); buf_free(&path); buf_free(&err); buf_free(&got);
	buf_free(&file); buf_free(&user);
}
