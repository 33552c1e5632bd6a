/* Fuzzes the SMTP argument parsers. A path that parses must parse again,
 * identically, from its canonical mailbox text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_parse.h"

static void check_roundtrip(const struct smtp_addr *a, unsigned flags)
{
	char again[sizeof(a->mailbox) + 3];
	struct smtp_addr b;
	const char *end;
	if (a->null || a->postmaster || strlen(a->mailbox) + 2 > SMTP_PATH_MAX)
		return;
	again[0] = '<';
	memcpy(again + 1, a->mailbox, strlen(a->mailbox));
	memcpy(again + 1 + strlen(a->mailbox), ">", 2);
	if (smtp_parse_path(again, flags, &b, &end) != SMTP_PATH_OK ||
	    *end != '\0' || strcmp(a->local, b.local) != 0 ||
	    strcmp(a->domain, b.domain) != 0 || strcmp(a->mailbox, b.mailbox) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	unsigned flags = data[0] & 7;
	char *s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	struct smtp_addr a;
	const char *end;
	if (smtp_parse_path(s, flags, &a, &end) == SMTP_PATH_OK) {
		if (end < s || end > s + strlen(s) || (a.utf8 && !(flags & SMTP_PATH_ALLOW_UTF8)))
			abort();
		check_roundtrip(&a, flags);
	}
	char dst[64];
	uint64_t v;
	(void)smtp_xtext_decode(s, dst, sizeof(dst));
	(void)smtp_parse_u64(s, &v);
	(void)smtp_valid_helo(s);
	(void)smtp_match_verb(s, "MAIL");
	struct smtp_param par[SMTP_MAX_PARAMS];
	int n = smtp_parse_params(s, par, SMTP_MAX_PARAMS);
	for (int i = 0; i < n; i++)
		if (par[i].key[0] == '\0' || (par[i].value && par[i].value[0] == '\0'))
			abort();
	free(s);
	return 0;
}
