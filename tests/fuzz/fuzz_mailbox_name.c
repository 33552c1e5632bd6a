/* libFuzzer target for the mailbox name <-> Maildir++ folder mapping:
 * every name that maps to a folder maps back to its canonical form
 * (which is stable), and every folder accepted as one maps back to
 * exactly its own bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "store/mboxname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void name_round_trip(const char *s, size_t size)
{
	struct buf f = BUF_INIT, c = BUF_INIT, cc = BUF_INIT, back = BUF_INIT;
	bool mapped = mboxname_to_folder(s, size, &f, NULL);
	if (mapped != mboxname_canon(s, size, &c, NULL))
		abort();
	if (mapped) {
		if (!mboxname_canon(c.data, c.len, &cc, NULL) || cc.len != c.len ||
		    memcmp(cc.data, c.data, c.len) != 0)
			abort();
		if (f.len > MBOXNAME_FOLDER_MAX || memchr(buf_cstr(&f), '/', f.len))
			abort();
		if (f.len == 0) {
			if (strcmp(c.data, "INBOX") != 0)
				abort();
		} else if (!mboxname_from_folder(f.data, f.len, &back) ||
		    back.len != c.len || memcmp(back.data, c.data, c.len) != 0) {
			abort();
		}
	}
	buf_free(&f);
	buf_free(&c);
	buf_free(&cc);
	buf_free(&back);
}

static void folder_round_trip(const char *s, size_t size)
{
	struct buf n = BUF_INIT, f = BUF_INIT;
	if (mboxname_from_folder(s, size, &n)) {
		if (!mboxname_to_folder(n.data, n.len, &f, NULL) || f.len != size ||
		    memcmp(f.data, s, size) != 0)
			abort();
	}
	buf_free(&n);
	buf_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	name_round_trip((const char *)data, size);
	folder_round_trip((const char *)data, size);
	return 0;
}
