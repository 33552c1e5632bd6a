/* ManageSieve: the command parser with hostile input, and a session
 * editing scripts in a scratch directory. */
#include <stdlib.h>
#include <string.h>

#include "imap/managesieve.h"
#include "t.h"

/* Parses input fed in one piece; the commands and errors as text. */
static char *parse_all(const char *in, size_t len, bool sasl)
{
	struct msv_parser p;
	struct buf out = BUF_INIT;
	struct msv_cmd c;
	enum msv_rc rc;
	msv_parser_init(&p, 100);
	p.sasl = sasl;
	msv_feed(&p, in, len);
	while ((rc = msv_next(&p, &c)) != MSV_MORE) {
		if (rc == MSV_CMD) {
			buf_printf(&out, "%s", c.name);
			for (size_t i = 0; i < c.nargs; i++)
				buf_printf(&out, "[%s]", c.arg[i].s);
			buf_addch(&out, ';');
			msv_cmd_free(&c);
		} else {
			buf_printf(&out, "%s:%s;", rc == MSV_BAD ? "bad" : "fatal", c.bad);
			if (rc == MSV_FATAL)
				break;
		}
	}
	msv_parser_free(&p);
	return buf_detach(&out);
}

#define PARSES(in, want) do { \
	char *got_ = parse_all(in, strlen(in), false); \
	CHECK_STR(got_, want); \
	free(got_); \
} while (0)

TEST(managesieve_parser)
{
	PARSES("capability\r\n", "CAPABILITY;");
	PARSES("PUTSCRIPT \"a b\" {5+}\r\nkeep;\r\n", "PUTSCRIPT[a b][keep;];");
	PARSES("PutScript \"x\" {5}\r\nkeep;\r\nNOOP tag\r\n",
	    "PUTSCRIPT[x][keep;];NOOP[tag];");
	PARSES("GETSCRIPT \"q\\\"\\\\\"\r\n", "GETSCRIPT[q\"\\];");
	PARSES("GETSCRIPT \"unterminated\r\nNOOP\r\n", "bad:bad character in "
	    "quoted string;NOOP;");
	PARSES("\r\nNOOP\r\n", "bad:expected a command;NOOP;");
	PARSES("NOOP  x\r\n", "bad:expected a string;");
	PARSES("NOOP \"\\q\"\r\n", "bad:bad escape in quoted string;");
	PARSES("NOOP {x}\r\nab\r\n", "bad:malformed literal;AB;");
	PARSES("NOOP {999}\r\n", "fatal:literal too long;");
	PARSES("NOOP {99999999999999999999999}\r\n", "fatal:literal too long;");
	PARSES("A \"1\" \"2\" \"3\" \"4\" \"5\"\r\n", "bad:too many arguments;");
	PARSES("NOOP\n", "bad:expected CRLF;");
	PARSES("NOOP \"a\"x\r\n", "bad:expected a space;");
	PARSES("NOOP {3+}\r\na", "");
	char *got = parse_all("\"cGxhaW4=\"\r\n", 12, true);
	CHECK_STR(got, "[cGxhaW4=];");
	free(got);
	char nul[] = "PUTSCRIPT \"n\" {3+}\r\na\0b\r\n";
	got = parse_all(nul, sizeof nul - 1, false);
	CHECK_STR(got, "PUTSCRIPT[n][a];");
	free(got);
	struct buf big = BUF_INIT;
	buf_addstr(&big, "NOOP ");
	for (int i = 0; i < 9000; i++)
		buf_addch(&big, 'a');
	got = parse_all(big.data, big.len, false);
	CHECK_STR(got, "bad:expected a space;");     /* atoms stop at 1024 */
	free(got);
	buf_set(&big, "NOOP \"");
	for (int i = 0; i < 2000; i++)
		buf_addch(&big, 'a');
	buf_addstr(&big, "\"\r\n");
	got = parse_all(big.data, big.len, false);
	CHECK_STR(got, "bad:quoted string too long;");
	free(got);
	buf_free(&big);
}

/* Feeds a session byte by byte (the parser must cope) and returns what
 * it answered. */
