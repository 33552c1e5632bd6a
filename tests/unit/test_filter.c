/* The filter protocols: clamd replies, HTTP URLs and responses, rspamd's
 * request head and JSON verdict; hostile input included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "filter/clamd.h"
#include "filter/http.h"
#include "filter/rspamd.h"
#include "t.h"

static enum clamd_reply clamd(const char *s, size_t n, char *name)
{
	return clamd_parse_reply(s, n, name, 32);
}

TEST(clamd_replies)
{
	char name[32];
	CHECK(clamd("stream: OK", 11, name) == CLAMD_CLEAN);
	CHECK(clamd("stream: OK\n", 11, name) == CLAMD_CLEAN);
	CHECK(clamd("stream: Eicar-Signature FOUND", 30, name) == CLAMD_VIRUS);
	CHECK_STR(name, "Eicar-Signature");
	CHECK(clamd("stream: Win.Test.EICAR_HDB-1 FOUND\0junk", 39, name) == CLAMD_VIRUS);
	CHECK_STR(name, "Win.Test.EICAR_HDB-1");
	CHECK(clamd("INSTREAM size limit exceeded. ERROR", 35, name) == CLAMD_TOO_LARGE);
	CHECK(clamd("INSTREAM size limit exceeded. ERROR\n", 36, name) == CLAMD_TOO_LARGE);
	CHECK(clamd("stream: lstat() failed. ERROR", 29, name) == CLAMD_ERROR);
	CHECK(clamd("stream: FOUND", 13, name) == CLAMD_ERROR);
	CHECK(clamd("stream:  FOUND", 14, name) == CLAMD_ERROR);
	CHECK(clamd("", 0, name) == CLAMD_ERROR);
	CHECK(clamd("stream: OK!", 11, name) == CLAMD_ERROR);
	CHECK(clamd("\0stream: OK", 11, name) == CLAMD_ERROR);
	/* hostile names: control bytes, UTF-8, overlong */
	CHECK(clamd("stream: a\x01\xc3\xa9 b FOUND", 21, name) == CLAMD_VIRUS);
	CHECK_STR(name, "a???" "?b");
	char big[5000];
	memset(big, 'x', sizeof big);
	memcpy(big, "stream: ", 8);
	memcpy(big + sizeof big - 6, " FOUND", 6);
	CHECK(clamd(big, sizeof big, name) == CLAMD_VIRUS);
	CHECK(strlen(name) == 31);
	unsigned char len[4];
	clamd_chunk_len(0x01020304, len);
	CHECK_MEM(len, 4, "\x01\x02\x03\x04", 4);
}

TEST(http_urls)
{
	char host[HTTP_HOST_MAX + 1];
	unsigned port;
	struct buf path = BUF_INIT;
	CHECK(http_url_parse("http://127.0.0.1:11333", host, &port, &path));
	CHECK_STR(host, "127.0.0.1");
	CHECK(port == 11333);
	CHECK_STR(buf_cstr(&path), "/");
	CHECK(http_url_parse("HTTP://localhost/x/checkv2?a=1#frag", host, &port, &path));
	CHECK_STR(host, "localhost");
	CHECK(port == 80);
	CHECK_STR(buf_cstr(&path), "/x/checkv2?a=1");
	CHECK(http_url_parse("http://[::1]:8080", host, &port, &path));
	CHECK_STR(host, "::1");
	CHECK(port == 8080);
	static const char *const bad[] = {
		"", "https://a", "http://", "http://:80", "http://a:0", "http://a:65536",
		"http://a:99999999999999999999999", "http://a b", "http://[::1",
		"http://[::1]x", "http://a:8x", "http://a/\x01", "http://a/b c",
		"ftp://a", "http://a@b",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!http_url_parse(bad[i], host, &port, &path));
	char longhost[400] = "http://";
	memset(longhost + 7, 'a', 300);
	longhost[307] = '\0';
	CHECK(!http_url_parse(longhost, host, &port, &path));
	buf_free(&path);
}

static bool resp(const char *s, struct http_response *r, struct buf *tmp)
{
	return http_response_parse(s, strlen(s), r, tmp);
}

