/* Building and signing DKIM-Signature fields. */
#include "mailauth/dkim_sign.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mail/header.h"
#include "mailauth/dkim_canon.h"
#include "mailauth/dkim_crypto.h"
#include "mailauth/dkim_sig.h"
#include "mailauth/dkim_tags.h"

#define FOLD_AT 76          /* keeps lines under 78 octets with CRLF */
#define B_CHUNK 72

const char *const dkim_signed_fields[] = {
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", NULL,
};

struct dkim_signer {
	struct dkim_sign_key keys[DKIM_SIGN_MAX_KEYS];
	enum dkim_alg algs[DKIM_SIGN_MAX_KEYS];
	size_t nkeys;
	long long now;
	struct buf hdata;           /* canonical signed fields */
	struct buf hlist;           /* "From:From:To:..." */
	struct dkim_body body;
};

/* h= in the order of dkim_signed_fields; From one extra time so no From
 * can be added without breaking the signature. At most DKIM_SIG_MAX_H
 * names, as many as verifiers here accept (the last instances count). */
static void build_hlist(struct dkim_signer *s, const char *hdr, size_t len)
{
	const char *names[DKIM_SIG_MAX_H];
	size_t n = 0;
	for (size_t k = 0; dkim_signed_fields[k] != NULL; k++) {
		const char *f = dkim_signed_fields[k];
		size_t c = hdr_count(hdr, len, f) + (k == 0);
		for (size_t j = 0; j < c && n < sizeof(names) / sizeof(*names); j++)
			names[n++] = f;
	}
	for (size_t k = 0; k < n; k++)
		buf_printf(&s->hlist, "%s%s", k ? ":" : "", names[k]);
	dkim_canon_headers(DKIM_CANON_RELAXED, hdr, len, names, n, NULL,
	    &s->hdata);
}

static bool check_keys(const struct dkim_sign_key *keys, size_t nkeys,
    enum dkim_alg *algs, struct buf *err)
{
	if (nkeys == 0 || nkeys > DKIM_SIGN_MAX_KEYS) {
		buf_printf(err, "dkim: %zu signing keys", nkeys);
		return false;
	}
	for (size_t k = 0; k < nkeys; k++) {
		if (!dkim_valid_dname(keys[k].domain, strlen(keys[k].domain)) ||
		    !dkim_valid_dname(keys[k].selector, strlen(keys[k].selector))) {
			buf_addstr(err, "dkim: bad domain or selector");
			return false;
		}
		if (keys[k].pkey == NULL || !dkim_key_alg(keys[k].pkey, &algs[k])) {
			buf_addstr(err, "dkim: key is neither RSA nor Ed25519");
			return false;
		}
	}
	return true;
}

struct dkim_signer *dkim_signer_new(const char *hdr, size_t len,
    const struct dkim_sign_key *keys, size_t nkeys, long long now,
    struct buf *err)
{
	enum dkim_alg algs[DKIM_SIGN_MAX_KEYS];
	if (!check_keys(keys, nkeys, algs, err))
		return NULL;
	struct dkim_signer *s = xcalloc(1, sizeof(*s));
	if (!dkim_body_init(&s->body, DKIM_CANON_RELAXED, EVP_sha256(),
	    DKIM_NO_LIMIT)) {
		free(s);
		buf_addstr(err, "dkim: SHA-256 unavailable");
		return NULL;
	}
	memcpy(s->keys, keys, nkeys * sizeof(*keys));
	memcpy(s->algs, algs, nkeys * sizeof(*algs));
	s->nkeys = nkeys;
	s->now = now;
	build_hlist(s, hdr, len);
	return s;
}

void dkim_signer_body(struct dkim_signer *s, const void *p, size_t n)
{
	dkim_body_feed(&s->body, p, n);
}

/* Folding writer: pieces go on the current line while it stays within
 * FOLD_AT octets, else a new line starts with one space. */
struct fold {
	struct buf *out;
	size_t col;
};

