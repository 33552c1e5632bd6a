/* Sieve: compiling any bytes never crashes; an error names a line; a
 * script that compiles runs against a fixed message and against its own
 * bytes as a message, and always gives at least one action. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/sieve.h"

static const char MSG[] =
    "From: Ann <ann+x@example.org>\r\nTo: bob@example.com\r\n"
    "Subject: =?utf-8?q?hi=C3=A9?=\r\nList-Id: <l.example.org>\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nhello *body*\r\n"
    "--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
    "\r\naGVsbG8=\r\n--b--\r\n";

static void run(const struct sieve_script *s, const char *msg, size_t len)
{
	struct sieve_msg m = { msg, len, len, "ann@example.org",
		"bob+tag@example.com" };
	struct sieve_result r;
	sieve_run(s, &m, &r);
	if (r.n == 0 || (r.error && r.err.len == 0))
		abort();
	sieve_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct sieve_script *s = sieve_compile((const char *)data, size, &err);
	if (s == NULL) {
		if (err.len == 0 || err.data[0] < '1' || err.data[0] > '9')
			abort();
	} else {
		run(s, MSG, sizeof MSG - 1);
		run(s, (const char *)data, size);
		sieve_free(s);
	}
	buf_free(&err);
	return 0;
}
