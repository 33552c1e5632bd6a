/* DKIM-Signature and key record parsing with hostile input. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/xmalloc.h"
#include "mailauth/dkim_key.h"
#include "mailauth/dkim_sig.h"
#include "mailauth/dkim_tags.h"

#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "
#define GOOD "v=1; a=rsa-sha256; d=Example.COM; s=sel; h=from:to; " BH "b=AAAA"

static enum dkim_sig_err parse(const char *v, const char **why)
{
	struct dkim_sig sig;
	enum dkim_sig_err e = dkim_sig_parse(v, strlen(v), &sig, why);
	dkim_sig_clear(&sig);
	return e;
}

/* The reason for a PERMERROR, or "" when the result differs. */
static const char *perm(const char *v)
{
	const char *why = NULL;
	return parse(v, &why) == DKIM_SIG_PERMERROR && why ? why : "";
}

TEST(dkim_sig_good_and_defaults)
{
	struct dkim_sig sig;
	const char *why = NULL;
	const char *v = " v=1;\r\n\ta=rsa-sha256 ; d=Example.COM; s=sel;"
	    " h=From : To\r\n :cc; " BH "b=AA\r\n AA; i=user@Sub.example.com;"
	    " l=12; t=100; x=200; z=From:a|b; future=tag;";
	CHECK(dkim_sig_parse(v, strlen(v), &sig, &why) == DKIM_SIG_OK);
	CHECK_STR(sig.d, "example.com");
	CHECK_STR(sig.s, "sel");
	CHECK(sig.nh == 3 && strcmp(sig.h[0], "From") == 0 &&
	    strcmp(sig.h[2], "cc") == 0);
	CHECK(sig.b_len == 3 && sig.bh_len == 32);
	CHECK(sig.hcanon == DKIM_CANON_SIMPLE && sig.bcanon == DKIM_CANON_SIMPLE);
	CHECK(sig.l == 12 && sig.t == 100 && sig.x == 200);
	CHECK_STR(sig.i, "user@Sub.example.com");
	CHECK_MEM(v + sig.b_off, sig.b_val_len, "AA\r\n AA", 7);
	struct buf q = BUF_INIT;
	dkim_sig_query_name(&sig, &q);
	CHECK_STR(buf_cstr(&q), "sel._domainkey.example.com");
	buf_free(&q);
	dkim_sig_clear(&sig);
	v = GOOD "; c=relaxed";
	CHECK(dkim_sig_parse(v, strlen(v), &sig, &why) == DKIM_SIG_OK &&
	    sig.hcanon == DKIM_CANON_RELAXED && sig.bcanon == DKIM_CANON_SIMPLE &&
	    sig.l == DKIM_NO_LIMIT && sig.t == -1 && sig.i == NULL);
	dkim_sig_clear(&sig);
}

TEST(dkim_sig_missing_tags)
{
	static const char *const tags[] = { "v=1", "a=rsa-sha256", "d=ex.com",
	    "s=sel", "h=from", BH, "b=AAAA" };
	for (size_t skip = 0; skip < 7; skip++) {
		struct buf v = BUF_INIT;
		for (size_t k = 0; k < 7; k++)
			if (k != skip)
				buf_printf(&v, "%s; ", tags[k]);
		CHECK(perm(buf_cstr(&v))[0] != '\0');
		buf_free(&v);
	}
}

TEST(dkim_sig_syntax_errors)
{
	CHECK_STR(perm(GOOD "; d=other.com"), "duplicate tag");
	CHECK_STR(perm(GOOD ";; x=1"), "bad tag name");
	CHECK_STR(perm(GOOD "; 1x=1"), "bad tag name");
	CHECK_STR(perm(GOOD "; novalue"), "tag without '='");
	CHECK_STR(perm(GOOD "; n=a\r\nb"), "bad character in tag value");
	CHECK_STR(perm(GOOD "; n=a\rb"), "bad character in tag value");
	CHECK_STR(perm(GOOD "; n=caf\xc3\xa9"), "bad character in tag value");
	CHECK_STR(perm(GOOD "\r\n"), "bad character in tag value");
	CHECK_STR(perm("\r\nv=1"), "bad folding");
	CHECK(perm("")[0] != '\0');
	CHECK(perm(";")[0] != '\0');
	/* A NUL inside a value. */
	const char nul[] = GOOD "; n=a\0b";
	struct dkim_sig sig;
	const char *why = NULL;
	CHECK(dkim_sig_parse(nul, sizeof(nul) - 1, &sig, &why) ==
	    DKIM_SIG_PERMERROR);
	CHECK_STR(why, "bad character in tag value");
}

