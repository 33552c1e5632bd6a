/* Organisational domains (RFC 7489 3.2) from the Public Suffix List, by
 * libpsl: psl_latest() reads Debian's publicsuffix data, or falls back to
 * the list built into libpsl. */
#include <libpsl.h>
#include <string.h>

#include "mailauth/dmarc.h"

static const psl_ctx_t *psl;

void dmarc_org_init(void)
{
	if (psl == NULL)
		psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

void dmarc_org_domain(const char *domain, struct buf *out)
{
	buf_reset(out);
	buf_addstr(out, domain);
	if (out->len > 0 && out->data[out->len - 1] == '.')
		out->data[--out->len] = '\0';
	for (size_t i = 0; i < out->len; i++)
		if (out->data[i] >= 'A' && out->data[i] <= 'Z')
			out->data[i] = (char)(out->data[i] - 'A' + 'a');
	dmarc_org_init();
	if (psl == NULL || out->len == 0)
		return;
	const char *reg = psl_registrable_domain(psl, buf_cstr(out));
	if (reg != NULL && reg != out->data)
		buf_consume(out, (size_t)(reg - out->data));
}
