/* Message-ID lists; see msgid.h. */
#include "mail/msgid.h"

#include <sodium.h>
#include <time.h>

#include "mail/rfc822tok.h"

static bool is_special(const struct tok *t, char c)
{
	return t->type == TOK_SPECIAL && t->ch == c;
}

bool msgid_next(const char *s, size_t n, size_t *pos, struct buf *out)
{
	struct lex lx;
	struct tok t;
	if (*pos >= n)
		return false;
	lex_init(&lx, s + *pos, n - *pos, RFC822_SPECIALS);
	do
		lex_next(&lx, &t);
	while (t.type != TOK_END && !is_special(&t, '<'));
	bool found = t.type != TOK_END;
	buf_reset(out);
	while (found) {
		lex_next(&lx, &t);
		if (t.type == TOK_END || is_special(&t, '>'))
			break;
		tok_append_raw(&t, out);
	}
	*pos = (size_t)(lx.p - s);
	return found;
}

void msgid_generate(const char *domain, struct buf *out)
{
	unsigned char rnd[16];
	char hex[sizeof(rnd) * 2 + 1];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	buf_printf(out, "<%lld.%s@%s>", (long long)time(NULL), hex, domain);
}
