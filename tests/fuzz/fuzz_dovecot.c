/* libFuzzer target for Dovecot's side files: dovecot-uidlist and
 * dovecot-keywords of any content, and file names. Parsed UIDs are
 * ascending-unique by base and below UIDNEXT; every parsed keyword gets
 * its letter back; the info written for the parsed flags and keywords
 * parses back to them; subscriptions give clean lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "store/dovecot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_uidlist(const char *t, size_t n)
{
	struct dovecot_uidlist l;
	if (!dovecot_uidlist_parse(t, n, &l))
		return;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].uid == 0 ||
		    (l.v[i].uid >= l.uidnext && l.uidnext != UINT32_MAX))
			abort();
		if (i > 0 && strcmp(l.v[i - 1].base, l.v[i].base) >= 0)
			abort();
		if (dovecot_uidlist_find(&l, l.v[i].base) != l.v[i].uid)
			abort();
	}
	dovecot_uidlist_free(&l);
}

static void check_name(const char *name, struct dovecot_keywords *k)
{
	struct buf base = BUF_INIT, kw = BUF_INIT, info = BUF_INIT,
	    base2 = BUF_INIT, kw2 = BUF_INIT, name2 = BUF_INIT;
	unsigned flags, flags2;
	dovecot_name_parse(name, k, &base, &flags, &kw);
	dovecot_info(flags, buf_cstr(&kw), k, &info);
	buf_printf(&name2, "x:2,%s", buf_cstr(&info));
	dovecot_name_parse(name2.data, k, &base2, &flags2, &kw2);
	if (flags != flags2 || strcmp(buf_cstr(&base2), "x") != 0)
		abort();
	buf_free(&base);
	buf_free(&kw);
	buf_free(&info);
	buf_free(&base2);
	buf_free(&kw2);
	buf_free(&name2);
}

static bool odd_folder(const char *dir, void *arg)
{
	(void)arg;
	return strlen(dir) % 2 == 1;
}

/* Subscriptions: every output line is non-empty, without controls. */
static void check_subscriptions(const char *t, size_t n)
{
	struct buf out = BUF_INIT;
	dovecot_subscriptions_parse(t, n, odd_folder, NULL, &out);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.data[i] < 0x20 && out.data[i] != '\n')
			abort();
	if (out.len > 0 && (out.data[0] == '\n' || out.data[out.len - 1] != '\n' ||
	    memmem(out.data, out.len, "\n\n", 2) != NULL))
		abort();
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	check_uidlist(t, size);
	check_subscriptions(t, size);
	struct dovecot_keywords k;
	dovecot_keywords_parse(t, size, &k);
	for (int i = 0; i < DOVECOT_KEYWORDS_MAX; i++)
		if (k.names[i] && dovecot_keywords_letter(&k, k.names[i]) != i)
			abort();
	char *name = xstrndup(t, size < 300 ? size : 300);
	check_name(name, &k);
	free(name);
	dovecot_keywords_free(&k);
	return 0;
}
