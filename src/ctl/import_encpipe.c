/* mailboxctl import encpipe FILE [--output OUT] [--passphrase-file F]:
 * decrypts a backup the seed made with encpipe (usually tar.xz of its
 * configuration). The output appears only once the whole stream has
 * decrypted and authenticated to its final record. */
#include "ctl/import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/fileutil.h"
#include "ctl/password.h"
#include "store/encpipe.h"

struct encpipe_opts {
	const char *in, *out, *passfile;
};

static bool parse(int argc, char **argv, struct encpipe_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--output") == 0 && i + 1 < argc)
			o->out = argv[++i];
		else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
			o->passfile = argv[++i];
		else if (o->in == NULL && argv[i][0] != '-')
			o->in = argv[i];
		else
			return false;
	}
	return o->in != NULL;
}

static bool derive(const struct encpipe_opts *o,
    unsigned char key[ENCPIPE_KEY_LEN], struct buf *err)
{
	struct password pw = { NULL, 0 };
	bool ok;
	if (o->passfile != NULL) {
		/* Only the first 512 bytes count, as encpipe -P reads them. */
		int fd = open(o->passfile, O_RDONLY | O_CLOEXEC);
		char raw[ENCPIPE_PASS_MAX];
		ssize_t n = fd < 0 ? -1 : read(fd, raw, sizeof raw);
		if (fd >= 0)
			close(fd);
		size_t start = 0, len = 0;
		if (n > 0)
			encpipe_trim_passphrase(raw, (size_t)n, &start, &len);
		ok = len > 0 && encpipe_derive_key(raw + start, len, key);
		if (!ok)
			buf_printf(err, "%s: %s", o->passfile, n < 0 ? strerror(errno) :
			    "no passphrase in it");
		sodium_memzero(raw, sizeof raw);
		return ok;
	}
	ok = password_from_tty("Passphrase of the backup: ", false, &pw, err) &&
	    encpipe_derive_key(pw.s, pw.len, key);
	password_free(&pw);
	return ok;
}

/* Decrypts in to out_fd; the whole stream must check out. */
static bool decrypt(int in, int out_fd, const unsigned char *key,
    struct buf *err)
{
	struct encpipe_dec d;
	struct buf plain = BUF_INIT;
	char chunk[65536];
	ssize_t r;
	bool ok = true;
	encpipe_dec_init(&d, key);
	while (ok && (r = read(in, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			buf_printf(err, "read: %s", strerror(errno));
			ok = false;
			break;
		}
		ok = encpipe_dec_feed(&d, chunk, (size_t)r, &plain, err);
		for (size_t off = 0; ok && off < plain.len;) {
			ssize_t w = write(out_fd, plain.data + off, plain.len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				buf_printf(err, "write: %s", strerror(errno));
				ok = false;
			} else {
				off += (size_t)w;
			}
		}
		buf_reset(&plain);
	}
	ok = ok && encpipe_dec_finish(&d, err);
	encpipe_dec_free(&d);
	buf_free(&plain);
	return ok;
}

int import_encpipe(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	struct encpipe_opts o;
	if (!parse(argc, argv, &o))
		return ctl_usage("usage: import encpipe FILE [--output OUT] "
		    "[--passphrase-file F]");
	if (o.out == NULL && isatty(STDOUT_FILENO))
		return ctl_usage("import encpipe: give --output or redirect "
		    "standard output");
	unsigned char key[ENCPIPE_KEY_LEN];
	struct buf err = BUF_INIT, tmp = BUF_INIT;
	int in = open(o.in, O_RDONLY | O_CLOEXEC), out = STDOUT_FILENO;
	bool ok = in >= 0;
	if (!ok)
		buf_printf(&err, "%s: %s", o.in, strerror(errno));
	ok = ok && derive(&o, key, &err);
	if (ok && o.out != NULL) {
		buf_printf(&tmp, "%s.part", o.out);
		out = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0) {
			buf_printf(&err, "%s: %s", tmp.data, strerror(errno));
			ok = false;
		}
	}
	ok = ok && decrypt(in, out, key, &err);
	sodium_memzero(key, sizeof key);
	if (o.out != NULL && out >= 0) {
		ok = fsync(out) == 0 && ok;
		ok = close(out) == 0 && ok;
		if (ok && rename(tmp.data, o.out) != 0) {
			buf_printf(&err, "%s: %s", o.out, strerror(errno));
			ok = false;
		}
		if (!ok)
			unlink(tmp.data);
	}
	if (in >= 0)
		close(in);
	int rc = ok ? 0 : ctl_fail("import encpipe: %s", buf_cstr(&err));
	buf_free(&err);
	buf_free(&tmp);
	return rc;
}
