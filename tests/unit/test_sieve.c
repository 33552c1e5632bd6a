/* Sieve: compile errors with line numbers, hostile scripts, and what
 * scripts do to a message. */
#include <stdlib.h>
#include <string.h>

#include "filter/sieve.h"
#include "t.h"

static const char MSG[] =
    "Return-Path: <x@y>\r\n"
    "From: \"Ann\" <ann+news@Example.org>\r\n"
    "To: bob@example.com, Carl <carl@example.net>\r\n"
    "Subject: =?utf-8?q?Caf=C3=A9_offer?= [list]\r\n"
    "X-Spam-Score: 7\r\n"
    "List-Id: <news.example.org>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Hello caf=C3=A9 lovers\r\n";

/* Runs script on MSG; the actions as "store:FOLDER[flags];redirect:A;"
 * or "error:..." followed by them. */
static char *run(const char *script)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct sieve_script *s = sieve_compile(script, strlen(script), &err);
	if (s == NULL) {
		buf_printf(&out, "compile:%s", buf_cstr(&err));
		buf_free(&err);
		return buf_detach(&out);
	}
	struct sieve_msg m = { MSG, sizeof MSG - 1, 5000, "ann+news@example.org",
		"bob+work@example.com" };
	struct sieve_result r;
	sieve_run(s, &m, &r);
	if (r.error)
		buf_printf(&out, "error:%s;", buf_cstr(&r.err));
	for (size_t i = 0; i < r.n; i++) {
		const char *t = r.v[i].type == SIEVE_ACT_STORE ? "store" :
		    r.v[i].type == SIEVE_ACT_REDIRECT ? "redirect" : "discard";
		buf_printf(&out, "%s:%s", t, r.v[i].arg);
		if (r.v[i].flags[0])
			buf_printf(&out, "[%s]", r.v[i].flags);
		buf_addch(&out, ';');
	}
	if (r.vacation)
		buf_printf(&out, "vacation:%ld:%s", r.vacation->days,
		    r.vacation->reason);
	sieve_result_free(&r);
	sieve_free(s);
	buf_free(&err);
	return buf_detach(&out);
}

#define EXPECT(script, want) do { \
	char *got_ = run(script); \
	CHECK_STR(got_, want); \
	free(got_); \
} while (0)

TEST(sieve_basic_actions)
{
	EXPECT("", "store:;");
	EXPECT("# nothing\r\n", "store:;");
	EXPECT("keep;", "store:;");
	EXPECT("discard;", "discard:;");
	EXPECT("require \"fileinto\"; fileinto \"Lists\";", "store:Lists;");
	EXPECT("require [\"fileinto\", \"copy\"]; fileinto :copy \"A\";",
	    "store:A;store:;");
	EXPECT("require \"fileinto\"; fileinto \"A\"; fileinto \"A\";", "store:A;");
	EXPECT("redirect \"x@example.net\";", "redirect:x@example.net;");
	EXPECT("require \"copy\"; redirect :copy \"x@example.net\";",
	    "redirect:x@example.net;store:;");
	EXPECT("discard; stop; keep;", "discard:;");
	EXPECT("if true { discard; } else { keep; }", "discard:;");
	EXPECT("if false { discard; } elsif true { keep; } else { discard; }",
	    "store:;");
}

TEST(sieve_header_tests)
{
	EXPECT("if header :contains \"subject\" \"café\" { discard; }",
	    "discard:;");
	EXPECT("if header :is \"X-Spam-Score\" \"7\" { discard; }", "discard:;");
	EXPECT("if header :matches \"Subject\" \"*OFFER*\" { discard; }",
	    "discard:;");
	EXPECT("if header :comparator \"i;octet\" :contains \"Subject\" \"OFFER\""
	    " { discard; }", "store:;");
	EXPECT("if exists [\"List-Id\", \"From\"] { discard; }", "discard:;");
	EXPECT("if exists [\"List-Id\", \"X-None\"] { discard; }", "store:;");
	EXPECT("if not exists \"X-None\" { discard; }", "discard:;");
	EXPECT("if allof (true, header :is \"x-spam-score\" \"8\") { discard; }",
	    "store:;");
	EXPECT("if anyof (false, header :is \"x-spam-score\" \"7\") { discard; }",
	    "discard:;");
	EXPECT("if size :over 4K { discard; }", "discard:;");
	EXPECT("if size :under 4K { discard; }", "store:;");
	EXPECT("if header :matches \"subject\" \"caf? *\\\\[list\\\\]\" { discard; }",
	    "discard:;");
}

