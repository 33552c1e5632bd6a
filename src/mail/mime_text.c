/* Decoded text of parts and headers, for SEARCH and display. */
#include "mail/mime.h"

#include <string.h>

#include "mail/encwords.h"
#include "mail/header.h"

void mime_part_decoded(const struct mime_tree *t, const struct mime_part *p,
    struct buf *out)
{
	const char *body = t->msg + p->body_off;
	if (!mime_ctype_is(&p->ct, "text", NULL)) {
		cte_decode(p->cte, body, p->body_len, out);
		return;
	}
	struct buf raw = BUF_INIT;
	cte_decode(p->cte, body, p->body_len, &raw);
	const char *cs = mime_param_get(&p->ct, "charset");
	const char *data = buf_cstr(&raw);
	if (cs == NULL || !charset_to_utf8(cs, strlen(cs), data, raw.len, out))
		utf8_append_valid(data, raw.len, out);
	buf_free(&raw);
}

void mime_header_text(const char *hdr, size_t len, struct buf *out)
{
	struct hdr_iter it;
	struct hdr_field f;
	struct buf v = BUF_INIT;
	hdr_iter_init(&it, hdr, len);
	while (hdr_next(&it, &f)) {
		utf8_append_valid(f.name, f.name_len, out);
		buf_addstr(out, ": ");
		buf_reset(&v);
		hdr_unfold(f.value, f.value_len, &v);
		ew_decode(buf_cstr(&v), v.len, out);
		buf_addch(out, '\n');
	}
	buf_free(&v);
}
