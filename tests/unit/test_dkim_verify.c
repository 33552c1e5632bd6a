/* DKIM signing and verification round trips and every verdict. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "common/xmalloc.h"
#include "mail/header.h"
#include "mailauth/dkim_canon.h"
#include "mailauth/dkim_crypto.h"
#include "mailauth/dkim_key.h"
#include "mailauth/dkim_sign.h"
#include "mailauth/dkim_tags.h"
#include "mailauth/dkim_verify.h"

#define NOW 1800000000LL

static const char hdr[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.net\r\n"
    "Subject: Test  of\r\n\tfolding\r\n"
    "Date: Mon, 23 Nov 2026 16:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n"
    "X-Unsigned: yes\r\n\r\n";
static const char body[] = "Hello,  world \r\n\r\nBye.\r\n\r\n\r\n";

static EVP_PKEY *rsa_key(size_t bits)
{
	static EVP_PKEY *k1024, *k2048, *k512;
	EVP_PKEY **k = bits == 512 ? &k512 : bits == 1024 ? &k1024 : &k2048;
	if (*k == NULL)
		*k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
	return *k;
}

static EVP_PKEY *ed_key(void)
{
	static EVP_PKEY *k;
	if (k == NULL)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return k;
}

/* The signed message: fields from our signer, then hdr and body. */
static char *sign_msg(const char *h, const char *b, EVP_PKEY **keys,
    size_t n, long long now)
{
	static const char *const sels[] = { "s1", "s2", "s3" };
	struct dkim_sign_key sk[3];
	struct buf out = BUF_INIT, err = BUF_INIT;
	for (size_t k = 0; k < n; k++)
		sk[k] = (struct dkim_sign_key){ "example.com", sels[k], keys[k] };
	struct dkim_signer *s = dkim_signer_new(h, strlen(h), sk, n, now, &err);
	if (s == NULL)
		return NULL;
	for (const char *p = b; *p; p++)   /* one byte at a time */
		dkim_signer_body(s, p, 1);
	bool ok = dkim_signer_finish(s, &out, &err);
	dkim_signer_free(s);
	buf_addstr(&out, h);
	buf_addstr(&out, b);
	return ok ? buf_detach(&out) : NULL;
}

/* Key records to answer with: name -> record, NULL record = NXDOMAIN. */
struct answer {
	const char *name;
	const char *rec;
};

static size_t verify_n(const char *msg, size_t mlen, const struct answer *ans,
    size_t nans, long long now, const struct dkim_result_info **res,
    struct dkim_verifier **vp)
{
	struct msg_split sp;
	msg_split(msg, mlen, &sp);
	struct dkim_verifier *v = dkim_verifier_new(msg, sp.hdr_len, now);
	for (size_t k = 0; k < nans; k++) {
		if (ans[k].rec == NULL) {
			dkim_verifier_dns_fail(v, ans[k].name, DKIM_DNS_NXDOMAIN);
			continue;
		}
		/* Split the record into 100-octet strings, as DNS may. */
		const char *s[64];
		size_t l[64], n = 0, len = strlen(ans[k].rec);
		for (size_t off = 0; off < len && n < 64; off += 100) {
			s[n] = ans[k].rec + off;
			l[n++] = len - off < 100 ? len - off : 100;
		}
		dkim_verifier_txt(v, ans[k].name, s, l, n);
	}
	size_t blen = mlen - sp.body_off;
	for (size_t off = 0; off < blen; off += 7)
		dkim_verifier_body(v, msg + sp.body_off + off,
		    blen - off < 7 ? blen - off : 7);
	*vp = v;
	return dkim_verifier_finish(v, res);
}

static size_t verify(const char *msg, const struct answer *ans, size_t nans,
    long long now, const struct dkim_result_info **res,
    struct dkim_verifier **vp)
{
	return verify_n(msg, strlen(msg), ans, nans, now, res, vp);
}

static char *record(EVP_PKEY *k)
{
	struct buf r = BUF_INIT;
	dkim_key_record(k, &r);
	return buf_detach(&r);
}

/* Result of the single signature of msg, the key given under s1. */
static enum dkim_result verify1(const char *msg, EVP_PKEY *k, long long now,
    const char **why)
{
	char *rec = record(k);
	struct answer a = { "s1._domainkey.example.com", rec };
	const struct dkim_result_info *r;
	struct dkim_verifier *v;
	size_t n = verify(msg, &a, 1, now, &r, &v);
	enum dkim_result res = n == 1 ? r[0].result : (enum dkim_result)-1;
	static char reason[128];
	snprintf(reason, sizeof reason, "%s", n == 1 && r[0].reason ?
	    r[0].reason : "");
	*why = reason;
	dkim_verifier_free(v);
	free(rec);
	return res;
}