static char *talk(struct msv_session *s, const char *in)
{
	for (const char *p = in; *p; p++)
		msv_session_feed(s, p, 1);
	size_t n;
	const char *out = msv_session_output(s, &n);
	char *copy = strndup(out, n);
	msv_session_consume(s, n);
	return copy;
}

#define SAYS(s, in, want) do { \
	char *got_ = talk(s, in); \
	CHECK_STR(got_, want); \
	free(got_); \
} while (0)

TEST(managesieve_session)
{
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%s/sieve", t_tmpdir());
	struct msv_session *s = msv_session_new(dir.data);
	SAYS(s, "LISTSCRIPTS\r\n", "OK \"Listscripts completed\"\r\n");
	SAYS(s, "PUTSCRIPT \"bad\" {8+}\r\nfoo bar;\r\n",
	    "NO \"line 1: unknown command foo\"\r\n");
	SAYS(s, "CHECKSCRIPT \"keep;\"\r\n", "OK\r\n");
	SAYS(s, "PUTSCRIPT \"main\" {5+}\r\nkeep;\r\n", "OK\r\n");
	SAYS(s, "PUTSCRIPT \"two\" \"discard;\"\r\n", "OK\r\n");
	SAYS(s, "SETACTIVE \"main\"\r\n", "OK\r\n");
	SAYS(s, "LISTSCRIPTS\r\n", "\"main\" ACTIVE\r\n\"two\"\r\n"
	    "OK \"Listscripts completed\"\r\n");
	SAYS(s, "GETSCRIPT \"main\"\r\n", "{5}\r\nkeep;\r\nOK\r\n");
	SAYS(s, "GETSCRIPT \"none\"\r\n", "NO (NONEXISTENT) \"No such script\"\r\n");
	SAYS(s, "DELETESCRIPT \"main\"\r\n",
	    "NO (ACTIVE) \"The active script cannot be deleted\"\r\n");
	SAYS(s, "RENAMESCRIPT \"main\" \"two\"\r\n",
	    "NO (ALREADYEXISTS) \"A script of that name exists\"\r\n");
	SAYS(s, "RENAMESCRIPT \"main\" \"uno\"\r\n", "OK\r\n");
	SAYS(s, "SETACTIVE \"\"\r\n", "OK\r\n");
	SAYS(s, "DELETESCRIPT \"uno\"\r\n", "OK\r\n");
	SAYS(s, "HAVESPACE \"x\" 100\r\n", "OK\r\n");
	SAYS(s, "HAVESPACE \"x\" 99999999\r\n",
	    "NO (QUOTA/MAXSIZE) \"Script too large\"\r\n");
	SAYS(s, "HAVESPACE \"x\" abc\r\n", "NO \"Invalid size\"\r\n");
	SAYS(s, "GETSCRIPT \"../x\"\r\n", "NO \"Invalid script name\"\r\n");
	static const char nul[] = "GETSCRIPT {3+}\r\na\0b\r\n";
	msv_session_feed(s, nul, sizeof nul - 1);
	SAYS(s, "", "NO \"Invalid script name\"\r\n");
	SAYS(s, "NOOP \"t1\"\r\n", "OK (TAG \"t1\") \"Done\"\r\n");
	SAYS(s, "FOO\r\n", "NO \"Unknown command\"\r\n");
	SAYS(s, "GETSCRIPT\r\n", "NO \"Wrong number of arguments\"\r\n");
	SAYS(s, "AUTHENTICATE \"PLAIN\"\r\n", "NO \"Already authenticated\"\r\n");
	char *caps = talk(s, "CAPABILITY\r\n");
	CHECK(strstr(caps, "\"SIEVE\" \"fileinto ") != NULL);
	CHECK(strstr(caps, "STARTTLS") == NULL && strstr(caps, "SASL") == NULL);
	free(caps);
	SAYS(s, "LOGOUT\r\nNOOP\r\n", "OK \"Logout completed\"\r\n");
	CHECK(msv_session_closed(s));
	msv_session_free(s);
	s = msv_session_new(dir.data);
	SAYS(s, "NOOP {99999999}\r\n", "BYE \"literal too long\"\r\n");
	CHECK(msv_session_closed(s));
	msv_session_free(s);
	buf_free(&dir);
}
