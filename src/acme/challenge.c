#include "acme/challenge.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/str.h"

#define CHAL_FILE_MAX (64 * 1024)
#define WELL_KNOWN "/.well-known/acme-challenge/"

static bool valid_id(enum acme_chal_kind kind, const char *id)
{
	size_t n = strlen(id);
	const char *set = kind == ACME_CHAL_HTTP ?
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_" :
	    "abcdefghijklmnopqrstuvwxyz0123456789-.";
	return n > 0 && n < 256 && id[0] != '.' && strspn(id, set) == n;
}

static bool file_name(enum acme_chal_kind kind, const char *id, struct buf *out)
{
	if (!valid_id(kind, id))
		return false;
	if (kind == ACME_CHAL_HTTP)
		buf_printf(out, "http-%s", id);
	else
		buf_printf(out, "alpn-%s.pem", id);
	return true;
}

bool acme_chal_publish(const char *dir, enum acme_chal_kind kind,
    const char *id, const char *data, size_t len, struct buf *err)
{
	struct buf name = BUF_INIT, path = BUF_INIT;
	bool ok = file_name(kind, id, &name);
	if (!ok)
		buf_printf(err, "refusing challenge identifier '%.100s'", id);
	buf_printf(&path, "%s/%s", dir, buf_cstr(&name));
	ok = ok && file_write_atomic(path.data, data, len, 0644, err);
	buf_free(&name);
	buf_free(&path);
	return ok;
}

void acme_chal_remove(const char *dir, enum acme_chal_kind kind, const char *id)
{
	struct buf name = BUF_INIT, path = BUF_INIT;
	if (file_name(kind, id, &name)) {
		buf_printf(&path, "%s/%s", dir, name.data);
		unlink(path.data);
	}
	buf_free(&name);
	buf_free(&path);
}

bool acme_chal_read(int dirfd, enum acme_chal_kind kind, const char *id,
    struct buf *out)
{
	struct buf name = BUF_INIT;
	int fd = file_name(kind, id, &name) ?
	    openat(dirfd, name.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	buf_free(&name);
	if (fd < 0)
		return false;
	char chunk[4096];
	ssize_t n;
	bool ok = true;
	while (ok && (n = read(fd, chunk, sizeof chunk)) > 0) {
		buf_add(out, chunk, (size_t)n);
		ok = out->len <= CHAL_FILE_MAX;
	}
	close(fd);
	return ok && n == 0 && out->len > 0;
}

int acme_http01_request(const char *req, size_t len, char *token, size_t tokensz)
{
	static const char prefix[] = "GET " WELL_KNOWN;
	size_t plen = strlen(prefix);
	if (memcmp(req, prefix, len < plen ? len : plen) != 0)
		return -1;
	const char *eol = memchr(req, '\n', len);
	if (eol == NULL)
		return len > 1024 ? -1 : 0;
	size_t tlen = strspn(req + plen, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
	const char *rest = req + plen + tlen;
	if (tlen == 0 || tlen >= tokensz || eol - rest < 8 ||
	    memcmp(rest, " HTTP/1.", 8) != 0)
		return -1;
	memcpy(token, req + plen, tlen);
	token[tlen] = '\0';
	return 1;
}

void acme_http01_response(int dirfd, const char *token, struct buf *out)
{
	struct buf body = BUF_INIT;
	bool found = acme_chal_read(dirfd, ACME_CHAL_HTTP, token, &body);
	if (!found)
		buf_set(&body, "not found\n");
	buf_printf(out, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    found ? "200 OK" : "404 Not Found", body.len);
	buf_add(out, body.data, body.len);
	buf_free(&body);
}
