#include "store/mboxname.h"

#include <string.h>
#include <strings.h>
#include <unistr.h>

static bool fail(struct buf *err, const char *why)
{
	if (err != NULL)
		buf_printf(err, "invalid mailbox name: %s", why);
	return false;
}

/* UTF-8 and character checks of the whole name. */
static bool check_chars(const char *name, size_t len, struct buf *err)
{
	if (len == 0)
		return fail(err, "empty");
	if (memchr(name, '\0', len) != NULL)
		return fail(err, "contains a NUL byte");
	if (u8_check((const uint8_t *)name, len) != NULL)
		return fail(err, "not valid UTF-8");
	const uint8_t *s = (const uint8_t *)name, *end = s + len;
	while (s < end) {
		ucs4_t c;
		int n = u8_mbtouc(&c, s, (size_t)(end - s));
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			return fail(err, "contains a control character");
		if (c == '*' || c == '%')
			return fail(err, "contains a wildcard ('*' or '%')");
		s += n;
	}
	return true;
}

static bool check_level(const char *l, size_t n, struct buf *err)
{
	if (n == 0)
		return fail(err, "empty level (leading, trailing or doubled '/')");
	if ((n == 1 && l[0] == '.') || (n == 2 && l[0] == '.' && l[1] == '.'))
		return fail(err, "level \".\" or \"..\"");
	return true;
}

bool mboxname_canon(const char *name, size_t len, struct buf *out,
    struct buf *err)
{
	if (!check_chars(name, len, err))
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		if (!check_level(name + start, i - start, err))
			return false;
		start = i + 1;
	}
	struct buf tmp = BUF_INIT;
	const char *slash = memchr(name, '/', len);
	size_t first = slash ? (size_t)(slash - name) : len;
	if (first == 5 && strncasecmp(name, "INBOX", 5) == 0) {
		buf_addstr(&tmp, "INBOX");
		buf_add(&tmp, name + 5, len - 5);
	} else {
		buf_add(&tmp, name, len);
	}
	/* The folder must fit a directory entry. */
	size_t flen = 1;
	for (size_t i = 0; i < tmp.len; i++)
		flen += (tmp.data[i] == '.' || tmp.data[i] == '\\') ? 3 : 1;
	bool ok = flen <= MBOXNAME_FOLDER_MAX ||
	    fail(err, "too long for a Maildir folder");
	if (ok)
		buf_add(out, tmp.data, tmp.len);
	buf_free(&tmp);
	return ok;
}

bool mboxname_to_folder(const char *name, size_t len, struct buf *out,
    struct buf *err)
{
	struct buf c = BUF_INIT;
	if (!mboxname_canon(name, len, &c, err))
		return false;
	if (strcmp(c.data, "INBOX") != 0) {
		buf_addch(out, '.');
		for (size_t i = 0; i < c.len; i++) {
			char ch = c.data[i];
			if (ch == '/')
				buf_addch(out, '.');
			else if (ch == '.')
				buf_addstr(out, "\\2e");
			else if (ch == '\\')
				buf_addstr(out, "\\5c");
			else
				buf_addch(out, ch);
		}
	}
	buf_free(&c);
	return true;
}

/* Undoes the escaping; no validation beyond well-formed escapes. */
static bool unescape(const char *f, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (f[i] == '.') {
			buf_addch(out, '/');
		} else if (f[i] != '\\') {
			buf_addch(out, f[i]);
		} else if (len - i >= 3 && f[i + 1] == '2' && f[i + 2] == 'e') {
			buf_addch(out, '.');
			i += 2;
		} else if (len - i >= 3 && f[i + 1] == '5' && f[i + 2] == 'c') {
			buf_addch(out, '\\');
			i += 2;
		} else {
			return false;
		}
	}
	return true;
}

bool mboxname_from_folder(const char *folder, size_t len, struct buf *out)
{
	if (len < 2 || folder[0] != '.')
		return false;
	struct buf name = BUF_INIT, back = BUF_INIT;
	/* Decode, then encode again: only the canonical spelling is ours. */
	bool ok = unescape(folder + 1, len - 1, &name) &&
	    mboxname_to_folder(name.data, name.len, &back, NULL) &&
	    back.len == len && memcmp(back.data, folder, len) == 0;
	if (ok)
		buf_add(out, name.data, name.len);
	buf_free(&name);
	buf_free(&back);
	return ok;
}

bool mboxname_is_child(const char *name, const char *parent)
{
	size_t n = strlen(parent);
	return strncmp(name, parent, n) == 0 && name[n] == '/' && name[n + 1] != '\0';
}
