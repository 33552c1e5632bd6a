/* libFuzzer target: the mailbox.conf parser. */
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct config *cfg = config_parse("fuzz", (const char *)data, size, &err);
	if (cfg != NULL) {
		(void)config_size(cfg, "max_message_size");
		(void)config_bool(cfg, "mask_src");
		config_free(cfg);
	}
	buf_free(&err);
	return 0;
}