TEST(sieve_address_envelope)
{
	EXPECT("if address :domain \"from\" \"example.org\" { discard; }",
	    "discard:;");
	EXPECT("if address :localpart :is \"to\" \"carl\" { discard; }",
	    "discard:;");
	EXPECT("if address :all :is \"from\" \"ann+news@example.org\" { discard; }",
	    "discard:;");
	EXPECT("require \"subaddress\"; if address :user \"from\" \"ann\" "
	    "{ discard; }", "discard:;");
	EXPECT("require [\"subaddress\", \"fileinto\"]; "
	    "if envelope :detail \"to\" \"work\" { fileinto \"Work\"; }",
	    "compile:1: envelope needs its extension in require");
	EXPECT("require [\"envelope\", \"subaddress\", \"fileinto\"]; "
	    "if envelope :detail \"to\" \"work\" { fileinto \"Work\"; }",
	    "store:Work;");
	EXPECT("require [\"envelope\"]; if envelope :domain \"from\" "
	    "\"example.org\" { discard; }", "discard:;");
	EXPECT("if address :user \"from\" \"ann\" { discard; }",
	    "compile:1: :user needs its extension in require");
}

TEST(sieve_relational_numeric)
{
	EXPECT("require [\"relational\", \"comparator-i;ascii-numeric\"];"
	    "if header :value \"ge\" :comparator \"i;ascii-numeric\" "
	    "\"x-spam-score\" \"5\" { discard; }", "discard:;");
	EXPECT("require [\"relational\", \"comparator-i;ascii-numeric\"];"
	    "if header :value \"gt\" :comparator \"i;ascii-numeric\" "
	    "\"x-spam-score\" \"10\" { discard; }", "store:;");
	EXPECT("require [\"relational\", \"comparator-i;ascii-numeric\"];"
	    "if address :count \"eq\" :comparator \"i;ascii-numeric\" "
	    "\"to\" \"2\" { discard; }", "discard:;");
	EXPECT("require \"relational\"; if header :value \"zz\" \"a\" \"b\" "
	    "{ discard; }", "compile:1: unknown relation \"zz\"");
	EXPECT("if header :comparator \"i;ascii-numeric\" :is \"a\" \"1\" {}",
	    "compile:1: i;ascii-numeric needs its extension in require");
}

TEST(sieve_variables)
{
	EXPECT("require [\"variables\", \"fileinto\"];"
	    "if header :matches \"List-Id\" \"<*.example.org>\" {"
	    "  fileinto \"Lists/${1}\"; }", "store:Lists/news;");
	EXPECT("require [\"variables\", \"fileinto\"];"
	    "set :upperfirst \"x\" \"hello\"; set :length \"n\" \"${x}\";"
	    "fileinto \"${x}-${n}-${unknown}\";", "store:Hello-5-;");
	EXPECT("require [\"variables\", \"fileinto\"];"
	    "set :quotewildcard \"q\" \"a*b\"; fileinto \"${q}\";",
	    "store:a\\*b;");
	EXPECT("require \"fileinto\"; fileinto \"${x}\";", "store:${x};");
	EXPECT("require \"variables\"; set \"1bad\" \"v\";",
	    "compile:1: bad variable name \"1bad\"");
	EXPECT("require \"variables\"; set :lower :upper \"a\" \"v\";",
	    "compile:1: conflicting tags for set");
	EXPECT("require \"variables\"; set \"a\" \"xyz\";"
	    "if string :is \"${a}\" \"xyz\" { discard; }", "discard:;");
}

