/* The seed's encpipe format (store/encpipe.h): streams made here the way
 * encpipe makes them, then damaged. */
#include "t.h"

#include <stdint.h>

#include "common/buf.h"
#include "store/encpipe.h"

static void le32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
	buf_add(b, p, 4);
}

/* encpipe -e: records of at most rec bytes, then an empty final one. */
static void encrypt(const unsigned char *key, const char *msg, size_t len,
    size_t rec, bool final, struct buf *out)
{
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	crypto_secretstream_xchacha20poly1305_init_push(&st, hdr, key);
	buf_add(out, hdr, sizeof hdr);
	unsigned char c[1024 + 17];
	for (size_t off = 0; off < len; off += rec) {
		size_t n = len - off < rec ? len - off : rec;
		crypto_secretstream_xchacha20poly1305_push(&st, c, NULL,
		    (const unsigned char *)msg + off, n, NULL, 0, 0);
		le32(out, (uint32_t)n);
		buf_add(out, c, n + 17);
	}
	if (final) {
		crypto_secretstream_xchacha20poly1305_push(&st, c, NULL, NULL, 0,
		    NULL, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
		le32(out, 0);
		buf_add(out, c, 17);
	}
}

/* Decrypts s fed in pieces of step: 1 ok (plaintext in out), 0 refused. */
static int decrypt(const unsigned char *key, const struct buf *s, size_t step,
    struct buf *out)
{
	struct encpipe_dec d;
	struct buf err = BUF_INIT;
	bool ok = true;
	encpipe_dec_init(&d, key);
	for (size_t i = 0; i < s->len && ok; i += step)
		ok = encpipe_dec_feed(&d, s->data + i,
		    s->len - i < step ? s->len - i : step, out, &err);
	ok = ok && encpipe_dec_finish(&d, &err);
	CHECK(ok || err.len > 0);
	encpipe_dec_free(&d);
	buf_free(&err);
	return ok;
}

static const char text[] = "etc/smtpd/smtpd.conf and friends, as a tar.xz "
    "would hold them; long enough to need several records of 64 bytes";

TEST(encpipe_round_trip_in_pieces)
{
	unsigned char key[ENCPIPE_KEY_LEN];
	CHECK(encpipe_derive_key("passphrase", 10, key));
	struct buf s = BUF_INIT;
	encrypt(key, text, sizeof text - 1, 64, true, &s);
	for (size_t step = 1; step < s.len + 2; step += 7) {
		struct buf out = BUF_INIT;
		CHECK(decrypt(key, &s, step, &out) == 1);
		CHECK_MEM(out.data, out.len, text, sizeof text - 1);
		buf_free(&out);
	}
	buf_free(&s);
}

TEST(encpipe_refuses_damage)
{
	unsigned char key[ENCPIPE_KEY_LEN], other[ENCPIPE_KEY_LEN];
	CHECK(encpipe_derive_key("passphrase", 10, key));
	CHECK(encpipe_derive_key("Passphrase", 10, other));
	struct buf s = BUF_INIT, out = BUF_INIT;
	encrypt(key, text, sizeof text - 1, 64, true, &s);
	CHECK(decrypt(other, &s, 4096, &out) == 0);           /* wrong key */
	for (size_t i = 0; i < s.len; i += 13) {               /* any flip */
		s.data[i] ^= 0x20;
		buf_reset(&out);
		CHECK(decrypt(key, &s, 4096, &out) == 0);
		s.data[i] ^= 0x20;
	}
	for (size_t cut = 0; cut < s.len; cut += 11) {         /* truncation */
		struct buf t = BUF_INIT;
		buf_add(&t, s.data, cut);
		buf_reset(&out);
		CHECK(decrypt(key, &t, 4096, &out) == 0);
		buf_free(&t);
	}
	buf_add(&s, "x", 1);                                   /* trailing */
	CHECK(decrypt(key, &s, 4096, &out) == 0);
	buf_reset(&s);
	encrypt(key, text, sizeof text - 1, 64, false, &s);    /* no FINAL */
	CHECK(decrypt(key, &s, 4096, &out) == 0);
	buf_reset(&s);                                         /* huge length */
	encrypt(key, "", 0, 64, false, &s);
	le32(&s, 0xffffffffu);
	CHECK(decrypt(key, &s, 4096, &out) == 0);
	buf_free(&s);
	buf_free(&out);
}

TEST(encpipe_passphrase_file_trimming)
{
	size_t a, n;
	encpipe_trim_passphrase("  secret \r\n", 11, &a, &n);
	CHECK(a == 2 && n == 6);
	encpipe_trim_passphrase(" \n\r ", 4, &a, &n);
	CHECK(n == 0);
	char big[600];
	memset(big, 'p', sizeof big);
	encpipe_trim_passphrase(big, sizeof big, &a, &n);
	CHECK(a == 0 && n == ENCPIPE_PASS_MAX);
	/* The salt is the seed's fixed one. */
	CHECK(ENCPIPE_SALT[0] == 0x01 && ENCPIPE_SALT[15] == 0x3d);
}
