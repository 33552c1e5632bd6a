/* ACME response parsing with good and hostile input, challenge files,
 * the HTTP-01 request line and response headers. */
#include "t.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "acme/challenge.h"
#include "acme/http.h"
#include "acme/parse.h"

#define S(x) x, strlen(x)

TEST(acme_directory_good_and_bad)
{
	struct acme_directory d;
	struct buf err = BUF_INIT;
	CHECK(acme_parse_directory(S("{\"newNonce\":\"https://a.test/nonce\","
	    "\"newAccount\":\"https://a.test/acct\",\"newOrder\":\"https://a.test/order\","
	    "\"meta\":{\"termsOfService\":\"x\"}}"), &d, &err));
	CHECK_STR(d.new_order, "https://a.test/order");
	CHECK(!acme_parse_directory(S("{\"newNonce\":\"https://a.test/n\"}"), &d, &err));
	CHECK(!acme_parse_directory(S("[1,2]"), &d, &err));
	CHECK(!acme_parse_directory(S("{\"newNonce\":\"ftp://x\",\"newAccount\":"
	    "\"https://a\",\"newOrder\":\"https://b\"}"), &d, &err));
	CHECK(!acme_parse_directory(S("{\"newNonce\":\"https://a\",\"newNonce\":"
	    "\"https://b\",\"newAccount\":\"https://a\",\"newOrder\":\"https://b\"}"), &d, &err));
	CHECK(!acme_parse_directory("{\"newNonce\":\"https://a\0\"}", 20, &d, &err));
	CHECK(strstr(err.data, "ACME") != NULL);
	buf_free(&err);
}

TEST(acme_order_parse)
{
	struct acme_order *o = calloc(1, sizeof *o);
	struct buf err = BUF_INIT;
	CHECK(acme_parse_order(S("{\"status\":\"valid\",\"authorizations\":"
	    "[\"https://a.test/authz/1\",\"https://a.test/authz/2\"],"
	    "\"finalize\":\"https://a.test/fin\",\"certificate\":\"https://a.test/c\"}"),
	    o, &err));
	CHECK(o->status == ACME_VALID && o->nauthz == 2);
	CHECK_STR(o->authz[1], "https://a.test/authz/2");
	CHECK_STR(o->certificate, "https://a.test/c");
	CHECK(acme_parse_order(S("{\"status\":\"invalid\",\"authorizations\":[],"
	    "\"finalize\":\"https://a.test/fin\",\"error\":{\"type\":"
	    "\"urn:ietf:params:acme:error:rateLimited\",\"detail\":\"too\\u0007many\"}}"),
	    o, &err));
	CHECK(o->status == ACME_INVALID);
	CHECK_STR(o->error.data, "rateLimited: too?many");
	CHECK(!acme_parse_order(S("{\"status\":\"valid\",\"authorizations\":[7],"
	    "\"finalize\":\"https://a.test/fin\"}"), o, &err));
	CHECK(!acme_parse_order(S("{\"authorizations\":[],\"finalize\":3}"), o, &err));
	/* More authorizations than an order may have. */
	struct buf big = BUF_INIT;
	buf_addstr(&big, "{\"finalize\":\"https://f\",\"authorizations\":[");
	for (int i = 0; i < ACME_MAX_NAMES + 1; i++)
		buf_printf(&big, "%s\"https://a/%d\"", i ? "," : "", i);
	buf_addstr(&big, "]}");
	CHECK(!acme_parse_order(big.data, big.len, o, &err));
	buf_free(&big);
	buf_free(&o->error);
	free(o);
	buf_free(&err);
}

TEST(acme_authz_parse)
{
	struct acme_authz a;
	struct buf err = BUF_INIT;
	memset(&a, 0, sizeof a);
	CHECK(acme_parse_authz(S("{\"status\":\"pending\",\"identifier\":{\"type\":"
	    "\"dns\",\"value\":\"mail.example.test\"},\"challenges\":["
	    "{\"type\":\"dns-01\",\"url\":\"https://a/1\",\"token\":\"t1\"},"
	    "{\"type\":\"http-01\",\"url\":\"https://a/2\",\"token\":\"t_2-X\"},"
	    "{\"type\":\"tls-alpn-01\",\"url\":\"https://a/3\",\"token\":\"t3\","
	    "\"status\":\"invalid\",\"error\":{\"type\":\"urn:ietf:params:acme:error:"
	    "connection\",\"detail\":\"refused\"}}]}"), &a, &err));
	CHECK_STR(a.name, "mail.example.test");
	CHECK_STR(a.http01.token, "t_2-X");
	CHECK_STR(a.tlsalpn01.url, "https://a/3");
	CHECK_STR(a.error.data, "connection: refused");
	/* Tokens that could escape the challenge directory are refused. */
	CHECK(!acme_parse_authz(S("{\"identifier\":{\"type\":\"dns\",\"value\":\"a.test\"},"
	    "\"challenges\":[{\"type\":\"http-01\",\"url\":\"https://a/2\","
	    "\"token\":\"../../etc/passwd\"}]}"), &a, &err));
	CHECK(!acme_parse_authz(S("{\"identifier\":{\"type\":\"dns\",\"value\":\"../x\"},"
	    "\"challenges\":[]}"), &a, &err));
	CHECK(!acme_parse_authz(S("{\"identifier\":{\"type\":\"ip\",\"value\":\"1.2.3.4\"},"
	    "\"challenges\":[]}"), &a, &err));
	CHECK(!acme_parse_authz(S("{\"identifier\":{\"type\":\"dns\",\"value\":\"a.test\"},"
	    "\"challenges\":[\"x\"]}"), &a, &err));
	buf_free(&a.error);
	buf_free(&err);
}