TEST(sieve_imap4flags)
{
	EXPECT("require \"imap4flags\"; setflag \"\\\\seen\"; addflag "
	    "[\"$Label\", \"\\\\Flagged\"]; removeflag \"$label\"; keep;",
	    "store:[\\Seen \\Flagged];");
	EXPECT("require [\"imap4flags\", \"fileinto\"]; fileinto :flags "
	    "\"\\\\Seen\" \"A\";", "store:A[\\Seen];");
	EXPECT("require \"imap4flags\"; addflag \"\\\\Bogus junk\";",
	    "store:[junk];");
	EXPECT("require \"imap4flags\"; addflag \"x\"; if hasflag \"X\" "
	    "{ discard; }", "discard:;");
	EXPECT("require [\"imap4flags\", \"variables\"]; addflag \"v\" \"a b\";"
	    " if hasflag :is \"v\" \"b\" { discard; }", "discard:;");
}

TEST(sieve_body)
{
	EXPECT("require \"body\"; if body :contains \"café\" { discard; }",
	    "discard:;");
	EXPECT("require \"body\"; if body :raw :contains \"caf=C3=A9\" "
	    "{ discard; }", "discard:;");
	EXPECT("require \"body\"; if body :content \"image\" :contains \"caf\" "
	    "{ discard; }", "store:;");
	EXPECT("require \"body\"; if body :content \"text\" :contains \"caf\" "
	    "{ discard; }", "discard:;");
}

TEST(sieve_vacation_args)
{
	EXPECT("require \"vacation\"; vacation :days 3 \"away\";",
	    "store:;vacation:3:away");
	EXPECT("require \"vacation\"; vacation :days 0 :subject \"s\" "
	    ":addresses [\"a@b\"] :mime :handle \"h\" text:\r\nline\r\n..dot\r\n.\r\n;",
	    "store:;vacation:1:line\r\n.dot\r\n");
	EXPECT("require \"vacation\"; vacation \"a\"; vacation \"b\";",
	    "error:1: vacation given twice;store:;");
}

TEST(sieve_compile_errors)
{
	EXPECT("keep", "compile:1: expected ';' or '{'");
	EXPECT("\n\nfileinto \"x\";", "compile:3: fileinto needs its extension in require");
	EXPECT("keep;\nrequire \"fileinto\";", "compile:2: require must come first");
	EXPECT("require \"foo\";", "compile:1: unsupported extension \"foo\"");
	EXPECT("bogus;", "compile:1: unknown command bogus");
	EXPECT("if bogus { }", "compile:1: unknown test bogus");
	EXPECT("else { }", "compile:1: else without if");
	EXPECT("if true keep;", "compile:1: if needs a block");
	EXPECT("keep :bad;", "compile:1: unknown tag :bad");
	EXPECT("keep\n\nstop;", "compile:3: expected ';' before stop");
	EXPECT("\"str\";", "compile:1: expected a command");
	EXPECT("if header :is :contains \"a\" \"b\" {}",
	    "compile:1: conflicting tags for header");
	EXPECT("if size 3 {}", "compile:1: size needs :over or :under");
	EXPECT("redirect \"not an address\";",
	    "error:1: redirect to an invalid address;store:;");
	EXPECT("if header \"a\" {}", "compile:1: wrong arguments for header");
	EXPECT("keep; }", "compile:1: expected a command");
	EXPECT("if true { keep;", "compile:1: expected '}'");
	EXPECT("/* open", "compile:1: unterminated comment");
	EXPECT("redirect 99999999999999999999999;", "compile:1: number too large");
}

