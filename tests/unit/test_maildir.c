#include "t.h"

#include <stdio.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "store/maildir.h"

TEST(maildir_paths_escape_unsafe_bytes)
{
	struct buf p = BUF_INIT;
	maildir_user_path("/m", "a/b%c@example.test", &p);
	CHECK_STR(p.data, "/m/example.test/a%2Fb%25c/Maildir");
	buf_reset(&p);
	maildir_user_path("/m", ".x@d.test", &p);
	CHECK_STR(p.data, "/m/d.test/%2Ex/Maildir");
	buf_reset(&p);
	CHECK(maildir_folder_path("/md", "Work/Projects", &p));
	CHECK_STR(p.data, "/md/.Work.Projects");
	buf_reset(&p);
	CHECK(maildir_folder_path("/md", "inbox", &p));
	CHECK_STR(p.data, "/md");
	buf_reset(&p);
	CHECK(maildir_folder_path("/md", "a.b", &p));     /* '.' is escaped */
	CHECK_STR(p.data, "/md/.a\\2eb");
	CHECK(!maildir_folder_path("/md", "../x", &p));
	CHECK(!maildir_folder_path("/md", "/abs", &p));
	CHECK(!maildir_folder_path("/md", "a//b", &p));
	CHECK(!maildir_folder_path("/md", "a\nb", &p));
	buf_free(&p);
}

TEST(maildir_delivery_is_atomic_and_findable)
{
	struct buf md = BUF_INIT, err = BUF_INIT, base = BUF_INIT, got = BUF_INIT;
	buf_printf(&md, "%s/x/Maildir", t_tmpdir());
	CHECK(maildir_create(md.data, &err));
	maildir_base_name("0123456789abcdef", 2, "mail:host/x", 1234, &base);
	CHECK_STR(base.data, "0123456789abcdef.R2.mail\\072host\\057x,S=1234");
	CHECK(!maildir_has(md.data, base.data, true));
	struct maildir_delivery d;
	CHECK(maildir_deliver_begin(md.data, base.data, &d, &err));
	CHECK(write(d.fd, "hello", 5) == 5);
	CHECK(!maildir_has(md.data, base.data, true));   /* still in tmp/ */
	CHECK(maildir_deliver_commit(&d, &err));
	CHECK(maildir_has(md.data, base.data, true));
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/new/%s", md.data, base.data);
	CHECK(file_read_all(p.data, 100, &got, &err));
	CHECK_STR(got.data, "hello");
	/* Seen by a client: moved to cur/ with flags, still found. */
	struct buf c = BUF_INIT;
	buf_printf(&c, "%s/cur/%s:2,S", md.data, base.data);
	CHECK(rename(p.data, c.data) == 0);
	CHECK(maildir_has(md.data, base.data, true));
	CHECK(!maildir_has(md.data, base.data, false));  /* only new/ looked at */
	CHECK(maildir_usage(md.data) == 1234);
	CHECK(maildir_deliver_begin(md.data, "other,S=10", &d, &err));
	maildir_deliver_abort(&d);
	CHECK(maildir_usage(md.data) == 1234);
	buf_free(&p); buf_free(&c); buf_free(&md); buf_free(&err);
	buf_free(&base); buf_free(&got);
}

TEST(maildir_folders_count_in_usage)
{
	struct buf md = BUF_INIT, err = BUF_INIT, f = BUF_INIT;
	buf_printf(&md, "%s/Maildir", t_tmpdir());
	CHECK(maildir_create(md.data, &err));
	CHECK(!maildir_folder_exists(md.data, "Lists"));
	CHECK(maildir_folder_path(md.data, "Lists", &f));
	CHECK(maildir_create(f.data, &err));
	CHECK(maildir_folder_exists(md.data, "Lists"));
	struct maildir_delivery d;
	CHECK(maildir_deliver_begin(f.data, "q.R0.h,S=500", &d, &err));
	CHECK(maildir_deliver_commit(&d, &err));
	CHECK(maildir_deliver_begin(md.data, "q.R1.h,S=20", &d, &err));
	CHECK(maildir_deliver_commit(&d, &err));
	CHECK(maildir_usage(md.data) == 520);
	buf_free(&md); buf_free(&err); buf_free(&f);
}

TEST(maildir_folder_find_ignores_ascii_case)
{
	struct buf md = BUF_INIT, err = BUF_INIT, f = BUF_INIT, out = BUF_INIT;
	buf_printf(&md, "%s/Maildir", t_tmpdir());
	CHECK(maildir_create(md.data, &err));
	CHECK(!maildir_folder_find(md.data, "lists", &out) && out.len == 0);
	CHECK(maildir_folder_path(md.data, "Lists/Work", &f));
	CHECK(maildir_create(f.data, &err));
	CHECK(maildir_folder_find(md.data, "lists/work", &out));
	CHECK_STR(out.data, f.data);
	CHECK(maildir_folder_find(md.data, "Lists/Work", &out));
	CHECK_STR(out.data, f.data);
	CHECK(!maildir_folder_find(md.data, "lists", &out));
	CHECK(!maildir_folder_find(md.data, "../Maildir", &out));
	buf_free(&md); buf_free(&err); buf_free(&f); buf_free(&out);
}