TEST(dkim_sign_verify_rsa_and_ed25519)
{
	EVP_PKEY *keys[] = { rsa_key(2048), ed_key() };
	char *msg = sign_msg(hdr, body, keys, 2, NOW);
	CHECK(msg != NULL);
	CHECK(strstr(msg, "h=From:From:To:Subject:Date:Message-ID;") != NULL ||
	    strstr(msg, "h=From:From:To:Subject:Date:\r\n Message-ID;") != NULL);
	CHECK(strstr(msg, "X-Unsigned\r\n") == NULL);
	CHECK(strstr(msg, "a=ed25519-sha256;") && strstr(msg, "a=rsa-sha256;"));
	/* No line of the signature fields reaches 78 octets. */
	for (const char *p = msg, *nl; (nl = strstr(p, "\r\n")) &&
	    strncmp(p, "From:", 5) != 0; p = nl + 2)
		CHECK(nl - p < 78);
	char *r1 = record(keys[0]), *r2 = record(keys[1]);
	struct answer a[] = { { "S1._domainkey.Example.COM.", r1 },
	    { "s2._domainkey.example.com", r2 } };
	const struct dkim_result_info *r;
	struct dkim_verifier *v;
	CHECK(verify(msg, a, 2, NOW + 10, &r, &v) == 2);
	CHECK(dkim_verifier_nqueries(v) == 2);
	CHECK_STR(dkim_verifier_query(v, 0), "s1._domainkey.example.com");
	CHECK(r[0].result == DKIM_PASS && r[1].result == DKIM_PASS);
	CHECK_STR(r[0].algorithm, "rsa-sha256");
	CHECK_STR(r[1].algorithm, "ed25519-sha256");
	CHECK_STR(r[1].domain, "example.com");
	CHECK(strlen(r[0].header_b) == 8 && r[0].reason == NULL);
	dkim_verifier_free(v);
	free(r1);
	free(r2);
	free(msg);
}

TEST(dkim_verify_detects_changes)
{
	EVP_PKEY *keys[] = { ed_key() };
	const char *why;
	char *msg = sign_msg(hdr, body, keys, 1, NOW);
	/* Relaxed canonicalisation tolerates white space changes. */
	struct buf m = BUF_INIT;
	buf_addstr(&m, msg);
	char *p = strstr(m.data, "Bye.");
	memcpy(p, "Bye. ", 5);
	CHECK(verify1(m.data, keys[0], NOW, &why) == DKIM_PASS);
	p = strstr(m.data, "Bye.");
	p[0] = 'b';
	CHECK(verify1(m.data, keys[0], NOW, &why) == DKIM_FAIL);
	CHECK_STR(why, "body hash mismatch");
	buf_set(&m, msg);
	p = strstr(m.data, "Subject: Test");
	p[9] = 't';
	CHECK(verify1(m.data, keys[0], NOW, &why) == DKIM_FAIL);
	CHECK_STR(why, "signature did not verify");
	/* A second From is caught by the oversigning. */
	p = strstr(msg, "\r\n\r\n");
	buf_set(&m, "");
	buf_add(&m, msg, (size_t)(p - msg) + 2);
	buf_addstr(&m, "From: mallory@evil.test\r\n");
	buf_addstr(&m, msg + (p - msg) + 2);
	CHECK(verify1(m.data, keys[0], NOW, &why) == DKIM_FAIL);
	/* An unsigned field may be added. */
	buf_set(&m, "X-Added: 1\r\n");
	buf_addstr(&m, msg);
	CHECK(verify1(m.data, keys[0], NOW, &why) == DKIM_PASS);
	buf_free(&m);
	free(msg);
}

TEST(dkim_verify_key_problems)
{
	EVP_PKEY *keys[] = { rsa_key(2048) };
	char *msg = sign_msg(hdr, body, keys, 1, NOW);
	const struct dkim_result_info *r;
	struct dkim_verifier *v;
	struct answer none = { "s1._domainkey.example.com", NULL };
	CHECK(verify(msg, &none, 1, NOW, &r, &v) == 1 &&
	    r[0].result == DKIM_PERMERROR);
	CHECK_STR(r[0].reason, "no key record");
	dkim_verifier_free(v);
	CHECK(verify(msg, NULL, 0, NOW, &r, &v) == 1 &&
	    r[0].result == DKIM_TEMPERROR);
	dkim_verifier_free(v);
	v = dkim_verifier_new(msg, strlen(msg), NOW);
	dkim_verifier_dns_fail(v, "s1._domainkey.example.com", DKIM_DNS_TEMPFAIL);
	CHECK(dkim_verifier_finish(v, &r) == 1 && r[0].result == DKIM_TEMPERROR);
	dkim_verifier_free(v);
	struct answer bad[] = {
		{ "s1._domainkey.example.com", "v=DKIM1; p=" },
		{ "s1._domainkey.example.com", "garbage" },
	};
	CHECK(verify(msg, bad, 2, NOW, &r, &v) == 1 &&
	    r[0].result == DKIM_PERMERROR);
	CHECK_STR(r[0].reason, "key revoked");
	dkim_verifier_free(v);
	const char *why;
	CHECK(verify1(msg, ed_key(), NOW, &why) == DKIM_PERMERROR);
	CHECK_STR(why, "key type does not match a=");
	/* Another key of the right type does not verify. */
	CHECK(verify1(msg, rsa_key(1024), NOW, &why) == DKIM_FAIL);
	free(msg);
}