TEST(sieve_hostile_scripts)
{
	EXPECT("keep \"unterminated", "compile:1: unterminated string");
	EXPECT("require \"vacation\";\nvacation text:\nno end\n",
	    "compile:2: unterminated text: string");
	EXPECT("vacation text: x\n.\n;", "compile:1: text: must end its line");
	EXPECT("keep; \xff;", "compile:1: invalid UTF-8");
	EXPECT("keep; \xc0\xaf;", "compile:1: invalid UTF-8");
	EXPECT("keep; \xed\xa0\x80;", "compile:1: invalid UTF-8");
	char nul[] = "keep;\n\0;";
	struct buf err = BUF_INIT;
	CHECK(sieve_compile(nul, sizeof nul - 1, &err) == NULL);
	CHECK_STR(buf_cstr(&err), "2: NUL byte in script");

	/* Deep nesting of blocks and of tests. */
	struct buf s = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_addstr(&s, "if true {");
	for (int i = 0; i < 100; i++)
		buf_addstr(&s, "}");
	CHECK(sieve_compile(s.data, s.len, &err) == NULL);
	CHECK_STR(buf_cstr(&err), "1: blocks nested too deeply");
	buf_set(&s, "if ");
	for (int i = 0; i < 10000; i++)
		buf_addstr(&s, "not ");
	buf_addstr(&s, "true {}");
	CHECK(sieve_compile(s.data, s.len, &err) == NULL);
	CHECK_STR(buf_cstr(&err), "1: tests nested too deeply");
	buf_set(&s, "if ");
	for (int i = 0; i < 10000; i++)
		buf_addstr(&s, "anyof(");
	CHECK(sieve_compile(s.data, s.len, &err) == NULL);

	/* A huge string, a huge list, too many commands, a huge script. */
	buf_set(&s, "redirect \"");
	for (int i = 0; i < 70000; i++)
		buf_addch(&s, 'a');
	buf_addstr(&s, "\";");
	CHECK(sieve_compile(s.data, s.len, &err) == NULL);
	CHECK_STR(buf_cstr(&err), "1: string too long");
	buf_set(&s, "if header :is \"a\" [");
	for (int i = 0; i < 2000; i++)
		buf_addstr(&s, "\"x\",");
	buf_addstr(&s, "\"x\"] {}");
	CHECK(sieve_compile(s.data, s.len, &err) == NULL);
	CHECK_STR(buf_cstr(&err), "1: string list too long");
	buf_set(&s, "");
	for (int i = 0; i < 30000; i++)
		buf_addstr(&s, "stop;");
	CHECK(sieve_compile(s.data, s.len, &err) == NULL);
	CHECK_STR(buf_cstr(&err), "1: script has too many commands");
	buf_set(&s, "");
	while (s.len <= 600 * 1024)
		buf_addstr(&s, "# padding padding padding padding padding\n");
	CHECK(sieve_compile(s.data, s.len, &err) == NULL);
	CHECK_STR(buf_cstr(&err), "1: script too large");

	/* Too many actions at run time: implicit keep and the error. */
	buf_set(&s, "require [\"fileinto\"];");
	for (int i = 0; i < 40; i++)
		buf_printf(&s, "fileinto \"f%d\";", i);
	char *got = run(s.data);
	CHECK_STR(got, "error:1: too many actions;store:;");
	free(got);
	buf_free(&s);
	buf_free(&err);
}

TEST(sieve_matches_wildcards)
{
	EXPECT("if header :matches \"x-spam-score\" \"*\" { discard; }",
	    "discard:;");
	EXPECT("if header :matches \"x-spam-score\" \"?\" { discard; }",
	    "discard:;");
	EXPECT("if header :matches \"x-spam-score\" \"??\" { discard; }",
	    "store:;");
	EXPECT("if header :matches \"subject\" \"Café*\" { discard; }",
	    "discard:;");
	EXPECT("if header :matches \"subject\" \"Caf?\" { discard; }",
	    "store:;");
	EXPECT("if header :matches \"subject\" \"Caf? offer*\" { discard; }",
	    "discard:;");
	EXPECT("if header :matches \"subject\" \"*\\\\*\" { discard; }",
	    "store:;");
	EXPECT("require [\"variables\", \"fileinto\"];"
	    "if header :matches \"from\" \"*<*@*>\" { fileinto \"${2}/${3}\"; }",
	    "store:ann+news/Example.org;");
	EXPECT("require [\"variables\", \"fileinto\"];"
	    "if header :matches \"to\" \"*, ** <?arl*\" { fileinto \"${1}|${2}|${3}|${4}|${5}|${6}\"; }",
	    "store:bob@example.com||Carl|c|@example.net>|;");
}
