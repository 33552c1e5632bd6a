#include "t.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "common/buf.h"
#include "common/fileutil.h"
#include "store/mailindex.h"
#include "store/mboxname.h"
#include "store/trees.h"

/* <tmp>/u/Maildir, the index at <tmp>/u/index.sqlite (t_tmpdir makes a
 * fresh directory on each call: once per test). */
static char *maildir_path(void)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/u/Maildir", t_tmpdir());
	return buf_detach(&p);
}

static void index_file(const char *md, const char *sfx, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%.*s/index.sqlite%s", (int)(strrchr(md, '/') - md), md,
	    sfx);
}

/* Writes a message file "<base>,S=<len>" into dir/sub as delivery does;
 * out (if not NULL) gets its path. */
static void put_msg(const char *dir, const char *sub, const char *base,
    const char *body, struct buf *out)
{
	struct buf p = BUF_INIT, t = BUF_INIT, err = BUF_INIT;
	buf_printf(&p, "%s/%s/%s,S=%zu", dir, sub, base, strlen(body));
	buf_printf(&t, "%s/tmp/%s", dir, base);
	/* Through tmp/ as delivery does: new/ never holds a partial file. */
	CHECK(file_write_atomic(t.data, body, strlen(body), 0600, &err));
	CHECK(rename(t.data, p.data) == 0);
	buf_free(&t);
	if (out != NULL)
		buf_set(out, p.data);
	buf_free(&p);
	buf_free(&err);
}

static size_t count_files(const char *dir, const char *sub)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, sub);
	DIR *d = opendir(p.data);
	size_t n = 0;
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	buf_free(&p);
	return n;
}

static bool is_dir(const char *md, const char *name)
{
	struct buf p = BUF_INIT;
	struct stat sb;
	buf_printf(&p, "%s/%s", md, name);
	bool ok = stat(p.data, &sb) == 0 && S_ISDIR(sb.st_mode);
	buf_free(&p);
	return ok;
}

static int64_t mbox_id(struct mailindex *ix, const char *name,
    struct mailindex_mailbox *out)
{
	struct mailindex_mailbox mb = { 0 };
	struct buf err = BUF_INIT;
	int64_t id = mailindex_mailbox_get(ix, name, &mb, &err) == MAILINDEX_OK ?
	    mb.id : -1;
	if (out != NULL)
		*out = mb;
	else
		mailindex_mailbox_free(&mb);
	buf_free(&err);
	return id;
}

