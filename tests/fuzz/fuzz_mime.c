/* MIME tree and section ranges: every range must lie inside the message
 * and parts must not overlap their siblings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "mail/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_part(const struct mime_part *p, size_t len)
{
	size_t prev_end = 0;
	if (p->hdr_off + p->hdr_len != p->body_off ||
	    p->body_off + p->body_len > len || p->ct.type == NULL)
		abort();
	for (const struct mime_part *c = p->child; c; c = c->next) {
		if (c->hdr_off < prev_end || c->hdr_off < p->body_off ||
		    c->body_off + c->body_len > p->body_off + p->body_len)
			abort();
		prev_end = c->body_off + c->body_len;
		check_part(c, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim = { 16, 500, 64 * 1024 };
	struct mime_tree *t = mime_parse((const char *)data, size, &lim);
	check_part(t->root, size);
	static const enum mime_sect what[] = { MIME_SECT_ALL,
		MIME_SECT_HEADER, MIME_SECT_TEXT, MIME_SECT_MIME };
	unsigned nums[3];
	for (unsigned a = 0; a < 4; a++)
		for (unsigned b = 0; b < 4; b++)
			for (size_t n = 0; n <= 3; n++)
				for (size_t w = 0; w < 4; w++) {
					size_t off, len;
					nums[0] = a;
					nums[1] = b;
					nums[2] = 1;
					if (mime_section_range(t, nums, n, what[w],
					    &off, &len) && off + len > size)
						abort();
				}
	struct buf text = BUF_INIT;
	for (const struct mime_part *p = t->root; p; p = p->child) {
		buf_reset(&text);
		mime_part_decoded(t, p, &text);
		if (mime_ctype_is(&p->ct, "text", NULL) && text.len &&
		    u8_check((const uint8_t *)text.data, text.len) != NULL)
			abort();
	}
	buf_reset(&text);
	mime_header_text(t->msg, t->root->hdr_len, &text);
	buf_free(&text);
	mime_tree_free(t);

	struct mime_ctype ct;
	if (mime_ctype_parse((const char *)data, size, true, &ct))
		mime_ctype_free(&ct);
	return 0;
}