TEST(dkim_sig_bad_values)
{
	CHECK_STR(perm("v=2; a=rsa-sha256; d=e.com; s=s; h=from; " BH "b=AAAA"),
	    "unsupported version");
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e.com; s=s; h=to; " BH "b=AAAA"),
	    "h= does not include From");
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e.com; s=s; h=from::to; " BH "b=AAAA"),
	    "bad h=");
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e.com; s=s; h=from:; " BH "b=AAAA"),
	    "bad h=");
	CHECK_STR(perm(GOOD "A=="), "bad b=");
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e.com; s=s; h=from; " BH "b="), "bad b=");
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e.com; s=s; h=from; " BH "b=A*AA"),
	    "bad b=");
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AAAA; b=AAAA"),
	    "bad bh=");
	CHECK_STR(perm("v=1; a=rsa-sha1; d=e.com; s=s; h=from; " BH "b=AAAA"),
	    "bad bh=");
	CHECK_STR(perm(GOOD "; i=user@other.com"), "i= not in d= domain");
	CHECK_STR(perm(GOOD "; i=user@xexample.com"), "i= not in d= domain");
	CHECK_STR(perm(GOOD "; i=nobody"), "i= not in d= domain");
	CHECK(parse(GOOD "; i=@example.com", &(const char *){ NULL }) == DKIM_SIG_OK);
	CHECK(parse(GOOD "; i=x@a.b.EXAMPLE.com", &(const char *){ NULL }) ==
	    DKIM_SIG_OK);
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e..com; s=s; h=from; " BH "b=AAAA"),
	    "bad or missing d=");
	CHECK_STR(perm("v=1; a=rsa-sha256; d=e.com; s=s/x; h=from; " BH "b=AAAA"),
	    "bad or missing s=");
	CHECK_STR(perm(GOOD "; t=1234567890123"), "bad t=");
	CHECK_STR(perm(GOOD "; x=-1"), "bad x=");
	CHECK_STR(perm(GOOD "; t=200; x=200"), "x= not after t=");
	CHECK_STR(perm(GOOD "; l=12a"), "bad l=");
	CHECK_STR(perm(GOOD "; l="), "bad l=");
}

TEST(dkim_sig_unsupported_is_neutral)
{
	const char *why = NULL;
	CHECK(parse("v=1; a=rsa-sha512; d=e.com; s=s; h=from; " BH "b=AAAA",
	    &why) == DKIM_SIG_NEUTRAL);
	CHECK(parse(GOOD "; c=relaxed/fancy", &why) == DKIM_SIG_NEUTRAL);
	CHECK(parse(GOOD "; c=", &why) == DKIM_SIG_NEUTRAL);
	CHECK(parse(GOOD "; q=http/well-known", &why) == DKIM_SIG_NEUTRAL);
	CHECK(parse(GOOD "; q=foo:DNS/TXT", &why) == DKIM_SIG_OK);
}

