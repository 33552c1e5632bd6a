/* IMAP section specifiers over the part tree (RFC 3501 6.4.5). */
#include "mail/mime.h"

#include <string.h>

static const struct mime_part *nth_child(const struct mime_part *p,
    unsigned n)
{
	const struct mime_part *c = p->child;
	for (unsigned i = 1; c != NULL && i < n; i++)
		c = c->next;
	return n > 0 ? c : NULL;
}

const struct mime_part *mime_find_part(const struct mime_part *root,
    const unsigned *nums, size_t n)
{
	const struct mime_part *container = root, *cur = root;
	bool is_msg = true;
	for (size_t k = 0; k < n; k++) {
		if (k > 0 && cur->kind == MIME_MULTIPART) {
			container = cur;
			is_msg = false;
		} else if (k > 0 && cur->kind == MIME_MESSAGE) {
			container = cur->child;
			is_msg = true;
		} else if (k > 0) {
			return NULL;
		}
		/* part 1 of a message that is not multipart is its body */
		if (container->kind == MIME_MULTIPART)
			cur = nth_child(container, nums[k]);
		else
			cur = is_msg && nums[k] == 1 ? container : NULL;
		if (cur == NULL)
			return NULL;
	}
	return cur;
}

static void range(size_t o, size_t l, size_t *off, size_t *len)
{
	*off = o;
	*len = l;
}

bool mime_section_range(const struct mime_tree *t, const unsigned *nums,
    size_t n, enum mime_sect what, size_t *off, size_t *len)
{
	const struct mime_part *p = mime_find_part(t->root, nums, n);
	if (p == NULL)
		return false;
	if (n == 0 && what == MIME_SECT_ALL) {
		range(0, t->len, off, len);
		return true;
	}
	if (n == 0 && what == MIME_SECT_MIME)
		return false;
	if (what == MIME_SECT_ALL) {
		range(p->body_off, p->body_len, off, len);
		return true;
	}
	if (what == MIME_SECT_MIME) {
		range(p->hdr_off, p->hdr_len, off, len);
		return true;
	}
	if (n > 0) {            /* HEADER/TEXT of an encapsulated message */
		if (p->kind != MIME_MESSAGE)
			return false;
		p = p->child;
	}
	if (what == MIME_SECT_HEADER)
		range(p->hdr_off, p->hdr_len, off, len);
	else
		range(p->body_off, p->body_len, off, len);
	return true;
}

bool mime_section_nums(const char *spec, unsigned *nums, size_t max,
    size_t *n, const char **rest)
{
	const char *p = spec;
	*n = 0;
	while (*p >= '0' && *p <= '9') {
		unsigned long v = 0;
		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > 1000000)
				return false;
		}
		if (v == 0 || *n >= max || (*p != '.' && *p != '\0'))
			return false;
		nums[(*n)++] = (unsigned)v;
		if (*p == '.')
			p++;
		if (*p == '\0' && p[-1] == '.')
			return false;
	}
	*rest = p;
	return true;
}
