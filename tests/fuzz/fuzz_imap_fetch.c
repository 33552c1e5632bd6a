/* Arbitrary message bytes through what FETCH and SEARCH do with a
 * message: the cache entry (ENVELOPE, BODY, BODYSTRUCTURE, header, search
 * text) and its encoding, section and BINARY data for a few part paths,
 * and a SEARCH TEXT style match. Every rendered response must be
 * well-formed IMAP; every section must lie inside the message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/view_int.h"
#include "../unit/imap_wellformed.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_response(const char *name, const struct buf *item)
{
	struct buf line = BUF_INIT;
	buf_printf(&line, "* 1 FETCH (%s ", name);
	buf_add(&line, item->data ? item->data : "", item->len);
	buf_addstr(&line, ")\r\n");
	if (!fx_wellformed(line.data, line.len))
		abort();
	buf_free(&line);
}

static void sections(const char *msg, size_t len)
{
	static const uint32_t paths[][3] = { { 1, 0, 0 }, { 2, 0, 0 },
		{ 1, 1, 0 }, { 2, 1, 1 }, { 3, 2, 1 } };
	static const enum imap_section_spec specs[] = { IMAP_SEC_NONE,
		IMAP_SEC_HEADER, IMAP_SEC_TEXT, IMAP_SEC_MIME,
		IMAP_SEC_HEADER_FIELDS };
	char *fields[] = { "Subject", "content-type" };
	struct mime_tree *t = mime_parse(msg, len, NULL);
	for (size_t p = 0; p < 5; p++) {
		for (size_t depth = 0; depth <= 3; depth++) {
			for (size_t s = 0; s < 6; s++) {
				struct imap_fetch_att a;
				struct buf out = BUF_INIT;
				bool exists;
				const char *no = NULL, *d;
				size_t dn;
				memset(&a, 0, sizeof a);
				a.type = s == 5 ? IMAP_FA_BINARY : IMAP_FA_BODY_SECTION;
				a.section.part = (uint32_t *)paths[p];
				a.section.nparts = depth;
				a.section.spec = s == 5 ? IMAP_SEC_NONE : specs[s];
				a.section.fields.v = fields;
				a.section.fields.n = 2;
				bool ok = fetch_section_data(t, &a, &out, &d, &dn,
				    &exists, &no);
				if (!ok && no == NULL)
					abort();
				/* in the message, or built: never past either */
				if (a.type == IMAP_FA_BODY_SECTION && dn > 0 &&
				    !(d >= msg && d + dn <= msg + len) &&
				    !(d == out.data && dn == out.len))
					abort();
				buf_free(&out);
			}
		}
	}
	mime_tree_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct msgcache c, back;
	struct buf blob = BUF_INIT, needle = BUF_INIT, subj = BUF_INIT;
	bool reply;
	msgcache_init(&c);
	msgcache_init(&back);
	msgcache_build(msg, size, &c);
	check_response("ENVELOPE", &c.envelope);
	check_response("BODY", &c.body);
	check_response("BODYSTRUCTURE", &c.bodystructure);
	if (c.hdr_len > size || (c.has_header && c.header.len != c.hdr_len))
		abort();
	msgcache_encode(&c, &blob);
	if (!msgcache_decode(blob.data, blob.len, &back) ||
	    back.bodystructure.len != c.bodystructure.len ||
	    memcmp(back.bodystructure.data, c.bodystructure.data,
	    c.bodystructure.len) != 0 || back.text.len != c.text.len)
		abort();
	/* a damaged blob is refused or read, never overrun */
	if (blob.len > 8) {
		blob.data[size % blob.len] ^= 0x5a;
		(void)msgcache_decode(blob.data, size % blob.len, &back);
	}
	sections(msg, size);
	msgcache_fold(msg, size < 64 ? size : 64, &needle);
	if (c.has_text && needle.len > 0)
		(void)memmem(c.text.data ? c.text.data : "", c.text.len,
		    needle.data, needle.len);
	sort_base_subject(msg, size < 300 ? size : 300, &subj, &reply);
	msgcache_free(&c);
	msgcache_free(&back);
	buf_free(&blob);
	buf_free(&needle);
	buf_free(&subj);
	return 0;
}
