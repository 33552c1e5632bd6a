#include "t.h"

#include <stdlib.h>

#include "common/buf.h"
#include "common/str.h"

TEST(buf_grows_and_stays_terminated)
{
	struct buf b = BUF_INIT;
	CHECK_STR(buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_addch(&b, 'x');
	CHECK(b.len == 1000);
	CHECK(b.data[1000] == '\0');
	buf_printf(&b, "%d-%s", 42, "end");
	CHECK(b.len == 1006);
	CHECK_STR(b.data + 1000, "42-end");
	buf_consume(&b, 1000);
	CHECK_STR(buf_cstr(&b), "42-end");
	buf_consume(&b, 99);
	CHECK(b.len == 0);
	buf_free(&b);
	CHECK(b.data == NULL);
}

TEST(buf_binary_data)
{
	struct buf b = BUF_INIT;
	buf_add(&b, "a\0b", 3);
	CHECK_MEM(b.data, b.len, "a\0b", 3);
	char *p = buf_detach(&b);
	CHECK(b.len == 0 && b.data == NULL);
	CHECK(p[0] == 'a' && p[1] == '\0' && p[2] == 'b');
	free(p);
}

TEST(str_copy_truncates_safely)
{
	char small[4];
	CHECK(!str_copy(small, sizeof small, "hello"));
	CHECK_STR(small, "hel");
	CHECK(str_copy(small, sizeof small, "abc"));
	CHECK_STR(small, "abc");
}

TEST(str_trim_and_lower)
{
	char s[] = " \t Hello World\r\n";
	CHECK_STR(str_trim(s), "Hello World");
	str_lower_ascii(s);
	CHECK_STR(s, "hello world");
	char e[] = "   ";
	CHECK_STR(str_trim(e), "");
}

TEST(str_sizes)
{
	unsigned long long v;
	CHECK(str_parse_size("15G", &v) && v == 15ULL << 30);
	CHECK(str_parse_size("512k", &v) && v == 512ULL << 10);
	CHECK(str_parse_size("2TB", &v) && v == 2ULL << 40);
	CHECK(str_parse_size("100", &v) && v == 100);
	CHECK(!str_parse_size("", &v));
	CHECK(!str_parse_size("-1", &v));
	CHECK(!str_parse_size("12X", &v));
	CHECK(!str_parse_size("1GG", &v));
	CHECK(!str_parse_size("G", &v));
	CHECK(!str_parse_size("99999999999999999999999", &v));
	CHECK(!str_parse_size("16777216T", &v));
	char out[32];
	str_format_size(15ULL << 30, out, sizeof out);
	CHECK_STR(out, "15G");
	str_format_size(1536, out, sizeof out);
	CHECK_STR(out, "1536");
	str_format_size(0, out, sizeof out);
	CHECK_STR(out, "0");
}