TEST(dkim_sig_huge_values)
{
	/* 100 names in h=, a 5000-octet b=, 80-digit l=, 40 tags. */
	struct buf v = BUF_INIT;
	buf_addstr(&v, "v=1; a=rsa-sha256; d=e.com; s=s; " BH "b=AAAA; h=from");
	for (int k = 0; k < 100; k++)
		buf_addstr(&v, ":to");
	CHECK_STR(perm(buf_cstr(&v)), "too many names in h=");
	buf_set(&v, "v=1; a=rsa-sha256; d=e.com; s=s; h=from; " BH "b=");
	for (int k = 0; k < 5000; k++)
		buf_addch(&v, 'A');
	CHECK_STR(perm(buf_cstr(&v)), "bad b=");
	buf_set(&v, GOOD "; l=");
	for (int k = 0; k < 80; k++)
		buf_addch(&v, '9');
	CHECK_STR(perm(buf_cstr(&v)), "bad l=");
	buf_set(&v, GOOD);
	for (int k = 0; k < 40; k++)
		buf_printf(&v, "; x%d=1", k);
	CHECK_STR(perm(buf_cstr(&v)), "too many tags");
	struct dkim_sig sig;
	const char *why;
	buf_set(&v, GOOD "; l=");
	for (int k = 0; k < 76; k++)
		buf_addch(&v, '9');
	CHECK(dkim_sig_parse(v.data, v.len, &sig, &why) == DKIM_SIG_OK &&
	    sig.l >= 1000000000000000000ULL);
	dkim_sig_clear(&sig);
	buf_free(&v);
}

TEST(dkim_sig_every_prefix_is_safe)
{
	/* Every truncation of a good signature parses or fails cleanly. */
	const char *v = GOOD "; i=a@example.com; l=5; t=1; x=2; c=relaxed/relaxed";
	size_t n = strlen(v), ok = 0;
	for (size_t k = 0; k <= n; k++) {
		char *p = xmemdup(v, k);
		struct dkim_sig sig;
		const char *why = NULL;
		if (dkim_sig_parse(p, k, &sig, &why) == DKIM_SIG_OK)
			ok++;
		else
			CHECK(why != NULL);
		dkim_sig_clear(&sig);
		free(p);
	}
	CHECK(ok > 0 && ok < n);
}

static const char ed_pub[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

static const char *key_err(const char *rec)
{
	struct dkim_key key;
	const char *why = NULL;
	if (dkim_key_parse(rec, strlen(rec), &key, &why)) {
		dkim_key_clear(&key);
		return "";
	}
	return why;
}

TEST(dkim_key_records)
{
	struct dkim_key key;
	const char *why = NULL;
	struct buf r = BUF_INIT;
	buf_printf(&r, "v=DKIM1; k=ed25519; t=y:s; h=sha256; s=email:*; p=%s",
	    ed_pub);
	CHECK(dkim_key_parse(r.data, r.len, &key, &why));
	CHECK(key.type == DKIM_KEY_ED25519 && key.testing && key.strict &&
	    key.sha256_ok && !key.sha1_ok && key.pkey != NULL);
	struct buf back = BUF_INIT;
	CHECK(dkim_key_record(key.pkey, &back));
	CHECK(strstr(buf_cstr(&back), ed_pub) != NULL);
	dkim_key_clear(&key);
	CHECK_STR(key_err("v=DKIM1; k=rsa; p="), "key revoked");
	CHECK_STR(key_err("v=DKIM1; k=rsa"), "p= missing");
	CHECK_STR(key_err("k=rsa; v=DKIM1; p=AAAA"), "bad v=");
	CHECK_STR(key_err("v=DKIM2; p=AAAA"), "bad v=");
	CHECK_STR(key_err("k=dsa; p=AAAA"), "unknown key type");
	CHECK_STR(key_err("s=web; p=AAAA"), "key not for email");
	CHECK_STR(key_err("k=rsa; p=AAAA"), "p= is not a usable key");
	CHECK_STR(key_err("k=ed25519; p=AAAA"), "p= is not a usable key");
	CHECK_STR(key_err("k=ed25519; p=!!!!"), "bad p=");
	CHECK_STR(key_err("p=AAAA; p=AAAA"), "duplicate tag");
	const char nul[] = "k=ed25519; p=AA\0A";
	CHECK(!dkim_key_parse(nul, sizeof(nul) - 1, &key, &why));
	buf_set(&r, "k=rsa; p=");
	for (int k = 0; k < 4000; k++)
		buf_addstr(&r, "AAAA");
	CHECK_STR(key_err(r.data), "bad p=");
	buf_free(&r);
	buf_free(&back);
}
