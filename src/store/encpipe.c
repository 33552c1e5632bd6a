/* Decryption of the seed's encpipe streams; see encpipe.h. */
#include "store/encpipe.h"

#include <stdint.h>
#include <string.h>

#define HDR  crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

const unsigned char ENCPIPE_SALT[16] = {
	0x01, 0x02, 0x03, 0x05, 0x08, 0x0d, 0x15, 0x22,
	0x37, 0x59, 0x90, 0xe9, 0x79, 0x62, 0xdb, 0x3d,
};

bool encpipe_derive_key(const char *pass, size_t len,
    unsigned char key[ENCPIPE_KEY_LEN])
{
	return crypto_pwhash(key, ENCPIPE_KEY_LEN, pass, len, ENCPIPE_SALT,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
	    crypto_pwhash_ALG_ARGON2ID13) == 0;
}

static bool trimmed(char c)
{
	return c == ' ' || c == '\r' || c == '\n';
}

void encpipe_trim_passphrase(const char *data, size_t len, size_t *start,
    size_t *n)
{
	if (len > ENCPIPE_PASS_MAX)
		len = ENCPIPE_PASS_MAX;
	size_t a = 0;
	while (a < len && trimmed(data[a]))
		a++;
	while (len > a && trimmed(data[len - 1]))
		len--;
	*start = a;
	*n = len - a;
}

void encpipe_dec_init(struct encpipe_dec *d,
    const unsigned char key[ENCPIPE_KEY_LEN])
{
	memset(d, 0, sizeof *d);
	memcpy(d->key, key, ENCPIPE_KEY_LEN);
	buf_init(&d->in);
}

void encpipe_dec_free(struct encpipe_dec *d)
{
	buf_free(&d->in);
	sodium_memzero(d, sizeof *d);
}

static bool fail(struct encpipe_dec *d, struct buf *err, const char *why)
{
	d->failed = true;
	buf_addstr(err, why);
	return false;
}

static int damaged(struct encpipe_dec *d, struct buf *err, const char *why)
{
	fail(d, err, why);
	return -1;
}

/* One record from the front of d->in: 1 done, 0 needs more, -1 damage. */
static int record(struct encpipe_dec *d, struct buf *out, struct buf *err)
{
	const unsigned char *p = (const unsigned char *)d->in.data;
	if (d->in.len < 4)
		return 0;
	uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	if (len > ENCPIPE_RECORD_MAX)
		return damaged(d, err, "encpipe: record too long (not an encpipe "
		    "stream, or damaged)");
	size_t clen = (size_t)len + ABYTES;
	if (d->in.len < 4 + clen)
		return 0;
	size_t at = out->len;
	buf_reserve(out, len + 1);
	unsigned long long mlen = 0;
	unsigned char tag = 0;
	if (crypto_secretstream_xchacha20poly1305_pull(&d->st,
	    (unsigned char *)out->data + at, &mlen, &tag, p + 4, clen, NULL, 0) != 0 ||
	    mlen != len)
		return damaged(d, err, "encpipe: wrong passphrase, or the backup is "
		    "damaged");
	if (tag != 0 && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		return damaged(d, err, "encpipe: unexpected record tag");
	out->len = at + len;
	buf_consume(&d->in, 4 + clen);
	d->final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	return 1;
}

bool encpipe_dec_feed(struct encpipe_dec *d, const void *p, size_t n,
    struct buf *out, struct buf *err)
{
	if (d->failed)
		return fail(d, err, "encpipe: stream already failed");
	buf_add(&d->in, p, n);
	if (!d->started) {
		if (d->in.len < HDR)
			return true;
		if (crypto_secretstream_xchacha20poly1305_init_pull(&d->st,
		    (const unsigned char *)d->in.data, d->key) != 0)
			return fail(d, err, "encpipe: bad stream header");
		buf_consume(&d->in, HDR);
		d->started = true;
	}
	for (;;) {
		if (d->final) {
			if (d->in.len > 0)
				return fail(d, err, "encpipe: data after the end "
				    "of the stream");
			return true;
		}
		int r = record(d, out, err);
		if (r < 0)
			return false;
		if (r == 0)
			return true;
	}
}

bool encpipe_dec_finish(struct encpipe_dec *d, struct buf *err)
{
	if (d->failed)
		return false;
	if (!d->final)
		return fail(d, err, "encpipe: the stream ends before its final "
		    "record (truncated)");
	return true;
}
