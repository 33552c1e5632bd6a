/* libFuzzer target for the mail index's reading of Maildir file names
 * ("<base>,U=<uid>:2,<flags><keyword letters>"): any name parses, its
 * base is a prefix of it, and a name the index writes parses back to
 * the base, UID, flags and keyword letters it was made from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "store/mailindex_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parse(const char *name)
{
	struct mi_entry e;
	mi_entry_parse(name, false, &e);
	size_t bl = strlen(e.base);
	if (strncmp(name, e.base, bl) != 0 || (e.flags & ~MAILINDEX_FLAGS_ALL) ||
	    strlen(e.kw) > 26)
		abort();
	mi_entry_free(&e);
}

static void check_round_trip(const char *base, uint32_t uid, unsigned flags,
    const char *kw)
{
	struct buf info = BUF_INIT, path = BUF_INIT;
	mi_flags_letters(flags, &info);
	buf_addstr(&info, kw);
	mi_msg_file("", base, uid, buf_cstr(&info), &path);
	struct mi_entry e;
	mi_entry_parse(path.data + 5, false, &e);      /* after "/cur/" */
	if (strcmp(e.base, base) != 0 || e.uid != uid || e.flags != flags ||
	    strcmp(e.kw, kw) != 0)
		abort();
	mi_entry_free(&e);
	buf_free(&info);
	buf_free(&path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	char *name = malloc(size + 1);
	memcpy(name, data, size);
	name[size] = '\0';
	check_parse(name);
	/* A base without ':' (the info separator) and a UID, flags and
	 * keyword letters taken from the first bytes. */
	uint32_t uid = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	unsigned flags = data[4] & MAILINDEX_FLAGS_ALL;
	char kw[27] = "";
	size_t k = 0;
	for (unsigned i = 0; i < 26 && k < 26; i++)
		if (data[4] & 0x20 && (data[i % size] & 1))
			kw[k++] = (char)('a' + i);
	kw[k] = '\0';
	char *base = name + 5;
	base[strcspn(base, ":")] = '\0';
	if (uid != 0 && *base != '\0')
		check_round_trip(base, uid, flags, kw);
	free(name);
	return 0;
}