TEST(acme_problem_and_hostile_json)
{
	struct buf p = BUF_INIT;
	CHECK(acme_parse_problem(S("{\"type\":\"urn:ietf:params:acme:error:badNonce\","
	    "\"detail\":\"stale\",\"subproblems\":[{\"type\":\"urn:ietf:params:acme:"
	    "error:dns\",\"detail\":\"NXDOMAIN\"}]}"), &p));
	CHECK_STR(p.data, "badNonce: stale; dns: NXDOMAIN");
	CHECK(acme_problem_is(p.data, "badNonce"));
	CHECK(!acme_problem_is(p.data, "bad"));
	buf_reset(&p);
	CHECK(!acme_parse_problem(S("{\"type\":"), &p));
	CHECK(!acme_parse_problem("\0\0\0", 3, &p));
	CHECK(!acme_parse_problem(S("{\"type\":\"\xff\xfe\"}"), &p));
	/* Deep nesting and huge documents fail cleanly. */
	struct buf deep = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_addch(&deep, '[');
	CHECK(!acme_parse_problem(deep.data, deep.len, &p));
	buf_reset(&deep);
	buf_addstr(&deep, "{\"detail\":\"");
	for (int i = 0; i < 2 * 1024 * 1024; i++)
		buf_addch(&deep, 'a');
	buf_addstr(&deep, "\"}");
	CHECK(!acme_parse_problem(deep.data, deep.len, &p));
	buf_free(&deep);
	buf_free(&p);
}

TEST(acme_http_headers)
{
	struct acme_resp r;
	memset(&r, 0, sizeof r);
	acme_http_header(&r, S("replay-nonce:  abc-_DEF\r\n"));
	CHECK_STR(r.nonce, "abc-_DEF");
	acme_http_header(&r, S("Replay-Nonce: bad nonce!\r\n"));
	CHECK_STR(r.nonce, "abc-_DEF");
	acme_http_header(&r, S("Location: https://a.test/acct/7\r\n"));
	CHECK_STR(r.location, "https://a.test/acct/7");
	acme_http_header(&r, S("Content-Type: application/problem+json; x\r\n"));
	CHECK(r.problem);
	acme_http_header(&r, S("Retry-After: 3\r\n"));
	CHECK(r.retry_after == 3);
	acme_http_header(&r, S("Retry-After: -3\r\n"));
	CHECK(r.retry_after == 0);
	acme_http_header(&r, "Location: a\0b\r\n", 15);
	CHECK_STR(r.location, "https://a.test/acct/7");
}

TEST(acme_http01_request_line)
{
	char tok[64];
	CHECK(acme_http01_request(S("GET /.well-known/acme-challenge/abc_-1 HTTP/1.1\r\n"),
	    tok, sizeof tok) == 1);
	CHECK_STR(tok, "abc_-1");
	CHECK(acme_http01_request(S("GET /.well-known/acme-chal"), tok, sizeof tok) == 0);
	CHECK(acme_http01_request(S("GET /.well-known/acme-challenge/abc"), tok, sizeof tok) == 0);
	CHECK(acme_http01_request(S("POST / HTTP/1.1\r\n"), tok, sizeof tok) == -1);
	CHECK(acme_http01_request(S("GET /.well-known/acme-challenge/../x HTTP/1.1\r\n"),
	    tok, sizeof tok) == -1);
	CHECK(acme_http01_request(S("GET /.well-known/acme-challenge/a\n HTTP/1.1"),
	    tok, sizeof tok) == -1);
	CHECK(acme_http01_request("GET /.well-known/acme-challenge/a\0 HTTP/1.1\n", 45,
	    tok, sizeof tok) == -1);
	char small[4];
	CHECK(acme_http01_request(S("GET /.well-known/acme-challenge/abcdef HTTP/1.1\n"),
	    small, sizeof small) == -1);
}

TEST(acme_challenge_files)
{
	const char *dir = t_tmpdir();
	struct buf err = BUF_INIT, out = BUF_INIT;
	CHECK(acme_chal_publish(dir, ACME_CHAL_HTTP, "tok1", "tok1.thumb", 10, &err));
	CHECK(!acme_chal_publish(dir, ACME_CHAL_HTTP, "../x", "a", 1, &err));
	CHECK(!acme_chal_publish(dir, ACME_CHAL_ALPN, "A/b", "a", 1, &err));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	acme_http01_response(fd, "tok1", &out);
	CHECK(strstr(out.data, "200 OK") && strstr(out.data, "\r\n\r\ntok1.thumb"));
	CHECK(strstr(out.data, "Content-Length: 10\r\n") != NULL);
	buf_reset(&out);
	acme_chal_remove(dir, ACME_CHAL_HTTP, "tok1");
	acme_http01_response(fd, "tok1", &out);
	CHECK(strstr(out.data, "404") != NULL);
	CHECK(!acme_chal_read(fd, ACME_CHAL_ALPN, "..", &out));
	close(fd);
	buf_free(&err);
	buf_free(&out);
}
