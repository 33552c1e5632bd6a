/* Authentication-Results: the header we add, and finding forged ones
 * that claim our authserv-id (comments, quoted strings, versions, folding,
 * hostile sizes). */
#include <string.h>

#include "common/buf.h"
#include "mail/header.h"
#include "mailauth/authres.h"
#include "t.h"

#define OURS "mx.example.org"

TEST(authres_build_all_methods)
{
	struct authres ar;
	struct buf out = BUF_INIT;
	authres_init(&ar, OURS);
	authres_add_spf(&ar, SPF_RESULT_PASS, NULL, "joe@example.com",
	    "mail.example.com");
	authres_add_dkim(&ar, "pass", NULL, "example.com", "sel1", "abcdEFGH");
	authres_add_dkim(&ar, "fail", "bad signature", "example.com", "ed",
	    "x/y+z=");
	struct dmarc_verdict v = { .result = DMARC_RESULT_PASS,
		.policy = DMARC_POLICY_REJECT, .from_domain = "example.com" };
	authres_add_dmarc(&ar, &v);
	authres_finish(&ar, &out);
	CHECK_STR(buf_cstr(&out),
	    "Authentication-Results: mx.example.org; spf=pass\r\n"
	    " smtp.mailfrom=joe@example.com; dkim=pass header.d=example.com"
	    " header.s=sel1\r\n"
	    " header.b=abcdEFGH; dkim=fail (bad signature) header.d=example.com"
	    " header.s=ed\r\n"
	    " header.b=\"x/y+z=\"; dmarc=pass (p=reject dis=none)"
	    " header.from=example.com\r\n");
	buf_reset(&out);
	authres_add_spf(&ar, SPF_RESULT_PERMERROR, "bad (record)", "",
	    "mail.example.com");
	authres_finish(&ar, &out);
	CHECK_STR(buf_cstr(&out), "Authentication-Results: mx.example.org;"
	    " spf=permerror (bad \\(record\\))\r\n smtp.helo=mail.example.com\r\n");
	buf_reset(&out);
	struct dmarc_verdict pe = { .result = DMARC_RESULT_PERMERROR,
		.from_domain = "x.example" };
	authres_add_dmarc(&ar, &pe);
	authres_finish(&ar, &out);
	CHECK_STR(buf_cstr(&out), "Authentication-Results: mx.example.org;"
	    " dmarc=permerror header.from=x.example\r\n");
	buf_reset(&out);
	authres_finish(&ar, &out);
	CHECK_STR(buf_cstr(&out), "Authentication-Results: mx.example.org; none\r\n");
	authres_free(&ar);
	buf_free(&out);
}