TEST(mboxname_maps_names_to_folders_and_back)
{
	static const struct { const char *name, *folder; } ok[] = {
		{ "INBOX", "" }, { "inbox", "" }, { "Work/Projects", ".Work.Projects" },
		{ "a.b", ".a\\2eb" }, { "back\\slash", ".back\\5cslash" },
		{ "inBox/Sub", ".INBOX.Sub" }, { "Entwürfe/日本", ".Entwürfe.日本" },
		{ "...", ".\\2e\\2e\\2e" }, { "a b", ".a b" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct buf f = BUF_INIT, back = BUF_INIT, c = BUF_INIT, err = BUF_INIT;
		CHECK(mboxname_to_folder(ok[i].name, strlen(ok[i].name), &f, &err));
		CHECK_STR(buf_cstr(&f), ok[i].folder);
		CHECK(mboxname_canon(ok[i].name, strlen(ok[i].name), &c, &err));
		if (f.len > 0) {
			CHECK(mboxname_from_folder(f.data, f.len, &back));
			CHECK_STR(back.data, c.data);
		}
		buf_free(&f); buf_free(&back); buf_free(&c); buf_free(&err);
	}
	CHECK(mboxname_is_child("A/B", "A"));
	CHECK(!mboxname_is_child("AB", "A"));
	CHECK(!mboxname_is_child("A", "A"));
}

TEST(mboxname_rejects_hostile_names_clearly)
{
	static const struct { const char *name; size_t len; const char *why; } bad[] = {
		{ "a\0b", 3, "NUL" }, { "..", 2, "\"..\"" }, { "a/../b", 6, "\"..\"" },
		{ ".", 1, "\".\"" }, { "/a", 2, "empty level" }, { "a/", 2, "empty level" },
		{ "a//b", 4, "empty level" }, { "a///", 4, "empty level" },
		{ "", 0, "empty" }, { "\xc3\x28", 2, "UTF-8" },
		{ "\xc0\xaf", 2, "UTF-8" }, { "\xed\xa0\x80", 3, "UTF-8" },
		{ "\xf4\x90\x80\x80", 4, "UTF-8" }, { "a\nb", 3, "control" },
		{ "a\x7f", 2, "control" }, { "\xc2\x85", 2, "control" },
		{ "a*", 2, "wildcard" }, { "%", 1, "wildcard" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf out = BUF_INIT, err = BUF_INIT;
		CHECK(!mboxname_to_folder(bad[i].name, bad[i].len, &out, &err));
		CHECK(out.len == 0);
		CHECK(strstr(buf_cstr(&err), bad[i].why) != NULL);
		buf_free(&out); buf_free(&err);
	}
	/* Overlong: 255 bytes of folder is the limit, escapes count thrice. */
	char name[300];
	memset(name, 'x', sizeof name);
	struct buf out = BUF_INIT, err = BUF_INIT;
	CHECK(mboxname_to_folder(name, 254, &out, &err));
	CHECK(!mboxname_to_folder(name, 255, &out, &err));
	CHECK(strstr(buf_cstr(&err), "too long") != NULL);
	memset(name, '.', 90);
	CHECK(!mboxname_to_folder(name, 90, &out, &err));
	buf_free(&out); buf_free(&err);
	/* Folders that no name maps to are not mailboxes. */
	static const char *const notours[] = { ".", "..", "cur", ".a..b", ".a.",
	    ".a\\2E", ".a\\zz", ".a\\2", ".inbox.x", ".a*", "..x" };
	for (size_t i = 0; i < sizeof notours / sizeof notours[0]; i++) {
		struct buf n = BUF_INIT;
		CHECK(!mboxname_from_folder(notours[i], strlen(notours[i]), &n));
		buf_free(&n);
	}
}

TEST(mailindex_defaults_have_special_use_and_folders)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	CHECK(ix != NULL);
	CHECK(mailindex_ensure_defaults(ix, &err) == MAILINDEX_OK);
	CHECK(mailindex_ensure_defaults(ix, &err) == MAILINDEX_OK);
	struct mailindex_mailbox *v;
	size_t n;
	CHECK(mailindex_list(ix, &v, &n, &err) == MAILINDEX_OK);
	CHECK(n == 6);
	static const char *const names[] = { "Archive", "Drafts", "INBOX", "Junk",
	    "Sent", "Trash" };
	static const char *const uses[] = { "\\Archive", "\\Drafts", NULL, "\\Junk",
	    "\\Sent", "\\Trash" };
	for (size_t i = 0; i < n && i < 6; i++) {
		CHECK_STR(v[i].name, names[i]);
		if (uses[i] == NULL)
			CHECK(v[i].special == 0);
		else
			CHECK_STR(mailindex_special_name(v[i].special), uses[i]);
		CHECK(v[i].uidvalidity > 0 && v[i].uidnext == 1);
	}
	mailindex_list_free(v, n);
	CHECK(is_dir(md, ".Sent/cur") && is_dir(md, ".Junk/new"));
	CHECK(mailindex_special_parse("\\junk") == MAILINDEX_USE_JUNK);
	CHECK(mailindex_special_parse("\\Bogus") == 0);
	char **subs;
	CHECK(mailindex_subscriptions(ix, &subs, &n, &err) == MAILINDEX_OK);
	CHECK(n == 6);
	mailindex_names_free(subs, n);
	mailindex_close(ix);
	free(md);
	buf_free(&err);
}

TEST(mailindex_create_rename_delete_mailboxes)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	CHECK(mailindex_create(ix, "Work/Projects", 0, &err) == MAILINDEX_OK);
	CHECK(mbox_id(ix, "Work", NULL) > 0);       /* parent made too */
	CHECK(is_dir(md, ".Work.Projects/cur") && is_dir(md, ".Work/cur"));
	CHECK(mailindex_create(ix, "Work", 0, &err) == MAILINDEX_EXISTS);
	CHECK(mailindex_create(ix, "inbox", 0, &err) == MAILINDEX_EXISTS);
	buf_reset(&err);
	CHECK(mailindex_create(ix, "a/../b", 0, &err) == MAILINDEX_BADNAME);
	CHECK(strstr(buf_cstr(&err), "invalid mailbox name") != NULL);
	CHECK(mailindex_create(ix, "x//y", 0, &err) == MAILINDEX_BADNAME);
	CHECK(mailindex_create(ix, "\xff", 0, &err) == MAILINDEX_BADNAME);
	CHECK(mailindex_create(ix, "Dots.and\\slashes", MAILINDEX_USE_ARCHIVE,
	    &err) == MAILINDEX_OK);
	CHECK(is_dir(md, ".Dots\\2eand\\5cslashes/cur"));

	struct mailindex_mailbox before, after;
	CHECK(mbox_id(ix, "Work/Projects", &before) > 0);
	CHECK(mailindex_rename(ix, "Work", "Job/Old", &err) == MAILINDEX_OK);
	CHECK(mbox_id(ix, "Work", NULL) < 0);
	CHECK(mbox_id(ix, "Job", NULL) > 0);
	CHECK(mbox_id(ix, "Job/Old/Projects", &after) == before.id);
	CHECK(after.uidvalidity == before.uidvalidity);
	CHECK(is_dir(md, ".Job.Old.Projects/cur") && !is_dir(md, ".Work"));
	mailindex_mailbox_free(&before);
	mailindex_mailbox_free(&after);
	CHECK(mailindex_rename(ix, "Job", "Dots.and\\slashes", &err) ==
	    MAILINDEX_EXISTS);
	CHECK(mailindex_rename(ix, "Job", "Job/Old/Deeper", &err) ==
	    MAILINDEX_CANNOT);
	CHECK(mailindex_rename(ix, "Nope", "Other", &err) == MAILINDEX_NOTFOUND);

	CHECK(mailindex_delete(ix, "INBOX", &err) == MAILINDEX_CANNOT);
	CHECK(mailindex_delete(ix, "Nope", &err) == MAILINDEX_NOTFOUND);
	uint32_t old_uv = 0;
	CHECK(mbox_id(ix, "Job/Old", &before) > 0);
	old_uv = before.uidvalidity;
	mailindex_mailbox_free(&before);
	CHECK(mailindex_delete(ix, "Job/Old", &err) == MAILINDEX_OK);
	CHECK(mbox_id(ix, "Job/Old", NULL) < 0);
	CHECK(mbox_id(ix, "Job/Old/Projects", NULL) > 0);   /* child stays */
	CHECK(!is_dir(md, ".Job.Old"));
	/* Made again, it must not look like the old one to a client. */
	CHECK(mailindex_create(ix, "Job/Old", 0, &err) == MAILINDEX_OK);
	CHECK(mbox_id(ix, "Job/Old", &after) > 0);
	CHECK(after.uidvalidity > old_uv);
	mailindex_mailbox_free(&after);

	struct mailindex_mailbox *v;
	size_t n;
	CHECK(mailindex_list(ix, &v, &n, &err) == MAILINDEX_OK);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, "Job/Old") == 0)
			CHECK(v[i].has_children);
		else if (strcmp(v[i].name, "Job/Old/Projects") == 0)
			CHECK(!v[i].has_children);
	mailindex_list_free(v, n);
	mailindex_close(ix);
	free(md);
	buf_free(&err);
}

TEST(mailindex_subscriptions_follow_renames)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	CHECK(mailindex_create(ix, "A/B", 0, &err) == MAILINDEX_OK);
	CHECK(mailindex_subscribe(ix, "A/B", true, &err) == MAILINDEX_OK);
	CHECK(mailindex_subscribe(ix, "Ghost", true, &err) == MAILINDEX_OK);
	CHECK(mailindex_subscribe(ix, "bad//name", true, &err) == MAILINDEX_BADNAME);
	CHECK(mailindex_rename(ix, "A", "C", &err) == MAILINDEX_OK);
	char **subs;
	size_t n;
	CHECK(mailindex_subscriptions(ix, &subs, &n, &err) == MAILINDEX_OK);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(subs[0], "C/B");
		CHECK_STR(subs[1], "Ghost");
	}
	mailindex_names_free(subs, n);
	CHECK(mailindex_subscribe(ix, "Ghost", false, &err) == MAILINDEX_OK);
	struct buf file = BUF_INIT, data = BUF_INIT;
	buf_printf(&file, "%s/subscriptions", md);
	CHECK(file_read_all(file.data, 1000, &data, &err));
	CHECK_STR(buf_cstr(&data), "C/B\n");
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&file); buf_free(&data);
}