TEST(dkim_verify_rfc8301_limits)
{
	EVP_PKEY *small[] = { rsa_key(512) };
	const char *why;
	char *msg = sign_msg(hdr, body, small, 1, NOW);
	CHECK(msg != NULL && verify1(msg, small[0], NOW, &why) == DKIM_POLICY);
	CHECK_STR(why, "RSA key under 1024 bits (RFC 8301)");
	free(msg);
	EVP_PKEY *k1024[] = { rsa_key(1024) };
	msg = sign_msg(hdr, body, k1024, 1, NOW);
	CHECK(verify1(msg, k1024[0], NOW, &why) == DKIM_PASS);
	/* The same signature relabelled rsa-sha1 (bh length fixed up). */
	struct buf m = BUF_INIT;
	buf_addstr(&m, "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s1;"
	    " h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA\r\n");
	buf_addstr(&m, hdr);
	CHECK(verify1(m.data, k1024[0], NOW, &why) == DKIM_POLICY);
	buf_free(&m);
	free(msg);
}

/* A signature made by hand over hdr/body with extra tags (for x=, l=,
 * i=, simple canonicalisation). */
static char *custom_sig(EVP_PKEY *key, const char *tags, enum dkim_canon c,
    uint64_t l, const char *b)
{
	struct dkim_body bd;
	unsigned char dg[EVP_MAX_MD_SIZE], sig[DKIM_MAX_SIG_LEN];
	unsigned dl;
	size_t sl;
	struct buf f = BUF_INIT, data = BUF_INIT, out = BUF_INIT;
	dkim_body_init(&bd, c, EVP_sha256(), l);
	dkim_body_feed(&bd, b, strlen(b));
	dkim_body_final(&bd, dg, &dl, NULL);
	dkim_body_free(&bd);
	buf_printf(&f, "DKIM-Signature: v=1; a=%s; d=example.com; s=s1; %s; bh=",
	    EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "rsa-sha256" :
	    "ed25519-sha256", tags);
	dkim_base64_add(&f, dg, dl);
	buf_addstr(&f, "; b=");
	const char *names[] = { "from", "subject" };
	dkim_canon_headers(c, hdr, strlen(hdr), names, 2, NULL, &data);
	dkim_canon_field(c, f.data, f.len, false, &data);
	dkim_crypto_sign(key, data.data, data.len, sig, &sl);
	buf_add(&out, f.data, f.len);
	dkim_base64_add(&out, sig, sl);
	buf_printf(&out, "\r\n%s%s", hdr, b);
	buf_free(&f);
	buf_free(&data);
	return buf_detach(&out);
}

