/* libFuzzer target for the IMAP session engine: the input is what an
 * authenticated client sends, fed in pieces whose sizes come from the
 * data, against one Maildir per fuzzing process (so later inputs meet the
 * mailboxes and messages earlier ones made). Two sessions take turns, and
 * IDLE polls run between pieces, so the update paths are reached too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/buf.h"
#include "imap/session.h"

static char *maildir;

static void setup(void)
{
	static char root[] = "/tmp/amb-fuzz-session-XXXXXX";
	struct buf p = BUF_INIT;
	if (sodium_init() < 0 || mkdtemp(root) == NULL)
		abort();
	buf_printf(&p, "%s/Maildir", root);
	maildir = buf_detach(&p);
}

static struct imap_session *open_one(void)
{
	struct buf err = BUF_INIT;
	struct imap_session_params p = {
		.user = "fuzz", .maildir = maildir, .quota = 1 << 20,
		.append_limit = 64 << 10, .hostname = "fuzz.test",
		.algo = COMPRESS_NONE,
	};
	struct imap_session *s = imap_session_new(&p, &err);
	if (s == NULL) {
		fprintf(stderr, "session: %s\n", buf_cstr(&err));
		abort();
	}
	buf_free(&err);
	return s;
}

static void drain(struct imap_session *s)
{
	size_t n;
	imap_session_output(s, &n);
	imap_session_output_consume(s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (maildir == NULL)
		setup();
	struct imap_session *s[2] = { open_one(), open_one() };
	size_t off = 0;
	unsigned turn = 0;
	while (off < size) {
		size_t piece = 1 + data[off] % 64;
		off++;
		if (piece > size - off)
			piece = size - off;
		struct imap_session *cur = s[turn % 2];
		if (!imap_session_closed(cur)) {
			imap_session_feed(cur, data + off, piece);
			imap_session_run(cur);
			imap_session_poll(cur);
		}
		drain(cur);
		off += piece;
		turn += piece % 3 == 0;
	}
	imap_session_free(s[0]);
	imap_session_free(s[1]);
	return 0;
}
