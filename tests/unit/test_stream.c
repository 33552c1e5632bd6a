#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/buf.h"
#include "store/stream.h"

TEST(stream_fd_sink_keeps_the_errno_of_a_failed_write)
{
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	struct ostream *os = ostream_fd_create(fd);
	CHECK(ostream_fd_errno(os) == 0);
	CHECK(!ostream_write(os, "abc", 3));
	CHECK(ostream_fd_errno(os) == ENOSPC);
	ostream_free(os);
	close(fd);
	struct buf b = BUF_INIT;
	os = ostream_buf_create(&b);
	CHECK(ostream_fd_errno(os) == 0);   /* not an fd sink */
	ostream_free(os);
	buf_free(&b);
}

TEST(stream_owned_fd_source_closes_its_fd)
{
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "hi", 2) == 2);
	close(p[1]);
	struct istream *is = istream_fd_create_owned(p[0]);
	char got[4];
	CHECK(istream_read_full(is, got, sizeof got) == 2);
	CHECK_MEM(got, 2, "hi", 2);
	istream_free(is);
	CHECK(fcntl(p[0], F_GETFD) < 0 && errno == EBADF);
}
