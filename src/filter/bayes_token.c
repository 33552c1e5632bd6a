/* Words of the classified text and their keyed hashes. */
#include "filter/bayes.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unictype.h>
#include <unistr.h>

#include "common/xmalloc.h"

void bayes_tokens_free(struct bayes_tokens *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static void push(struct bayes_tokens *t, uint64_t h)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = h;
}

static uint64_t token_hash(const unsigned char key[BAYES_KEY_LEN],
    const char *w, size_t n)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	crypto_shorthash(h, (const unsigned char *)w, n, key);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | h[i];
	return v;
}

/* Length of the character at s (1 for a byte that starts none) and
 * whether it belongs in a word. */
static size_t char_at(const char *s, size_t n, bool *word)
{
	ucs4_t c;
	int k = u8_mbtoucr(&c, (const uint8_t *)s, n);
	if (k <= 0) {
		*word = false;
		return 1;
	}
	*word = c == '$' || uc_is_alnum(c);
	return (size_t)k;
}

/* The next word at or after *pos: a run of word characters, or the "s:"
 * and "f:" header prefixes followed by one. False at the end. */
static bool next_word(const char *s, size_t n, size_t *pos, size_t *start,
    size_t *len)
{
	size_t i = *pos;
	bool word = false;
	while (i < n) {
		size_t k = char_at(s + i, n - i, &word);
		if (word)
			break;
		i += k;
	}
	if (i >= n) {
		*pos = n;
		return false;
	}
	*start = i;
	if (n - i > 2 && (s[i] == 's' || s[i] == 'f') && s[i + 1] == ':') {
		char_at(s + i + 2, n - i - 2, &word);
		if (word)
			i += 2;
	}
	while (i < n) {
		size_t k = char_at(s + i, n - i, &word);
		if (!word)
			break;
		i += k;
	}
	*len = i - *start;
	*pos = i;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void sort_unique(struct bayes_tokens *t, size_t from)
{
	if (t->n - from > 1)
		qsort(t->v + from, t->n - from, sizeof(*t->v), cmp_u64);
	size_t out = from;
	for (size_t i = from; i < t->n; i++)
		if (out == from || t->v[out - 1] != t->v[i])
			t->v[out++] = t->v[i];
	t->n = out;
	if (t->n - from > BAYES_TOKENS_MAX)
		t->n = from + BAYES_TOKENS_MAX;
}

void bayes_tokenize(const unsigned char key[BAYES_KEY_LEN], const char *text,
    size_t len, struct bayes_tokens *out)
{
	char pair[2 * BAYES_WORD_MAX + 1];
	size_t pos = 0, start = 0, wlen = 0, prev_len = 0, from = out->n;
	if (len > BAYES_TEXT_MAX)
		len = BAYES_TEXT_MAX;
	while (next_word(text, len, &pos, &start, &wlen)) {
		if (wlen < BAYES_WORD_MIN || wlen > BAYES_WORD_MAX) {
			prev_len = 0;   /* a skipped word breaks the pair */
			continue;
		}
		push(out, token_hash(key, text + start, wlen));
		if (prev_len > 0) {
			pair[prev_len] = ' ';
			memcpy(pair + prev_len + 1, text + start, wlen);
			push(out, token_hash(key, pair, prev_len + 1 + wlen));
		}
		memcpy(pair, text + start, wlen);
		prev_len = wlen;
	}
	sort_unique(out, from);
}
