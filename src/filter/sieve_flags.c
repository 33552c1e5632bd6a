/* imap4flags (RFC 5232) flag lists: space-separated, each flag once,
 * compared case-insensitively, the system flags spelled as IMAP does. */
#include "filter/sieve_int.h"

#include <string.h>
#include <strings.h>

static const char *const system_flags[] = {
	"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft",
};

/* Calls fn for each flag in a space-separated string. */
static void each_flag(const char *flags, void (*fn)(struct buf *, const char *,
    size_t), struct buf *list)
{
	const char *p = flags;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n > 0 && n < 128)
			fn(list, p, n);
		p += n;
	}
}

/* Where the flag f (n bytes) is in list, or NULL. */
static char *find(struct buf *list, const char *f, size_t n)
{
	char *p = list->data;
	while (p != NULL && *p) {
		size_t k = strcspn(p, " ");
		if (k == n && !strncasecmp(p, f, n))
			return p;
		p += k;
		while (*p == ' ')
			p++;
	}
	return NULL;
}

static bool flag_ok(const char *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f[i];
		/* IMAP atom characters; '\' only to start a system flag. */
		if (c <= ' ' || c == 0x7f || strchr("(){%*\"]", c) ||
		    (c == '\\' && i > 0))
			return false;
	}
	if (f[0] != '\\')
		return true;
	for (size_t i = 0; i < 5; i++)
		if (strlen(system_flags[i]) == n &&
		    !strncasecmp(system_flags[i], f, n))
			return true;
	return false;
}

static void add_one(struct buf *list, const char *f, size_t n)
{
	if (!flag_ok(f, n) || find(list, f, n) != NULL)
		return;
	if (list->len > 0)
		buf_addch(list, ' ');
	for (size_t i = 0; f[0] == '\\' && i < 5; i++)
		if (strlen(system_flags[i]) == n &&
		    !strncasecmp(system_flags[i], f, n)) {
			buf_addstr(list, system_flags[i]);
			return;
		}
	buf_add(list, f, n);
}

static void remove_one(struct buf *list, const char *f, size_t n)
{
	char *p = find(list, f, n);
	if (p == NULL)
		return;
	size_t off = (size_t)(p - list->data), end = off + n;
	while (end < list->len && list->data[end] == ' ')
		end++;
	memmove(p, list->data + end, list->len - end + 1);
	list->len -= end - off;
	while (list->len > 0 && list->data[list->len - 1] == ' ')
		list->data[--list->len] = '\0';
}

void sv_flags_add(struct buf *list, const char *flags)
{
	each_flag(flags, add_one, list);
}

void sv_flags_remove(struct buf *list, const char *flags)
{
	each_flag(flags, remove_one, list);
}

void sv_flags_set(struct buf *list, const char *flags)
{
	buf_set(list, "");
	sv_flags_add(list, flags);
}
