#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/config.h"
#include "common/fileutil.h"

static struct config *parse(const char *text, struct buf *err)
{
	buf_reset(err);
	return config_parse("test.conf", text, strlen(text), err);
}

TEST(config_defaults_and_values)
{
	struct buf err = BUF_INIT;
	struct config *c = parse("# c\n\nhostname = mail.a.test\n"
	    "max_message_size=10M\n  mask_src = yes  \n", &err);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_STR(config_str(c, "hostname"), "mail.a.test");
	CHECK(config_size(c, "max_message_size") == 10ULL << 20);
	CHECK(config_size(c, "default_quota") == 15ULL << 30);
	CHECK(config_bool(c, "mask_src"));
	CHECK(config_int(c, "max_recipients") == 100);
	struct buf p = BUF_INIT;
	config_state_path(c, "mailbox.sqlite", &p);
	CHECK_STR(p.data, "/var/lib/archmailbox/mailbox.sqlite");
	buf_free(&p);
	config_free(c);
	buf_free(&err);
}

TEST(config_errors_name_file_and_line)
{
	struct buf err = BUF_INIT;
	CHECK(parse("hostname = a.test\nbogus = 1\n", &err) == NULL);
	CHECK_STR(err.data, "test.conf:2: unknown setting 'bogus'");
	CHECK(parse("\n\njust words\n", &err) == NULL);
	CHECK_STR(err.data, "test.conf:3: expected 'key = value'");
	CHECK(parse("max_recipients = 0\n", &err) == NULL);
	CHECK(strstr(err.data, "test.conf:1: max_recipients: invalid value '0'") != NULL);
	CHECK(parse("max_recipients = 5\nmax_recipients = 6\n", &err) == NULL);
	CHECK(strstr(err.data, "already set on line 1") != NULL);
	CHECK(parse("hostname = a\x01.test\n", &err) == NULL);
	CHECK(parse("= x\n", &err) == NULL);
	CHECK(config_parse("n", "a\0b", 3, &err) == NULL);
	CHECK(strstr(err.data, "NUL") != NULL);
	buf_free(&err);
}

TEST(config_validators)
{
	struct buf err = BUF_INIT;
	static const char *good[][2] = {
		{ "smtp_listen", "127.0.0.1:25 [::1]:2525" }, { "smtp_listen", "" },
		{ "resolver", "127.0.0.1:5353" }, { "resolver", "[::1]:53" },
		{ "relay_host", "smtp.example.net:587" }, { "compression", "zstd" },
		{ "hostname", "mx-1.example.org" }, { "run_user", "mail" },
		{ "default_quota", "1T" }, { "state_dir", "/srv/mail" },
	};
	static const char *bad[][2] = {
		{ "smtp_listen", "127.0.0.1" }, { "smtp_listen", "::1:25" },
		{ "smtp_listen", "127.0.0.1:99999" }, { "smtp_listen", "host.test:25" },
		{ "resolver", "dns.example:53" }, { "compression", "lz4" },
		{ "hostname", "nodot" }, { "hostname", "-a.test" },
		{ "hostname", "a..test" }, { "run_user", "-x" },
		{ "default_quota", "lots" }, { "state_dir", "relative" },
		{ "mask_src", "maybe" }, { "outbound_port", "0" },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK(config_validate(good[i][0], good[i][1], &err));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&err);
		CHECK(!config_validate(bad[i][0], bad[i][1], &err));
		CHECK(strstr(buf_cstr(&err), bad[i][0]) != NULL);
	}
	buf_free(&err);
}

TEST(config_set_keeps_comments)
{
	struct buf path = BUF_INIT, err = BUF_INIT, out = BUF_INIT;
	buf_printf(&path, "%s/m.conf", t_tmpdir());
	const char *orig = "# top\nhostname = a.test\n\n# keep me\n"
	    "max_message_size = 1M\n";
	CHECK(file_write_atomic(path.data, orig, strlen(orig), 0640, &err));
	CHECK(config_set(path.data, "max_message_size", "2M", &err));
	CHECK(config_set(path.data, "compression", "none", &err));
	CHECK(!config_set(path.data, "compression", "bogus", &err));
	CHECK(!config_set(path.data, "nosuch", "1", &err));
	CHECK(file_read_all(path.data, 1 << 16, &out, &err));
	CHECK_STR(buf_cstr(&out), "# top\nhostname = a.test\n\n"
	    "# keep me\nmax_message_size = 2M\ncompression = none\n");
	buf_free(&path);
	buf_free(&err);
	buf_free(&out);
}