/* Three delivered files in new/, then sync. */
static struct mailindex *three_messages(char **md, int64_t *inbox)
{
	struct buf err = BUF_INIT;
	*md = maildir_path();
	struct mailindex *ix = mailindex_open(*md, 0, &err);
	put_msg(*md, "new", "00000000030000000001.R0.host", "message c\r\n", NULL);
	put_msg(*md, "new", "00000000010000000001.R0.host", "message a\r\n", NULL);
	put_msg(*md, "new", "00000000020000000001.R0.host", "message bb\r\n", NULL);
	*inbox = mbox_id(ix, "INBOX", NULL);
	CHECK(mailindex_sync(ix, *inbox, false, &err) == MAILINDEX_OK);
	buf_free(&err);
	return ix;
}

TEST(mailindex_sync_indexes_new_files_in_name_order)
{
	char *md;
	int64_t in;
	struct buf err = BUF_INIT;
	struct mailindex *ix = three_messages(&md, &in);
	struct mailindex_msgs m;
	CHECK(mailindex_messages(ix, in, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 3);
	if (m.n == 3) {
		CHECK(m.v[0].uid == 1 && m.v[1].uid == 2 && m.v[2].uid == 3);
		CHECK(!strncmp(m.v[0].base, "0000000001", 10));
		CHECK(!strncmp(m.v[2].base, "0000000003", 10));
		CHECK(m.v[1].size == 12 && m.v[0].size == 11);
		CHECK(m.v[0].internaldate > 0);
	}
	mailindex_msgs_free(&m);
	CHECK(count_files(md, "new") == 0 && count_files(md, "cur") == 3);
	struct buf p = BUF_INIT;
	CHECK(mailindex_msg_path(ix, in, 2, &p, &err) == MAILINDEX_OK);
	CHECK(strstr(buf_cstr(&p), "/cur/00000000020000000001.R0.host,S=12,U=2:2,") != NULL);
	struct mailindex_mailbox mb;
	CHECK(mbox_id(ix, "INBOX", &mb) == in);
	CHECK(mb.messages == 3 && mb.unseen == 3 && mb.uidnext == 4);
	CHECK(mb.bytes == 34);
	uint64_t ms = mb.highestmodseq;
	mailindex_mailbox_free(&mb);

	/* Removed behind the index's back: expunged and recorded. */
	CHECK(unlink(p.data) == 0);
	put_msg(md, "new", "00000000040000000001.R0.host", "d\r\n", NULL);
	CHECK(mailindex_sync(ix, in, true, &err) == MAILINDEX_OK);
	CHECK(mailindex_messages(ix, in, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 3);
	if (m.n == 3)
		CHECK(m.v[0].uid == 1 && m.v[1].uid == 3 && m.v[2].uid == 4);
	mailindex_msgs_free(&m);
	struct mailindex_uids gone;
	bool complete = false;
	CHECK(mailindex_expunged_since(ix, in, ms, &gone, &complete, &err) ==
	    MAILINDEX_OK);
	CHECK(complete && gone.n == 1 && gone.v[0] == 2);
	mailindex_uids_free(&gone);
	/* Changes since ms: only the new message. */
	CHECK(mailindex_messages(ix, in, ms, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 1 && m.v[0].uid == 4);
	mailindex_msgs_free(&m);
	uint64_t bytes = 0, count = 0;
	CHECK(mailindex_usage(ix, &bytes, &count, &err) == MAILINDEX_OK);
	CHECK(bytes == 11 + 11 + 3 && count == 3);
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&p);
}

TEST(mailindex_sync_takes_flags_changed_in_file_names)
{
	char *md;
	int64_t in;
	struct buf err = BUF_INIT, p = BUF_INIT, q = BUF_INIT;
	struct mailindex *ix = three_messages(&md, &in);
	CHECK(mailindex_msg_path(ix, in, 1, &p, &err) == MAILINDEX_OK);
	buf_printf(&q, "%sFS", p.data);
	CHECK(rename(p.data, q.data) == 0);
	CHECK(mailindex_sync(ix, in, true, &err) == MAILINDEX_OK);
	struct mailindex_msgs m;
	CHECK(mailindex_messages(ix, in, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 3 && m.v[0].flags == (MAILINDEX_FLAGGED | MAILINDEX_SEEN));
	mailindex_msgs_free(&m);
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&p); buf_free(&q);
}

TEST(mailindex_add_indexes_a_delivered_file_once)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT, path = BUF_INIT, p2 = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	CHECK(mailindex_create(ix, "Lists", 0, &err) == MAILINDEX_OK);
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%s/.Lists", md);
	put_msg(dir.data, "new", "00000000050000000001.R1.host", "hello\r\n", &path);
	struct mailindex_new opt = { MAILINDEX_SEEN, "$Forwarded work", 1000000000 };
	struct mailindex_added a, b;
	CHECK(mailindex_add(ix, path.data, &opt, &a, &err) == MAILINDEX_OK);
	CHECK(a.uid == 1 && a.uidvalidity > 0 && a.modseq > 0);
	CHECK(mailindex_add(ix, path.data, &opt, &b, &err) == MAILINDEX_OK);
	CHECK(b.uid == 1);
	CHECK(count_files(dir.data, "new") == 0 && count_files(dir.data, "cur") == 1);
	int64_t id = mbox_id(ix, "Lists", NULL);
	CHECK(mailindex_msg_path(ix, id, 1, &p2, &err) == MAILINDEX_OK);
	CHECK(strstr(buf_cstr(&p2), ",U=1:2,S") != NULL);
	struct stat sb;
	CHECK(stat(p2.data, &sb) == 0 && sb.st_mtime == 1000000000);
	struct mailindex_msgs m;
	CHECK(mailindex_messages(ix, id, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 1 && m.v[0].internaldate == 1000000000);
	CHECK(m.n == 1 && !strcmp(m.v[0].keywords, "$Forwarded work"));
	mailindex_msgs_free(&m);
	buf_reset(&err);
	CHECK(mailindex_add(ix, "/etc/passwd", NULL, &a, &err) == MAILINDEX_BADNAME);
	CHECK(err.len > 0);
	struct mailindex_new badkw = { 0, "bad\\kw", 0 };
	CHECK(mailindex_add(ix, path.data, &badkw, &a, &err) == MAILINDEX_BADNAME);
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&path); buf_free(&p2); buf_free(&dir);
}

TEST(mailindex_store_flags_with_modseq_and_unchangedsince)
{
	char *md;
	int64_t in;
	struct buf err = BUF_INIT, p = BUF_INIT;
	struct mailindex *ix = three_messages(&md, &in);
	struct mailindex_mailbox mb;
	mbox_id(ix, "INBOX", &mb);
	uint64_t ms0 = mb.highestmodseq;
	mailindex_mailbox_free(&mb);
	uint32_t uids[] = { 1, 2, 99 };
	struct mailindex_store add = { MAILINDEX_STORE_ADD, MAILINDEX_SEEN,
	    "$Label1", 0 };
	struct mailindex_msgs ch;
	struct mailindex_uids mod;
	CHECK(mailindex_store(ix, in, uids, 3, &add, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	CHECK(ch.n == 2 && mod.n == 0);
	uint64_t ms1 = ch.n ? ch.v[0].modseq : 0;
	CHECK(ms1 > ms0);
	CHECK(ch.n == 2 && ch.v[1].flags == MAILINDEX_SEEN &&
	    !strcmp(ch.v[1].keywords, "$Label1"));
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	CHECK(mailindex_msg_path(ix, in, 1, &p, &err) == MAILINDEX_OK);
	CHECK(strstr(buf_cstr(&p), ",U=1:2,Sa") != NULL);  /* a: $Label1 */
	struct buf kwf = BUF_INIT, kwdata = BUF_INIT;
	buf_printf(&kwf, "%s/dovecot-keywords", md);
	CHECK(file_read_all(kwf.data, 1000, &kwdata, &err));
	CHECK_STR(buf_cstr(&kwdata), "0 $Label1\n");
	buf_free(&kwf);
	buf_free(&kwdata);
	mbox_id(ix, "INBOX", &mb);
	CHECK(mb.unseen == 1 && mb.highestmodseq == ms1);
	mailindex_mailbox_free(&mb);

	/* Already so: nothing changes, no new MODSEQ. */
	CHECK(mailindex_store(ix, in, uids, 2, &add, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	CHECK(ch.n == 0);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	/* CONDSTORE: message 1 changed after ms0, message 3 did not. */
	uint32_t two[] = { 1, 3 };
	struct mailindex_store flag = { MAILINDEX_STORE_ADD, MAILINDEX_FLAGGED,
	    NULL, ms0 };
	CHECK(mailindex_store(ix, in, two, 2, &flag, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	CHECK(mod.n == 1 && mod.v[0] == 1);
	CHECK(ch.n == 1 && ch.v[0].uid == 3 && ch.v[0].modseq > ms1);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	/* Remove a keyword case-insensitively; SET replaces everything. */
	struct mailindex_store rm = { MAILINDEX_STORE_REMOVE, 0, "$label1", 0 };
	CHECK(mailindex_store(ix, in, uids, 1, &rm, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	CHECK(ch.n == 1 && !strcmp(ch.v[0].keywords, "") &&
	    ch.v[0].flags == MAILINDEX_SEEN);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	struct mailindex_store set = { MAILINDEX_STORE_SET, MAILINDEX_DRAFT, "x", 0 };
	CHECK(mailindex_store(ix, in, uids, 1, &set, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	CHECK(ch.n == 1 && ch.v[0].flags == MAILINDEX_DRAFT);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	/* More keywords than letters: all kept in the index, 26 in the name. */
	struct buf many = BUF_INIT;
	for (int i = 0; i < 30; i++)
		buf_printf(&many, "%skw%d", i ? " " : "", i);
	struct mailindex_store lots = { MAILINDEX_STORE_SET, 0, many.data, 0 };
	uint32_t three[] = { 3 };
	CHECK(mailindex_store(ix, in, three, 1, &lots, &ch, &mod, &err) ==
	    MAILINDEX_OK);
	CHECK(ch.n == 1 && !strcmp(ch.v[0].keywords, many.data));
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	buf_reset(&p);
	CHECK(mailindex_msg_path(ix, in, 3, &p, &err) == MAILINDEX_OK);
	/* a and b went to $Label1 and x before: kw0..kw23 get c..z. */
	CHECK(strstr(buf_cstr(&p), ",U=3:2,cdefghijklmnopqrstuvwxyz") != NULL);
	buf_free(&many);
	struct buf all = BUF_INIT;
	CHECK(mailindex_keywords(ix, in, &all, &err) == MAILINDEX_OK);
	size_t words = all.len > 0;
	for (size_t i = 0; i < all.len; i++)
		words += all.data[i] == ' ';
	CHECK(words == 32);     /* $Label1 (has a letter), x, kw0..kw29 */
	CHECK(strstr(buf_cstr(&all), "$Label1") != NULL);
	CHECK(strstr(buf_cstr(&all), "kw29") != NULL);
	buf_free(&all);
	struct mailindex_store bad = { MAILINDEX_STORE_ADD, 0x100, NULL, 0 };
	CHECK(mailindex_store(ix, in, uids, 1, &bad, &ch, &mod, &err) ==
	    MAILINDEX_BADNAME);
	CHECK(mailindex_store(ix, 9999, uids, 1, &add, &ch, &mod, &err) ==
	    MAILINDEX_NOTFOUND);
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&p);
}

TEST(mailindex_expunge_removes_deleted_and_records_them)
{
	char *md;
	int64_t in;
	struct buf err = BUF_INIT;
	struct mailindex *ix = three_messages(&md, &in);
	struct mailindex_mailbox mb;
	mbox_id(ix, "INBOX", &mb);
	uint64_t ms0 = mb.highestmodseq;
	mailindex_mailbox_free(&mb);
	uint32_t del[] = { 1, 3 };
	struct mailindex_store st = { MAILINDEX_STORE_ADD, MAILINDEX_DELETED, NULL, 0 };
	struct mailindex_msgs ch;
	struct mailindex_uids mod, gone;
	CHECK(mailindex_store(ix, in, del, 2, &st, &ch, &mod, &err) == MAILINDEX_OK);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	/* UID EXPUNGE of a set: only its \Deleted members go. */
	uint32_t some[] = { 3, 2, 3 };
	CHECK(mailindex_expunge(ix, in, some, 3, &gone, &err) == MAILINDEX_OK);
	CHECK(gone.n == 1 && gone.v[0] == 3);
	mailindex_uids_free(&gone);
	CHECK(mailindex_expunge(ix, in, NULL, 0, &gone, &err) == MAILINDEX_OK);
	CHECK(gone.n == 1 && gone.v[0] == 1);
	mailindex_uids_free(&gone);
	CHECK(count_files(md, "cur") == 1);
	bool complete = false;
	CHECK(mailindex_expunged_since(ix, in, ms0, &gone, &complete, &err) ==
	    MAILINDEX_OK);
	CHECK(complete && gone.n == 2 && gone.v[0] == 1 && gone.v[1] == 3);
	mailindex_uids_free(&gone);
	/* The UID of the highest expunged message is never given again. */
	put_msg(md, "new", "00000000090000000001.R0.host", "z\r\n", NULL);
	CHECK(mailindex_sync(ix, in, true, &err) == MAILINDEX_OK);
	CHECK(mailindex_messages(ix, in, 0, &ch, &err) == MAILINDEX_OK);
	CHECK(ch.n == 2 && ch.v[1].uid == 4);
	mailindex_msgs_free(&ch);
	mailindex_close(ix);
	free(md);
	buf_free(&err);
}

TEST(mailindex_copy_and_move_give_copyuid)
{
	char *md;
	int64_t in;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct mailindex *ix = three_messages(&md, &in);
	CHECK(mailindex_ensure_defaults(ix, &err) == MAILINDEX_OK);
	struct mailindex_mailbox arch;
	int64_t ar = mbox_id(ix, "Archive", &arch);
	uint32_t set[] = { 3, 1, 3 };
	struct mailindex_store st = { MAILINDEX_STORE_ADD, MAILINDEX_FLAGGED, "k", 0 };
	struct mailindex_msgs ch;
	struct mailindex_uids mod;
	CHECK(mailindex_store(ix, in, set, 1, &st, &ch, &mod, &err) == MAILINDEX_OK);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	CHECK(mailindex_cache_put(ix, in, 3, "cached", 6, NULL, &err) == MAILINDEX_OK);
	struct mailindex_copyuid cu;
	CHECK(mailindex_copy(ix, in, set, 3, ar, false, &cu, &err) == MAILINDEX_OK);
	CHECK(cu.uidvalidity == arch.uidvalidity);
	CHECK(cu.src.n == 2 && cu.dst.n == 2);
	if (cu.src.n == 2 && cu.dst.n == 2)
		CHECK(cu.src.v[0] == 1 && cu.src.v[1] == 3 && cu.dst.v[0] == 1 &&
		    cu.dst.v[1] == 2);
	mailindex_copyuid_free(&cu);
	struct buf adir = BUF_INIT;
	buf_printf(&adir, "%s/.Archive", md);
	CHECK(count_files(adir.data, "cur") == 2 && count_files(md, "cur") == 3);
	CHECK(mailindex_messages(ix, ar, 0, &ch, &err) == MAILINDEX_OK);
	CHECK(ch.n == 2 && ch.v[1].flags == MAILINDEX_FLAGGED &&
	    !strcmp(ch.v[1].keywords, "k"));
	mailindex_msgs_free(&ch);
	CHECK(mailindex_cache_get(ix, ar, 2, NULL, NULL, &out, &err) == 1);
	CHECK_STR(buf_cstr(&out), "cached");

	/* MOVE: gone from the source, expunge recorded there. */
	uint32_t two[] = { 2 };
	CHECK(mailindex_copy(ix, in, two, 1, ar, true, &cu, &err) == MAILINDEX_OK);
	CHECK(cu.dst.n == 1 && cu.dst.v[0] == 3);
	mailindex_copyuid_free(&cu);
	CHECK(count_files(adir.data, "cur") == 3 && count_files(md, "cur") == 2);
	struct mailindex_uids gone;
	bool complete;
	CHECK(mailindex_expunged_since(ix, in, 1, &gone, &complete, &err) ==
	    MAILINDEX_OK);
	CHECK(gone.n == 1 && gone.v[0] == 2);
	mailindex_uids_free(&gone);
	CHECK(mailindex_copy(ix, in, two, 1, in, true, &cu, &err) == MAILINDEX_CANNOT);
	CHECK(mailindex_copy(ix, in, two, 1, 4242, false, &cu, &err) ==
	    MAILINDEX_NOTFOUND);
	mailindex_mailbox_free(&arch);
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&out); buf_free(&adir);
}

TEST(mailindex_rename_inbox_moves_its_messages)
{
	char *md;
	int64_t in;
	struct buf err = BUF_INIT;
	struct mailindex *ix = three_messages(&md, &in);
	CHECK(mailindex_rename(ix, "INBOX", "Old/Inbox", &err) == MAILINDEX_OK);
	struct mailindex_mailbox a, b;
	CHECK(mbox_id(ix, "INBOX", &a) == in && a.messages == 0);
	CHECK(mbox_id(ix, "Old/Inbox", &b) > 0 && b.messages == 3);
	mailindex_mailbox_free(&a);
	mailindex_mailbox_free(&b);
	CHECK(count_files(md, "cur") == 0);
	mailindex_close(ix);
	free(md);
	buf_free(&err);
}

TEST(mailindex_two_handles_see_each_others_changes)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT, path = BUF_INIT;
	struct mailindex *a = mailindex_open(md, 0, &err);
	struct mailindex *b = mailindex_open(md, MAILINDEX_OPEN_CHECK, &err);
	CHECK(a != NULL && b != NULL);
	mailindex_changed(a);          /* b's open may have written */
	CHECK(mailindex_changed(a) == 0);
	put_msg(md, "new", "00000000070000000001.R0.host", "hi\r\n", &path);
	struct mailindex_added ad;
	CHECK(mailindex_add(b, path.data, NULL, &ad, &err) == MAILINDEX_OK);
	CHECK(mailindex_changed(a) == 1);
	CHECK(mailindex_changed(a) == 0);
	CHECK(mailindex_changed(b) == 0);        /* its own change */
	int64_t in = mbox_id(a, "INBOX", NULL);
	struct mailindex_msgs m;
	CHECK(mailindex_messages(a, in, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 1 && m.v[0].uid == ad.uid);
	mailindex_msgs_free(&m);
	/* Both write in turn; neither loses the other's change. */
	uint32_t one[] = { ad.uid };
	struct mailindex_store s1 = { MAILINDEX_STORE_ADD, MAILINDEX_SEEN, NULL, 0 };
	struct mailindex_store s2 = { MAILINDEX_STORE_ADD, MAILINDEX_FLAGGED, NULL, 0 };
	struct mailindex_msgs ch;
	struct mailindex_uids mod;
	CHECK(mailindex_store(a, in, one, 1, &s1, &ch, &mod, &err) == MAILINDEX_OK);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	CHECK(mailindex_store(b, in, one, 1, &s2, &ch, &mod, &err) == MAILINDEX_OK);
	CHECK(ch.n == 1 && ch.v[0].flags == (MAILINDEX_SEEN | MAILINDEX_FLAGGED));
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	CHECK(mailindex_create(a, "Shared", 0, &err) == MAILINDEX_OK);
	CHECK(mbox_id(b, "Shared", NULL) > 0);
	mailindex_close(a);
	mailindex_close(b);
	free(md);
	buf_free(&err); buf_free(&path);
}

/* One process's share of concurrent deliveries: n files, each indexed,
 * with a sync of the folder in between (as an IMAP session would). */
static bool deliver_many(const char *md, int who, int n)
{
	struct buf err = BUF_INIT, path = BUF_INIT, base = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	bool ok = ix != NULL;
	int64_t in = ok ? mbox_id(ix, "INBOX", NULL) : -1;
	for (int i = 0; ok && i < n; i++) {
		buf_reset(&base);
		buf_printf(&base, "%010d%010d.R%d.host", i, who, who);
		put_msg(md, "new", base.data, "concurrent\r\n", &path);
		struct mailindex_added a;
		ok = mailindex_add(ix, path.data, NULL, &a, &err) == MAILINDEX_OK &&
		    a.uid > 0;
		if (ok && i % 8 == 0)
			ok = mailindex_sync(ix, in, true, &err) == MAILINDEX_OK;
	}
	if (!ok)
		fprintf(stderr, "    process %d: %s\n", who, buf_cstr(&err));
	mailindex_close(ix);
	buf_free(&err); buf_free(&path); buf_free(&base);
	return ok;
}

TEST(mailindex_concurrent_processes_never_share_a_uid)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT;
	mailindex_close(mailindex_open(md, 0, &err));
	pid_t kids[3];
	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		if (kids[k] == 0)
			_exit(deliver_many(md, k + 1, 40) ? 0 : 1);
	}
	for (int k = 0; k < 3; k++) {
		int status = -1;
		CHECK(waitpid(kids[k], &status, 0) == kids[k]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	struct mailindex *ix = mailindex_open(md, MAILINDEX_OPEN_CHECK, &err);
	int64_t in = mbox_id(ix, "INBOX", NULL);
	struct mailindex_msgs m;
	CHECK(mailindex_messages(ix, in, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 120);
	for (size_t i = 0; i < m.n; i++)
		CHECK(m.v[i].uid == i + 1);
	mailindex_msgs_free(&m);
	CHECK(count_files(md, "cur") == 120 && count_files(md, "new") == 0);
	mailindex_close(ix);
	free(md);
	buf_free(&err);
}

/* A mailbox with history: flags, keywords lost (documented), an expunged
 * top UID, a custom folder with special use, subscriptions. */
struct before {
	uint32_t inbox_uv, lists_uv, inbox_next;
	uint64_t modseq;
};

static void populate(const char *md, struct before *bf)
{
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	put_msg(md, "new", "00000000010000000001.R0.host", "a\r\n", NULL);
	put_msg(md, "new", "00000000020000000001.R0.host", "b\r\n", NULL);
	put_msg(md, "new", "00000000030000000001.R0.host", "c\r\n", NULL);
	struct mailindex_mailbox in, li;
	mbox_id(ix, "INBOX", &in);
	CHECK(mailindex_sync(ix, in.id, true, &err) == MAILINDEX_OK);
	uint32_t u[] = { 1, 3 };
	struct mailindex_store st = { MAILINDEX_STORE_ADD, MAILINDEX_SEEN,
	    "$Forwarded Work", 0 };
	struct mailindex_msgs ch;
	struct mailindex_uids mod;
	CHECK(mailindex_store(ix, in.id, u, 1, &st, &ch, &mod, &err) == MAILINDEX_OK);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	st.flags = MAILINDEX_DELETED;
	st.keywords = NULL;
	CHECK(mailindex_store(ix, in.id, u + 1, 1, &st, &ch, &mod, &err) == MAILINDEX_OK);
	mailindex_msgs_free(&ch);
	mailindex_uids_free(&mod);
	struct mailindex_uids gone;
	CHECK(mailindex_expunge(ix, in.id, NULL, 0, &gone, &err) == MAILINDEX_OK);
	mailindex_uids_free(&gone);
	CHECK(mailindex_create(ix, "Lists/Debian", MAILINDEX_USE_ARCHIVE, &err) ==
	    MAILINDEX_OK);
	CHECK(mailindex_subscribe(ix, "Lists/Debian", true, &err) == MAILINDEX_OK);
	mailindex_mailbox_free(&in);
	mbox_id(ix, "INBOX", &in);
	mbox_id(ix, "Lists/Debian", &li);
	bf->inbox_uv = in.uidvalidity;
	bf->inbox_next = in.uidnext;
	bf->modseq = in.highestmodseq;
	bf->lists_uv = li.uidvalidity;
	mailindex_mailbox_free(&in);
	mailindex_mailbox_free(&li);
	mailindex_close(ix);
	buf_free(&err);
}

static void check_rebuilt(const char *md, const struct before *bf)
{
	struct buf err = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, MAILINDEX_OPEN_CHECK, &err);
	CHECK(ix != NULL);
	if (ix == NULL) {
		fprintf(stderr, "    %s\n", buf_cstr(&err));
		buf_free(&err);
		return;
	}
	struct mailindex_mailbox in, li;
	CHECK(mbox_id(ix, "INBOX", &in) > 0);
	CHECK(in.uidvalidity == bf->inbox_uv);
	CHECK(in.uidnext == bf->inbox_next);       /* UID 3 is not given again */
	CHECK(in.highestmodseq > bf->modseq);
	CHECK(mbox_id(ix, "Lists/Debian", &li) > 0);
	CHECK(li.uidvalidity == bf->lists_uv && li.special == MAILINDEX_USE_ARCHIVE);
	struct mailindex_msgs m;
	CHECK(mailindex_messages(ix, in.id, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == 2);
	if (m.n == 2) {
		CHECK(m.v[0].uid == 1 && m.v[0].flags == MAILINDEX_SEEN &&
		    m.v[1].uid == 2 && m.v[1].flags == 0);
		/* Keywords come back through the letters of the file name. */
		CHECK_STR(m.v[0].keywords, "$Forwarded Work");
		CHECK_STR(m.v[1].keywords, "");
	}
	mailindex_msgs_free(&m);
	struct mailindex_uids gone;
	bool complete = true;
	CHECK(mailindex_expunged_since(ix, in.id, bf->modseq, &gone, &complete,
	    &err) == MAILINDEX_OK);
	CHECK(!complete);                          /* history lost: say so */
	mailindex_uids_free(&gone);
	char **subs;
	size_t n;
	CHECK(mailindex_subscriptions(ix, &subs, &n, &err) == MAILINDEX_OK);
	CHECK(n == 1 && !strcmp(subs[0], "Lists/Debian"));
	mailindex_names_free(subs, n);
	mailindex_mailbox_free(&in);
	mailindex_mailbox_free(&li);
	mailindex_close(ix);
	buf_free(&err);
}

TEST(mailindex_rebuilds_a_deleted_index_with_same_uidvalidity)
{
	char *md = maildir_path();
	struct before bf;
	populate(md, &bf);
	struct buf p = BUF_INIT;
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		index_file(md, sfx[i], &p);
		unlink(p.data);
	}
	check_rebuilt(md, &bf);
	free(md);
	buf_free(&p);
}

TEST(mailindex_rebuilds_a_corrupt_index)
{
	char *md = maildir_path();
	struct before bf;
	populate(md, &bf);
	struct buf p = BUF_INIT, err = BUF_INIT;
	static const char *const sfx[] = { "-wal", "-shm" };
	for (int i = 0; i < 2; i++) {
		index_file(md, sfx[i], &p);
		unlink(p.data);
	}
	index_file(md, "", &p);
	CHECK(file_write_atomic(p.data, "this is not a database, not at all. "
	    "0123456789012345678901234567890123456789", 76, 0600, &err));
	check_rebuilt(md, &bf);
	/* The damaged file is kept aside for a look. */
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%.*s", (int)(strrchr(md, '/') - md), md);
	DIR *d = opendir(dir.data);
	struct dirent *e;
	bool aside = false;
	while (d != NULL && (e = readdir(d)) != NULL)
		aside |= strncmp(e->d_name, "index.sqlite.broken-", 20) == 0;
	if (d)
		closedir(d);
	CHECK(aside);
	/* And an explicit rebuild of a healthy index keeps it all too. */
	CHECK(mailindex_rebuild(md, &err) == MAILINDEX_OK);
	check_rebuilt(md, &bf);
	free(md);
	buf_free(&p); buf_free(&err); buf_free(&dir);
}

TEST(mailindex_external_folders_become_mailboxes)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT, dir = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	buf_printf(&dir, "%s/.From\\2eOutside", md);
	CHECK(mkdir(dir.data, 0700) == 0);
	static const char *const subs[] = { "cur", "new", "tmp" };
	for (int i = 0; i < 3; i++) {
		struct buf sub = BUF_INIT;
		buf_printf(&sub, "%s/%s", dir.data, subs[i]);
		CHECK(mkdir(sub.data, 0700) == 0);
		buf_free(&sub);
	}
	put_msg(dir.data, "new", "00000000010000000009.R0.host", "x\r\n", NULL);
	CHECK(mailindex_sync_mailboxes(ix, &err) == MAILINDEX_OK);
	struct mailindex_mailbox mb;
	CHECK(mbox_id(ix, "From.Outside", &mb) > 0 && mb.messages == 1);
	mailindex_mailbox_free(&mb);
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&dir);
}

/* Whatever a Maildir holds, sync indexes its regular files once, and a
 * rebuild gives them the same UIDs. */
TEST(mailindex_sync_survives_odd_file_names)
{
	char *md = maildir_path();
	struct buf err = BUF_INIT, p = BUF_INIT, longname = BUF_INIT;
	struct mailindex *ix = mailindex_open(md, 0, &err);
	static const char *const files[] = {
		"new/plain", "cur/x,U=0:2,S", "cur/y,U=99999999999:2,FS",
		"cur/z:2,ZZZ", "new/w,U=5", "new/dup,S=1", "cur/dup,S=1:2,S",
		"cur/v,U=7:1,experimental", "new/u,U=", "new/t:2,",
	};
	size_t nf = sizeof files / sizeof files[0];
	for (size_t i = 0; i < nf; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", md, files[i]);
		CHECK(file_write_atomic(p.data, "x", 1, 0600, &err));
	}
	buf_printf(&longname, "%s/new/", md);
	for (int i = 0; i < 240; i++)
		buf_addch(&longname, 'l');
	CHECK(file_write_atomic(longname.data, "x", 1, 0600, &err));
	buf_reset(&p);
	buf_printf(&p, "%s/cur/adir", md);
	CHECK(mkdir(p.data, 0700) == 0);
	buf_reset(&p);
	buf_printf(&p, "%s/cur/alink", md);
	CHECK(symlink("/etc/passwd", p.data) == 0);
	int64_t in = mbox_id(ix, "INBOX", NULL);
	CHECK(mailindex_sync(ix, in, true, &err) == MAILINDEX_OK);
	struct mailindex_msgs m, again;
	CHECK(mailindex_messages(ix, in, 0, &m, &err) == MAILINDEX_OK);
	CHECK(m.n == nf + 1);
	CHECK(count_files(md, "new") == 0 && count_files(md, "cur") == nf + 3);
	struct mailindex_mailbox mb;
	mbox_id(ix, "INBOX", &mb);
	uint64_t ms = mb.highestmodseq;
	mailindex_mailbox_free(&mb);
	CHECK(mailindex_sync(ix, in, true, &err) == MAILINDEX_OK);
	mbox_id(ix, "INBOX", &mb);
	CHECK(mb.highestmodseq == ms);             /* nothing to do twice */
	mailindex_mailbox_free(&mb);
	mailindex_close(ix);
	CHECK(mailindex_rebuild(md, &err) == MAILINDEX_OK);
	ix = mailindex_open(md, 0, &err);
	CHECK(mailindex_messages(ix, in, 0, &again, &err) == MAILINDEX_OK);
	CHECK(again.n == m.n);
	for (size_t i = 0; i < m.n && i < again.n; i++) {
		CHECK(again.v[i].uid == m.v[i].uid);
		CHECK_STR(again.v[i].base, m.v[i].base);
		CHECK(again.v[i].flags == m.v[i].flags);
	}
	mailindex_msgs_free(&m);
	mailindex_msgs_free(&again);
	mailindex_close(ix);
	free(md);
	buf_free(&err); buf_free(&p); buf_free(&longname);
}

/* Does the file at path contain needle? */
static bool file_has(const char *path, const char *needle)
{
	struct buf data = BUF_INIT, err = BUF_INIT;
	bool found = false;
	if (file_read_all(path, 64u << 20, &data, &err))
		found = memmem(data.data, data.len, needle, strlen(needle)) != NULL;
	buf_free(&data);
	buf_free(&err);
	return found;
}

TEST(mailindex_cache_is_sealed_to_the_users_key)
{
	char *md;
	int64_t in;
	struct buf err = BUF_INIT, out = BUF_INIT, p = BUF_INIT;
	unsigned char pk[TREES_PK_LEN], sk[TREES_SK_LEN], pk2[TREES_PK_LEN],
	    sk2[TREES_SK_LEN];
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	struct mailindex *ix = three_messages(&md, &in);
	static const char marker[] = "Subject: MARKER-7c1f-top-secret-plans";
	CHECK(mailindex_cache_put(ix, in, 1, marker, strlen(marker), pk, &err) ==
	    MAILINDEX_OK);
	CHECK(mailindex_cache_get(ix, in, 1, pk, sk, &out, &err) == 2);
	CHECK_MEM(out.data, out.len, marker, strlen(marker));
	buf_reset(&out);
	CHECK(mailindex_cache_get(ix, in, 1, NULL, sk, &out, &err) == 2);
	buf_reset(&out);
	CHECK(mailindex_cache_get(ix, in, 1, NULL, NULL, &out, &err) == 0);
	CHECK(mailindex_cache_get(ix, in, 1, pk2, sk2, &out, &err) == 0);
	CHECK(mailindex_cache_get(ix, in, 2, pk, sk, &out, &err) == 0);
	CHECK(out.len == 0);
	CHECK(mailindex_cache_put(ix, in, 77, "x", 1, pk, &err) == MAILINDEX_NOTFOUND);
	/* A session with the secret key: the fast keyed form. */
	CHECK(mailindex_cache_unlock(ix, pk, sk, &err) == MAILINDEX_OK);
	struct mailindex_cache_item items[] = {
		{ 1, marker, strlen(marker) }, { 3, "", 0 }, { 99, "gone", 4 },
	};
	CHECK(mailindex_cache_put_many(ix, in, items, 3, pk, &err) == MAILINDEX_OK);
	buf_reset(&out);
	CHECK(mailindex_cache_get(ix, in, 1, pk, sk, &out, &err) == 1);
	CHECK_MEM(out.data, out.len, marker, strlen(marker));
	CHECK(mailindex_cache_get(ix, in, 3, pk, sk, &out, &err) == 1);
	CHECK(mailindex_cache_get(ix, in, 1, pk2, sk2, &out, &err) == 0);
	CHECK(mailindex_cache_unlock(ix, pk, sk2, &err) == MAILINDEX_BADNAME);
	mailindex_close(ix);
	/* Another handle opens the same cache key from the index. */
	ix = mailindex_open(md, 0, &err);
	buf_reset(&out);
	CHECK(mailindex_cache_get(ix, in, 1, NULL, sk, &out, &err) == 1);
	CHECK_MEM(out.data, out.len, marker, strlen(marker));
	mailindex_close(ix);
	static const char *const sfx[] = { "", "-wal" };
	for (int i = 0; i < 2; i++) {
		index_file(md, sfx[i], &p);
		CHECK(!file_has(p.data, "MARKER-7c1f"));
	}
	/* A key planted by someone without sk (pk is public) is not used:
	 * it is replaced, and what was under the old key is a miss. */
	sqlite3 *db = NULL;
	index_file(md, "", &p);
	CHECK(sqlite3_open(p.data, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "UPDATE cache_keys SET tag = zeroblob(32)", NULL,
	    NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	ix = mailindex_open(md, 0, &err);
	CHECK(mailindex_cache_get(ix, in, 1, pk, sk, &out, &err) == 0);
	CHECK(mailindex_cache_unlock(ix, pk, sk, &err) == MAILINDEX_OK);
	CHECK(mailindex_cache_put(ix, in, 1, "new", 3, pk, &err) == MAILINDEX_OK);
	buf_reset(&out);
	CHECK(mailindex_cache_get(ix, in, 1, pk, sk, &out, &err) == 1);
	CHECK_STR(buf_cstr(&out), "new");
	mailindex_close(ix);
	/* The same check sees a plain blob, so it is a real check. */
	ix = mailindex_open(md, 0, &err);
	CHECK(mailindex_cache_put(ix, in, 2, marker, strlen(marker), NULL, &err) ==
	    MAILINDEX_OK);
	CHECK(mailindex_cache_get(ix, in, 2, pk, sk, &out, &err) == 0);
	mailindex_close(ix);
	bool seen = false;
	for (int i = 0; i < 2; i++) {
		index_file(md, sfx[i], &p);
		seen |= file_has(p.data, "MARKER-7c1f");
	}
	CHECK(seen);
	free(md);
	buf_free(&err); buf_free(&out); buf_free(&p);
}

/* The O(size) check at login runs only after a session marked the index
 * damaged; a healthy index then loses the mark and keeps its data. */
TEST(mailindex_checks_only_when_marked_damaged)
{
	char *md = maildir_path();
	struct before bf;
	populate(md, &bf);
	struct buf err = BUF_INIT, mark = BUF_INIT;
	index_file(md, ".damaged", &mark);
	struct mailindex *ix = mailindex_open(md, MAILINDEX_OPEN_CHECK, &err);
	CHECK(ix != NULL);
	CHECK(!file_exists(mark.data));
	mailindex_mark_damaged(ix);
	CHECK(file_exists(mark.data));
	mailindex_close(ix);
	ix = mailindex_open(md, 0, &err);           /* delivery: no check */
	CHECK(ix != NULL);
	mailindex_close(ix);
	CHECK(file_exists(mark.data));
	ix = mailindex_open(md, MAILINDEX_OPEN_CHECK, &err);  /* a login */
	CHECK(ix != NULL);
	CHECK(!file_exists(mark.data));             /* checked: healthy */
	struct mailindex_mailbox in;
	CHECK(mbox_id(ix, "INBOX", &in) > 0);
	CHECK(in.uidvalidity == bf.inbox_uv && in.highestmodseq == bf.modseq);
	mailindex_mailbox_free(&in);
	mailindex_close(ix);
	free(md);
	buf_free(&err);
	buf_free(&mark);
}
