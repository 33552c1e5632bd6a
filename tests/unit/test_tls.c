#include "t.h"

#include <stdio.h>

#include "common/fileutil.h"
#include "common/selfsigned.h"
#include "common/tls.h"

TEST(tls_ctx_from_selfsigned_and_mismatch)
{
	const char *dir = t_tmpdir();
	char c1[512], k1[512], c2[512], k2[512];
	snprintf(c1, sizeof c1, "%s/c1", dir);
	snprintf(k1, sizeof k1, "%s/k1", dir);
	snprintf(c2, sizeof c2, "%s/c2", dir);
	snprintf(k2, sizeof k2, "%s/k2", dir);
	struct buf err = BUF_INIT, cert = BUF_INIT, key = BUF_INIT, key2 = BUF_INIT;
	CHECK(selfsigned_create("mail.a.test", true, c1, k1, &err));
	CHECK(selfsigned_create("mail.b.test", false, c2, k2, &err));
	CHECK(file_read_all(c1, 1 << 16, &cert, &err));
	CHECK(file_read_all(k1, 1 << 16, &key, &err));
	CHECK(file_read_all(k2, 1 << 16, &key2, &err));
	SSL_CTX *ctx = tls_server_ctx_new(cert.data, cert.len, key.data, key.len, &err);
	CHECK(ctx != NULL);
	SSL_CTX_free(ctx);
	buf_reset(&err);
	CHECK(tls_server_ctx_new(cert.data, cert.len, key2.data, key2.len, &err) == NULL);
	CHECK(strstr(buf_cstr(&err), "does not match") != NULL);
	buf_reset(&err);
	CHECK(tls_server_ctx_new("garbage", 7, key.data, key.len, &err) == NULL);
	CHECK(strstr(buf_cstr(&err), "certificate chain") != NULL);
	buf_free(&err);
	buf_free(&cert);
	buf_free(&key);
	buf_free(&key2);
}