TEST(authres_build_quotes_hostile_values)
{
	struct authres ar;
	struct buf out = BUF_INIT, unf = BUF_INIT;
	authres_init(&ar, OURS);
	authres_add_spf(&ar, SPF_RESULT_FAIL, "x\r\nX-Evil: 1",
	    "\"odd local\"@example.com\r\nX-Spam: no", NULL);
	authres_add_dkim(&ar, "pass", NULL, "a\\b\"c", NULL, NULL);
	char longv[AUTHRES_VALUE_MAX + 2];
	memset(longv, 'v', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	authres_prop(&ar, "header", "long", longv);
	authres_finish(&ar, &out);
	/* exactly one field, no injected lines */
	CHECK(hdr_count(out.data, out.len, "Authentication-Results") == 1);
	CHECK(hdr_count(out.data, out.len, "X-Evil") == 0);
	CHECK(hdr_count(out.data, out.len, "X-Spam") == 0);
	CHECK(strstr(out.data, "header.long") == NULL);
	CHECK(hdr_get(out.data, out.len, "Authentication-Results", &unf));
	CHECK(strstr(unf.data, "smtp.mailfrom=\"\\\"odd local\\\"@example.com"
	    "  X-Spam: no\"") != NULL);
	CHECK(strstr(unf.data, "header.d=\"a\\\\b\\\"c\"") != NULL);
	/* our own header parses back to our id */
	struct buf id = BUF_INIT;
	bool wf;
	CHECK(authres_parse_id(unf.data, unf.len, &id, NULL, &wf));
	CHECK_STR(buf_cstr(&id), OURS);
	CHECK(wf);
	authres_free(&ar);
	buf_free(&out);
	buf_free(&unf);
	buf_free(&id);
}

static bool id_of(const char *v, const char *want, unsigned want_ver,
    bool want_wf)
{
	struct buf id = BUF_INIT;
	unsigned ver;
	bool wf, ok = authres_parse_id(v, strlen(v), &id, &ver, &wf);
	bool good = want == NULL ? !ok : ok && strcmp(id.data, want) == 0 &&
	    ver == want_ver && wf == want_wf;
	buf_free(&id);
	return good;
}

TEST(authres_parse_authserv_id)
{
	CHECK(id_of("mx.example.org; spf=pass", "mx.example.org", 1, true));
	CHECK(id_of(" (a comment) mx.example.org 1 ; none", "mx.example.org", 1,
	    true));
	CHECK(id_of("(nested (com\\)ment)) \"mx.exa\\mple.org\" (c) 7;dkim=pass",
	    "mx.example.org", 7, true));
	CHECK(id_of("\r\n\tmx.example.org\r\n\t;", "mx.example.org", 1, true));
	CHECK(id_of("mx.example.org/evil; spf=pass", "mx.example.org", 1,
	    false));
	CHECK(id_of("mx.example.org 1a; none", "mx.example.org", 1, false));
	CHECK(id_of("mx.example.org", "mx.example.org", 1, false));
	CHECK(id_of("; none", NULL, 0, false));
	CHECK(id_of("", NULL, 0, false));
	CHECK(id_of("(unterminated comment mx.example.org;", NULL, 0, false));
	CHECK(id_of("\"\"; none", NULL, 0, false));
	struct buf deep = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_addch(&deep, '(');
	buf_addstr(&deep, "x");
	for (int i = 0; i < 5000; i++)
		buf_addch(&deep, ')');
	buf_addstr(&deep, " mx.example.org;");
	CHECK(id_of(deep.data, NULL, 0, false) ||
	    id_of(deep.data, "mx.example.org", 1, true));
	buf_free(&deep);
	struct buf id = BUF_INIT;
	bool wf;
	CHECK(authres_parse_id("mx\0.example.org;", 16, &id, NULL, &wf));
	CHECK_STR(buf_cstr(&id), "mx");
	buf_free(&id);
}

static const char block[] =
	"Received: from a by b\r\n"
	"Authentication-Results: other.example.net; spf=pass\r\n"
	"Authentication-Results: MX.Example.ORG.; spf=pass smtp.mailfrom=x@y\r\n"
	"Subject: hi\r\n"
	"authentication-results :(forged)\r\n \"mx.example.org\" 1;\r\n"
	"\tdkim=pass header.d=bank.example\r\n"
	"Authentication-Results: mx.example.org.evil.example; none\r\n"
	"X-Authentication-Results: mx.example.org; none\r\n"
	"ARC-Authentication-Results: i=1; mx.example.org; none\r\n"
	"\r\n"
	"Authentication-Results: mx.example.org; in the body\r\n";

TEST(authres_find_and_strip_ours)
{
	struct authres_span sp[4];
	size_t n = authres_find_ours(block, sizeof block - 1, OURS, sp, 4);
	CHECK(n == 2);
	CHECK(strncmp(block + sp[0].off, "Authentication-Results: MX.", 27) == 0);
	CHECK(block[sp[0].off + sp[0].len - 1] == '\n');
	CHECK(strncmp(block + sp[1].off, "authentication-results :", 24) == 0);
	CHECK(authres_find_ours(block, sizeof block - 1, OURS, sp, 1) == 2);
	struct buf out = BUF_INIT;
	CHECK(authres_strip_ours(block, sizeof block - 1, OURS, &out) == 2);
	CHECK_STR(buf_cstr(&out),
	    "Received: from a by b\r\n"
	    "Authentication-Results: other.example.net; spf=pass\r\n"
	    "Subject: hi\r\n"
	    "Authentication-Results: mx.example.org.evil.example; none\r\n"
	    "X-Authentication-Results: mx.example.org; none\r\n"
	    "ARC-Authentication-Results: i=1; mx.example.org; none\r\n"
	    "\r\n"
	    "Authentication-Results: mx.example.org; in the body\r\n");
	buf_reset(&out);
	CHECK(authres_strip_ours(block, sizeof block - 1, "nobody.example", &out)
	    == 0);
	CHECK_MEM(out.data, out.len, block, sizeof block - 1);
	buf_free(&out);
}

TEST(authres_strip_hostile_blocks)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	/* LF-only lines, a 2 MiB forged field, 20000 other fields first */
	for (int i = 0; i < 20000; i++)
		buf_addstr(&in, "X-Filler: 1\n");
	buf_addstr(&in, "Authentication-Results: mx.example.org; dkim=pass (");
	for (int i = 0; i < 2 * 1024 * 1024; i++)
		buf_addch(&in, 'z');
	buf_addstr(&in, ")\nAuthentication-Results: mx.example.org\n");
	buf_addstr(&in, "Authentication-Results:\n\nbody\n");
	CHECK(authres_strip_ours(in.data, in.len, OURS, &out) == 2);
	CHECK(out.len == 20000 * 12 + strlen("Authentication-Results:\n\nbody\n"));
	CHECK(strstr(out.data, "zzz") == NULL);
	buf_reset(&in);
	static const char nul[] = "Authentication-Results: mx.example.org\0; x\r\n";
	buf_add(&in, nul, sizeof nul - 1);
	buf_reset(&out);
	CHECK(authres_strip_ours(in.data, in.len, OURS, &out) == 1);
	CHECK(out.len == 0);
	CHECK(authres_strip_ours("", 0, OURS, &out) == 0);
	buf_free(&in);
	buf_free(&out);
}
