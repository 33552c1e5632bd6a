/* libFuzzer target for DKIM keys written by other software (rspamd's,
 * in the seed): any bytes give a key of one of our two algorithms or
 * nothing; any file name gives a selector without '.' or '/' or none. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/dkimkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *k = dkimkeys_parse_foreign((const char *)data, size);
	if (k != NULL && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519)
		abort();
	EVP_PKEY_free(k);
	char *name = xstrndup((const char *)data, size);
	char sel[DKIMKEYS_SEL_MAX + 1];
	if (dkimkeys_foreign_selector(name, "example.org", sel, sizeof sel) &&
	    (sel[0] == '\0' || strpbrk(sel, "./") != NULL))
		abort();
	free(name);
	return 0;
}