static void fold_add(struct fold *f, const char *s, bool space)
{
	size_t n = strlen(s);
	if (f->col + space + n > FOLD_AT) {
		buf_add(f->out, "\r\n ", 3);
		f->col = 1;
	} else if (space) {
		buf_addch(f->out, ' ');
		f->col++;
	}
	buf_add(f->out, s, n);
	f->col += n;
}

/* The field up to "b=", as signed: pieces whose breaks relaxed
 * canonicalisation ignores. */
static void field_head(struct dkim_signer *s, size_t k, const char *bh,
    struct buf *out)
{
	struct fold f = { out, 0 };
	struct buf piece = BUF_INIT;
	fold_add(&f, "DKIM-Signature:", false);
	buf_printf(&piece, "v=1; a=%s;", dkim_alg_name(s->algs[k]));
	fold_add(&f, piece.data, true);
	fold_add(&f, "c=relaxed/relaxed;", true);
	buf_reset(&piece);
	buf_printf(&piece, "d=%s;", s->keys[k].domain);
	fold_add(&f, piece.data, true);
	buf_reset(&piece);
	buf_printf(&piece, "s=%s;", s->keys[k].selector);
	fold_add(&f, piece.data, true);
	buf_reset(&piece);
	buf_printf(&piece, "t=%lld;", s->now);
	fold_add(&f, piece.data, true);
	const char *p = buf_cstr(&s->hlist);
	bool first = true;
	while (*p != '\0') {
		size_t n = strcspn(p, ":");
		buf_reset(&piece);
		buf_printf(&piece, "%s%.*s%s", first ? "h=" : "", (int)n, p,
		    p[n] == ':' ? ":" : ";");
		fold_add(&f, piece.data, first);
		first = false;
		p += n + (p[n] == ':');
	}
	buf_reset(&piece);
	buf_printf(&piece, "bh=%s;", bh);
	fold_add(&f, piece.data, true);
	buf_add(out, "\r\n b=", 5);
	buf_free(&piece);
}

static void add_b_value(struct buf *out, const unsigned char *sig, size_t n)
{
	struct buf b64 = BUF_INIT;
	dkim_base64_add(&b64, sig, n);
	for (size_t off = 0; off < b64.len; off += B_CHUNK) {
		size_t k = b64.len - off < B_CHUNK ? b64.len - off : B_CHUNK;
		if (off > 0)
			buf_add(out, "\r\n ", 3);
		buf_add(out, b64.data + off, k);
	}
	buf_add(out, "\r\n", 2);
	buf_free(&b64);
}

static bool sign_one(struct dkim_signer *s, size_t k, const char *bh,
    struct buf *out, struct buf *err)
{
	struct buf field = BUF_INIT, data = BUF_INIT;
	unsigned char sig[DKIM_MAX_SIG_LEN];
	size_t siglen;
	field_head(s, k, bh, &field);
	buf_add(&data, s->hdata.data, s->hdata.len);
	dkim_canon_field(DKIM_CANON_RELAXED, field.data, field.len, false,
	    &data);
	bool ok = dkim_crypto_sign(s->keys[k].pkey, data.data, data.len, sig,
	    &siglen);
	if (ok) {
		buf_add(out, field.data, field.len);
		add_b_value(out, sig, siglen);
	} else {
		buf_printf(err, "dkim: signing with %s failed",
		    s->keys[k].selector);
	}
	buf_free(&field);
	buf_free(&data);
	return ok;
}

bool dkim_signer_finish(struct dkim_signer *s, struct buf *out,
    struct buf *err)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen;
	struct buf bh = BUF_INIT;
	if (!dkim_body_final(&s->body, digest, &dlen, NULL)) {
		buf_addstr(err, "dkim: body hash failed");
		return false;
	}
	dkim_base64_add(&bh, digest, dlen);
	bool ok = true;
	for (size_t k = 0; k < s->nkeys && ok; k++)
		ok = sign_one(s, k, bh.data, out, err);
	buf_free(&bh);
	return ok;
}

void dkim_signer_free(struct dkim_signer *s)
{
	if (s == NULL)
		return;
	dkim_body_free(&s->body);
	buf_free(&s->hdata);
	buf_free(&s->hlist);
	free(s);
}
