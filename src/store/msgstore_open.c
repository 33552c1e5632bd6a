/* Reading a stored message back: file -> [trees-decrypt] -> decompress. */
#include "store/msgstore.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "store/stream.h"

/* Opens a regular file (no symlink, no device) and peeks at its start. */
static int open_stored(const char *path, unsigned char *head, size_t n,
    ssize_t *got, struct buf *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		buf_printf(err, "%s: not a regular file", path);
	} else if ((*got = pread(fd, head, n, 0)) < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

struct istream *msgstore_open(const char *path, const unsigned char *pk,
    const unsigned char *sk, struct buf *err)
{
	unsigned char head[TREES_MAGIC_LEN], derived[TREES_PK_LEN];
	ssize_t got = 0;
	int fd = open_stored(path, head, sizeof head, &got, err);
	if (fd < 0)
		return NULL;
	struct istream *is = istream_fd_create_owned(fd);
	if (trees_has_magic(head, (size_t)got)) {
		const char *why = NULL;
		if (sk == NULL)
			why = "encrypted, and no key was given";
		else if (pk == NULL && crypto_scalarmult_base(derived, sk) != 0)
			why = "unusable secret key";
		if (why != NULL) {
			buf_printf(err, "%s: %s", path, why);
			istream_free(is);
			return NULL;
		}
		is = trees_istream_create(is, pk != NULL ? pk : derived, sk, true);
	}
	return decompress_istream_create(is);
}