TEST(http_responses)
{
	struct http_response r;
	struct buf tmp = BUF_INIT;
	CHECK(resp("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}junk", &r, &tmp));
	CHECK(r.status == 200);
	CHECK_MEM(r.body, r.body_len, "{}", 2);
	CHECK(resp("HTTP/1.0 500 x\nServer: y\n\nbody to end", &r, &tmp));
	CHECK(r.status == 500 && r.body_len == 11);
	CHECK(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\na;ext\r\n0123456789\r\n0\r\n\r\n", &r, &tmp));
	CHECK_MEM(r.body, r.body_len, "abc0123456789", 13);
	CHECK(resp("HTTP/1.1 204\r\n\r\n", &r, &tmp) && r.body_len == 0);
	static const char *const bad[] = {
		"", "HTTP/1.1 200 OK", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 099 x\r\n\r\n", "HTTP/1.1 600 x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: y",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!resp(bad[i], &r, &tmp));
	/* NUL bytes in the body are kept; in the head they are just bytes */
	CHECK(http_response_parse("HTTP/1.1 200 OK\r\nX: \0\r\n\r\na\0b", 28, &r, &tmp));
	CHECK(r.body_len == 3);
	buf_free(&tmp);
}

TEST(http_response_type_and_delimiting)
{
	struct http_response r;
	struct buf tmp = BUF_INIT;
	CHECK(resp("HTTP/1.1 200 OK\r\ncontent-type:  text/plain; charset=utf-8 "
	    "\r\nContent-Length: 1\r\n\r\nx", &r, &tmp));
	CHECK_MEM(r.ctype, r.ctype_len, "text/plain; charset=utf-8", 25);
	CHECK(r.delimited);
	CHECK(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    &r, &tmp) && r.delimited && r.ctype_len == 0 && r.ctype[0] == '\0');
	/* Read to the end: a cut could not be seen. */
	CHECK(resp("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nab", &r, &tmp));
	CHECK(!r.delimited && r.body_len == 2);
	/* The same type twice is one; two different ones, or an empty one
	 * and another, are not to be trusted. */
	CHECK(resp("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Type: text/plain\r\n\r\n", &r, &tmp));
	CHECK(!resp("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Type: text/html\r\n\r\n", &r, &tmp));
	CHECK(!resp("HTTP/1.1 200 OK\r\nContent-Type:\r\n"
	    "Content-Type: text/html\r\n\r\n", &r, &tmp));
	/* An overlong type is taken whole, pointing into the input. */
	struct buf big = BUF_INIT;
	buf_addstr(&big, "HTTP/1.1 200 OK\r\nContent-Type: ");
	for (int i = 0; i < 10000; i++)
		buf_addch(&big, 'a');
	buf_addstr(&big, "\r\nContent-Length: 0\r\n\r\n");
	CHECK(http_response_parse(big.data, big.len, &r, &tmp));
	CHECK(r.ctype_len == 10000 && r.ctype > big.data &&
	    r.ctype + r.ctype_len < big.data + big.len);
	/* A head cut short is no response at all. */
	CHECK(!http_response_parse(big.data, big.len - 3, &r, &tmp));
	buf_free(&big);
	buf_free(&tmp);
}

TEST(rspamd_request_and_reply)
{
	const char *rcpts[] = { "a@example.test", "b\r\nInjected: 1" };
	struct rspamd_request q = { "127.0.0.1", "/checkv2", "192.0.2.1",
		"client.test", "s@sender.test", "ABC", "mx.example.test", rcpts, 2,
		1234 };
	struct buf out = BUF_INIT;
	rspamd_request_head(&q, &out);
	CHECK(strncmp(buf_cstr(&out), "POST /checkv2 HTTP/1.0\r\n", 24) == 0);
	CHECK(strstr(out.data, "\r\nRcpt: a@example.test\r\n") != NULL);
	CHECK(strstr(out.data, "Injected") == NULL);
	CHECK(strstr(out.data, "\r\nIP: 192.0.2.1\r\n") != NULL);
	CHECK(strstr(out.data, "\r\nContent-Length: 1234\r\n\r\n") != NULL);
	buf_free(&out);

	struct rspamd_result r;
	const char *j = "{\"is_skipped\":false,\"score\":16.5,\"required_score\":15,"
	    "\"action\":\"reject\",\"symbols\":{}}";
	CHECK(rspamd_parse(j, strlen(j), &r));
	CHECK(r.action == RSPAMD_REJECT && r.score == 16500 && !r.skipped);
	j = "{\"action\":\"add header\",\"score\":-2.25}";
	CHECK(rspamd_parse(j, strlen(j), &r));
	CHECK(r.action == RSPAMD_ADD_HEADER && r.score == -2250);
	j = "{\"action\":\"soft reject\",\"score\":1e300}";
	CHECK(rspamd_parse(j, strlen(j), &r) && r.score == 1000000000);
	static const char *const bad[] = {
		"", "{", "[]", "{\"action\":\"explode\"}", "{\"action\":1}",
		"{\"score\":1}", "{\"action\":\"reject\",\"action\":\"no action\"}",
		"{\"action\":\"reject\0\"}", "\"reject\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!rspamd_parse(bad[i], strlen(bad[i]) + (i == 7 ? 3 : 0), &r));
	/* deep nesting does not matter */
	char deep[4096];
	size_t n = 0;
	n += (size_t)snprintf(deep, sizeof deep, "{\"action\":\"reject\",\"x\":");
	while (n < 4000)
		deep[n++] = '[';
	CHECK(!rspamd_parse(deep, n, &r));
}
