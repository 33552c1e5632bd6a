/* What Sieve tests read from a message: header values unfolded and with
 * RFC 2047 words decoded, and the body raw or decoded per MIME part. */
#include "filter/sieve_int.h"

#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include "common/xmalloc.h"

#include "mail/encwords.h"
#include "mail/header.h"
#include "mail/mime.h"

void sv_vals_end(struct sv_vals *v, size_t start)
{
	v->off = xreallocarray(v->off, v->n + 1, sizeof *v->off);
	v->len = xreallocarray(v->len, v->n + 1, sizeof *v->len);
	v->off[v->n] = start;
	v->len[v->n] = v->data.len - start;
	v->n++;
}

void sv_vals_add(struct sv_vals *v, const char *s, size_t n)
{
	size_t start = v->data.len;
	buf_add(&v->data, s, n);
	sv_vals_end(v, start);
}

void sv_vals_free(struct sv_vals *v)
{
	buf_free(&v->data);
	free(v->off);
	free(v->len);
	memset(v, 0, sizeof *v);
}

void sv_header_values(const struct sv_msgdata *d, const char *name,
    bool decode, struct sv_vals *out)
{
	struct hdr_iter it;
	struct hdr_field f;
	struct buf raw = BUF_INIT;
	hdr_iter_init(&it, d->m->msg, d->hdr_len);
	while (hdr_next(&it, &f)) {
		if (!hdr_name_is(&f, name))
			continue;
		buf_reset(&raw);
		hdr_unfold(f.value, f.value_len, &raw);
		size_t start = out->data.len;
		if (decode)
			ew_decode(buf_cstr(&raw), raw.len, &out->data);
		else
			buf_add(&out->data, raw.data, raw.len);
		sv_vals_end(out, start);
	}
	buf_free(&raw);
}

bool sv_header_exists(const struct sv_msgdata *d, const char *name)
{
	struct hdr_field f;
	return hdr_find(d->m->msg, d->hdr_len, name, &f);
}

/* Does the part's type match one of :content's types ("" any, "text",
 * "text/plain")? */
static bool type_wanted(const struct mime_part *p, const struct sv_strs *types)
{
	for (size_t i = 0; i < types->n; i++) {
		const char *t = types->v[i], *slash = strchr(t, '/');
		size_t tl = slash ? (size_t)(slash - t) : strlen(t);
		if (tl == 0 && slash == NULL)
			return true;
		if (strlen(p->ct.type) != tl || strncasecmp(p->ct.type, t, tl))
			continue;
		if (slash == NULL || !strcasecmp(p->ct.subtype, slash + 1))
			return true;
	}
	return false;
}

static void collect(const struct mime_tree *t, const struct mime_part *p,
    const struct sv_strs *types, struct sv_vals *out)
{
	for (; p != NULL; p = p->next) {
		if (p->kind != MIME_LEAF) {
			collect(t, p->child, types, out);
			continue;
		}
		bool want = types ? type_wanted(p, types) :
		    !strcmp(p->ct.type, "text");
		if (!want)
			continue;
		size_t start = out->data.len;
		mime_part_decoded(t, p, &out->data);
		sv_vals_end(out, start);
	}
}

void sv_body_text(struct sv_msgdata *d, const char *transform,
    const struct sv_strs *types, struct sv_vals *out)
{
	if (!strcmp(transform, "raw")) {
		sv_vals_add(out, d->m->msg + d->hdr_len, d->m->len - d->hdr_len);
		return;
	}
	if (d->mime == NULL)
		d->mime = mime_parse(d->m->msg, d->m->len, NULL);
	collect(d->mime, d->mime->root, !strcmp(transform, "content") ?
	    types : NULL, out);
}