TEST(dkim_verify_tags_x_t_l_i)
{
	EVP_PKEY *k = ed_key();
	const char *why;
	char *m = custom_sig(k, "c=simple/simple; h=from:subject; t=100; x=200",
	    DKIM_CANON_SIMPLE, DKIM_NO_LIMIT, body);
	CHECK(verify1(m, k, 150, &why) == DKIM_PASS);
	CHECK(verify1(m, k, 201, &why) == DKIM_POLICY);
	CHECK_STR(why, "signature expired");
	free(m);
	m = custom_sig(k, "h=from:subject; t=100000", DKIM_CANON_SIMPLE,
	    DKIM_NO_LIMIT, body);
	CHECK(verify1(m, k, 100000 - DKIM_CLOCK_SKEW, &why) == DKIM_PASS);
	CHECK(verify1(m, k, 1000, &why) == DKIM_POLICY);
	free(m);
	/* l= covers a prefix: text after it may change; l= past the end fails. */
	struct buf b = BUF_INIT;
	buf_printf(&b, "%sappended\r\n", body);
	m = custom_sig(k, "c=relaxed/relaxed; h=from:subject; l=10",
	    DKIM_CANON_RELAXED, 10, body);
	CHECK(verify1(m, k, NOW, &why) == DKIM_PASS);
	char *tail = strstr(m, "Bye.");
	memcpy(tail, "Eve.", 4);
	CHECK(verify1(m, k, NOW, &why) == DKIM_PASS);
	free(m);
	m = custom_sig(k, "h=from:subject; l=100000", DKIM_CANON_SIMPLE, 100000,
	    body);
	CHECK(verify1(m, k, NOW, &why) == DKIM_FAIL);
	CHECK_STR(why, "l= is longer than the body");
	free(m);
	buf_free(&b);
	/* i= in a subdomain passes unless the key says t=s. */
	m = custom_sig(k, "h=from:subject; i=joe@sub.example.com",
	    DKIM_CANON_SIMPLE, DKIM_NO_LIMIT, body);
	CHECK(verify1(m, k, NOW, &why) == DKIM_PASS);
	struct buf rec = BUF_INIT;
	dkim_key_record(k, &rec);
	buf_addstr(&rec, "; t=s");
	struct answer a = { "s1._domainkey.example.com", rec.data };
	const struct dkim_result_info *r;
	struct dkim_verifier *v;
	CHECK(verify(m, &a, 1, NOW, &r, &v) == 1 && r[0].result == DKIM_PERMERROR);
	CHECK_STR(r[0].reason, "i= domain is not d= (key t=s)");
	dkim_verifier_free(v);
	buf_free(&rec);
	free(m);
}

TEST(dkim_verify_many_and_broken_signatures)
{
	EVP_PKEY *k = ed_key();
	static const char nulsig[] = "DKIM-Signature: \0garbage\r\n";
	char *good = custom_sig(k, "h=from:subject", DKIM_CANON_SIMPLE, DKIM_NO_LIMIT,
	    body);
	struct buf m = BUF_INIT;
	buf_addstr(&m, "DKIM-Signature: v=1; a=rsa-sha256; h=to\r\n");
	buf_addstr(&m, "DKIM-Signature: v=1; a=foo-bar; d=e.com; s=x; h=from;"
	    " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n");
	for (int k2 = 0; k2 < 20; k2++)
		buf_add(&m, nulsig, sizeof(nulsig) - 1);
	buf_addstr(&m, good);
	char *rec = record(k);
	struct answer a = { "s1._domainkey.example.com", rec };
	const struct dkim_result_info *r;
	struct dkim_verifier *v;
	CHECK(verify_n(m.data, m.len, &a, 1, NOW, &r, &v) ==
	    DKIM_VERIFY_MAX_SIGS);
	CHECK(r[0].result == DKIM_PERMERROR && r[1].result == DKIM_NEUTRAL);
	CHECK(dkim_verifier_nqueries(v) == 0);
	dkim_verifier_free(v);
	/* The good one alone, after two broken ones. */
	buf_set(&m, "DKIM-Signature: v=1\r\nDKIM-Signature: ;;\r\n");
	buf_addstr(&m, good);
	CHECK(verify(m.data, &a, 1, NOW, &r, &v) == 3);
	CHECK(r[0].result == DKIM_PERMERROR && r[1].result == DKIM_PERMERROR &&
	    r[2].result == DKIM_PASS);
	dkim_verifier_free(v);
	CHECK(verify(hdr, &a, 1, NOW, &r, &v) == 0);
	dkim_verifier_free(v);
	CHECK_STR(dkim_result_name(DKIM_TEMPERROR), "temperror");
	buf_free(&m);
	free(rec);
	free(good);
}

TEST(dkim_sign_caps_h_list)
{
	/* 100 To fields: h= stays within what verifiers accept. */
	struct buf h = BUF_INIT;
	buf_addstr(&h, "From: a@example.com\r\n");
	for (int k = 0; k < 100; k++)
		buf_printf(&h, "To: r%d@example.net\r\n", k);
	buf_addstr(&h, "\r\n");
	EVP_PKEY *keys[] = { ed_key() };
	char *msg = sign_msg(h.data, body, keys, 1, NOW);
	const char *why;
	CHECK(msg != NULL && verify1(msg, keys[0], NOW, &why) == DKIM_PASS);
	/* Changing the first To (not covered) keeps it valid; the last breaks it. */
	char *first = strstr(msg, "To: r0@"), *last = strstr(msg, "To: r99@");
	first[4] = 'x';
	CHECK(verify1(msg, keys[0], NOW, &why) == DKIM_PASS);
	last[4] = 'x';
	CHECK(verify1(msg, keys[0], NOW, &why) == DKIM_FAIL);
	buf_free(&h);
	free(msg);
}
