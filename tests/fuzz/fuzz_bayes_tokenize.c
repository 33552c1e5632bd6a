/* The classifier's text extraction and tokenizer on any message: the text
 * stays within its cap, the tokens are sorted, distinct and capped, and
 * the tokens of the raw input too (the tokenizer must take any bytes). */
#include <stdint.h>
#include <stdlib.h>

#include "filter/bayes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[BAYES_KEY_LEN] = "fuzz-fuzz-fuzz!";

static void check_tokens(const char *text, size_t len)
{
	struct bayes_tokens t = { 0 };
	bayes_tokenize(key, text, len, &t);
	if (t.n > BAYES_TOKENS_MAX)
		abort();
	for (size_t i = 1; i < t.n; i++)
		if (t.v[i - 1] >= t.v[i])
			abort();
	bayes_tokens_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf text = BUF_INIT;
	bayes_message_text((const char *)data, size, &text);
	/* folding may grow the text a little past the cap */
	if (text.len > BAYES_TEXT_MAX * 3)
		abort();
	check_tokens(buf_cstr(&text), text.len);
	check_tokens((const char *)data, size);
	(void)bayes_text_has_gtube(buf_cstr(&text), text.len);
	buf_free(&text);
	return 0;
}
