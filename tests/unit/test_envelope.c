#include "t.h"

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "smtp/envelope.h"
#include "smtp/queue_id.h"
#include "smtp/queue_sched.h"

/* An envelope with hostile but legal contents. */
static void hostile_envelope(struct envelope *e, size_t nrcpts)
{
	envelope_init(e);
	queue_id_new(1700000000, e->id);
	e->arrival = 1700000000;
	e->size = UINT64_MAX;
	envelope_set(&e->sender, "");                  /* null sender */
	envelope_set(&e->helo, "[IPv6:::1]");
	envelope_set(&e->client, "2001:db8::1");
	envelope_set(&e->auth_user, "");
	envelope_set(&e->tls, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	e->flags = ENV_F_8BITMIME | ENV_F_SMTPUTF8;
	for (size_t i = 0; i < nrcpts; i++) {
		char orig[64], dest[64];
		snprintf(orig, sizeof orig, "j\xc3\xbcrgen+%zu@b\xc3\xbc\x63her.example", i);
		snprintf(dest, sizeof dest, "user%zu@example.test", i);
		struct rcpt *r = envelope_add_rcpt(e, orig, dest,
		    i % 2 ? "Lists/\xe2\x9c\x89" : "", i % 2 ? RCPT_LOCAL : RCPT_REMOTE);
		if (i % 2 == 0)
			envelope_set(&r->folder, "");
		r->state = (enum rcpt_state)(i % 4);
		r->attempts = (uint32_t)i;
		r->next_attempt = UINT64_MAX - i;
		envelope_set(&r->error, i % 3 ? "" : "451 4.7.1 greylisted \"try later\"");
	}
}

TEST(envelope_roundtrip_hostile_strings)
{
	struct envelope e, d;
	struct buf enc = BUF_INIT, err = BUF_INIT;
	hostile_envelope(&e, 100);
	CHECK(envelope_encode(&e, &enc, &err));
	CHECK(envelope_decode((unsigned char *)enc.data, enc.len, &d, &err));
	CHECK(envelope_equal(&e, &d));
	CHECK_STR(d.sender, "");
	envelope_free(&d);

	/* Strings at the maximum length survive; one more byte is refused. */
	char *big = malloc(ENVELOPE_MAX_STR + 2);
	memset(big, 'a', ENVELOPE_MAX_STR);
	big[ENVELOPE_MAX_STR] = '\0';
	envelope_set(&e.sender, big);
	envelope_set(&e.rcpts[5].error, big);
	buf_reset(&enc);
	CHECK(envelope_encode(&e, &enc, &err));
	CHECK(envelope_decode((unsigned char *)enc.data, enc.len, &d, &err));
	CHECK(envelope_equal(&e, &d));
	envelope_free(&d);
	big[ENVELOPE_MAX_STR] = 'a';
	big[ENVELOPE_MAX_STR + 1] = '\0';
	envelope_set(&e.helo, big);
	buf_reset(&enc);
	buf_reset(&err);
	CHECK(!envelope_encode(&e, &enc, &err));
	CHECK(enc.len == 0);
	CHECK(strstr(buf_cstr(&err), "HELO") != NULL);
	free(big);
	envelope_free(&e);
	buf_free(&enc);
	buf_free(&err);
}

TEST(envelope_copy_is_deep)
{
	struct envelope e, c;
	hostile_envelope(&e, 3);
	envelope_copy(&c, &e);
	CHECK(envelope_equal(&e, &c));
	envelope_set(&e.rcpts[0].dest, "changed@example.test");
	CHECK_STR(c.rcpts[0].dest, "user0@example.test");
	envelope_free(&e);
	envelope_free(&c);
}

TEST(envelope_equal_sees_each_difference)
{
	struct envelope e, c;
	hostile_envelope(&e, 3);
	envelope_copy(&c, &e);
	CHECK(envelope_equal(&e, &c));
	c.rcpts[2].next_attempt--;
	CHECK(!envelope_equal(&e, &c));
	c.rcpts[2].next_attempt++;
	envelope_set(&c.rcpts[1].folder, "INBOX");
	CHECK(!envelope_equal(&e, &c));
	envelope_set(&c.rcpts[1].folder, e.rcpts[1].folder);
	envelope_set(&c.tls, "");
	CHECK(!envelope_equal(&e, &c));
	envelope_set(&c.tls, e.tls);
	c.flags ^= ENV_F_SUBMISSION;
	CHECK(!envelope_equal(&e, &c));
	c.flags = e.flags;
	c.nrcpts--;
	CHECK(!envelope_equal(&e, &c));
	c.nrcpts++;
	CHECK(envelope_equal(&e, &c));
	envelope_free(&e);
	envelope_free(&c);
}

/* Encoding that envelope_check refuses, one defect at a time. */
TEST(envelope_check_refuses_bad_fields)
{
	struct envelope e;
	struct buf enc = BUF_INIT, err = BUF_INIT;
	const char *bad_text[] = { "a\r\nRCPT TO:<x>", "tab\there", "del\x7f", "\x1b[31m" };
	for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
		hostile_envelope(&e, 2);
		envelope_set(&e.rcpts[1].orig, bad_text[i]);
		CHECK(!envelope_encode(&e, &enc, &err));
		envelope_free(&e);
	}
	hostile_envelope(&e, 2);
	e.rcpts[0].kind = (enum rcpt_kind)9;
	CHECK(!envelope_check(&e, &err));
	e.rcpts[0].kind = RCPT_REMOTE;
	e.rcpts[0].state = (enum rcpt_state)4;
	CHECK(!envelope_check(&e, &err));
	e.rcpts[0].state = RCPT_PENDING;
	envelope_set(&e.rcpts[0].folder, "INBOX");   /* remote with a folder */
	CHECK(!envelope_check(&e, &err));
	envelope_set(&e.rcpts[0].folder, "");
	envelope_set(&e.rcpts[0].dest, "");
	CHECK(!envelope_check(&e, &err));
	envelope_set(&e.rcpts[0].dest, "x@example.test");
	e.flags = 0x100;
	CHECK(!envelope_check(&e, &err));
	e.flags = 0;
	CHECK(envelope_check(&e, &err));
	memcpy(e.id, "../../etc/passwd\0", 17);
	CHECK(!envelope_check(&e, &err));
	envelope_free(&e);
	hostile_envelope(&e, 0);
	CHECK(!envelope_check(&e, &err));
	envelope_free(&e);
	CHECK(enc.len == 0);
	buf_free(&enc);
	buf_free(&err);
}

/* n recipients, each with an error text of the greatest length. */
static void long_errors_envelope(struct envelope *e, size_t n)
{
	char *big = malloc(ENVELOPE_MAX_STR + 1);
	memset(big, 'e', ENVELOPE_MAX_STR);
	big[ENVELOPE_MAX_STR] = '\0';
	hostile_envelope(e, n);
	for (size_t i = 0; i < n; i++)
		envelope_set(&e->rcpts[i].error, big);
	free(big);
}

/* Legal fields can add up to more than the decoder reads (10000
 * recipients with 4 KB errors each): the encoder must refuse that rather
 * than write a file that can never be read back. */
TEST(envelope_encode_refuses_what_decode_would)
{
	const size_t over = ENVELOPE_MAX_FILE / ENVELOPE_MAX_STR + 1;
	struct envelope e, d;
	struct buf enc = BUF_INIT, err = BUF_INIT;
	long_errors_envelope(&e, over);
	buf_addstr(&enc, "kept");
	CHECK(!envelope_encode(&e, &enc, &err));
	CHECK_STR(buf_cstr(&enc), "kept");
	CHECK(strstr(buf_cstr(&err), "bytes encoded") != NULL);
	envelope_free(&e);
	/* 100 fewer fit, and read back. */
	long_errors_envelope(&e, over - 100);
	buf_reset(&enc);
	CHECK(envelope_encode(&e, &enc, &err));
	CHECK(enc.len > ENVELOPE_MAX_FILE - 100 * (ENVELOPE_MAX_STR + 100));
	CHECK(envelope_decode((unsigned char *)enc.data, enc.len, &d, &err));
	CHECK(envelope_equal(&e, &d));
	envelope_free(&d);
	envelope_free(&e);
	buf_free(&enc);
	buf_free(&err);
}

TEST(envelope_decode_detects_truncation_and_bit_flips)
{
	struct envelope e, d;
	struct buf enc = BUF_INIT, err = BUF_INIT;
	hostile_envelope(&e, 4);
	CHECK(envelope_encode(&e, &enc, &err));
	unsigned char *p = (unsigned char *)enc.data;
	int accepted = 0;
	for (size_t n = 0; n < enc.len; n++) {
		if (envelope_decode(p, n, &d, &err))
			accepted++;
		envelope_free(&d);
	}
	CHECK(accepted == 0);
	for (size_t i = 0; i < enc.len * 8; i += 3) {
		p[i / 8] ^= (unsigned char)(1u << (i % 8));
		if (envelope_decode(p, enc.len, &d, &err))
			accepted++;
		envelope_free(&d);
		p[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	CHECK(accepted == 0);
	/* Trailing garbage is damage too. */
	buf_add(&enc, "x", 1);
	CHECK(!envelope_decode((unsigned char *)enc.data, enc.len, &d, &err));
	envelope_free(&d);
	envelope_free(&e);
	buf_free(&enc);
	buf_free(&err);
}

/* A well-checksummed body that lies about its contents. */
static bool decode_forged(const void *body, size_t len)
{
	struct buf f = BUF_INIT, err = BUF_INIT;
	buf_add(&f, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN);
	buf_add(&f, body, len);
	unsigned char sum[ENVELOPE_SUM_LEN];
	crypto_generichash(sum, sizeof sum, (unsigned char *)f.data, f.len, NULL, 0);
	buf_add(&f, sum, sizeof sum);
	struct envelope d;
	bool ok = envelope_decode((unsigned char *)f.data, f.len, &d, &err);
	CHECK(ok || err.len > 0);
	envelope_free(&d);
	buf_free(&f);
	buf_free(&err);
	return ok;
}

TEST(envelope_decode_refuses_forged_fields)
{
	struct envelope e;
	struct buf enc = BUF_INIT, err = BUF_INIT;
	hostile_envelope(&e, 1);
	CHECK(envelope_encode(&e, &enc, &err));
	size_t body = enc.len - ENVELOPE_MAGIC_LEN - ENVELOPE_SUM_LEN;
	unsigned char *b = (unsigned char *)enc.data + ENVELOPE_MAGIC_LEN;
	CHECK(decode_forged(b, body));          /* the control case */
	b[0] = 3;                               /* a future version */
	CHECK(!decode_forged(b, body));
	b[0] = 2;
	/* Huge recipient count: offset of nrcpts is just before the recipient. */
	size_t rcpt_len = 5 + strlen(e.rcpts[0].orig) + 5 + strlen(e.rcpts[0].dest) +
	    5 + 1 + 1 + 4 + 8 + 5 + strlen(e.rcpts[0].error);
	unsigned char *nr = b + body - rcpt_len - 4;
	CHECK(nr[0] == 1 && nr[1] == 0);
	nr[0] = 0xff; nr[1] = 0xff; nr[2] = 0xff; nr[3] = 0xff;
	CHECK(!decode_forged(b, body));
	nr[0] = 0; nr[3] = 0; nr[1] = 0; nr[2] = 0;
	CHECK(!decode_forged(b, body));         /* zero recipients */
	nr[0] = 1;
	b[body - rcpt_len + 4 + 2] = '\n';
	CHECK(!decode_forged(b, body));         /* CR/LF smuggled in */
	envelope_free(&e);
	buf_free(&enc);
	buf_free(&err);
}

TEST(rcpt_set_error_sanitises_and_cuts)
{
	struct envelope e;
	hostile_envelope(&e, 1);
	struct rcpt *r = &e.rcpts[0];
	rcpt_set_error(r, "550 5.1.1\r\nX-Injected: yes\tend");
	CHECK_STR(r->error, "550 5.1.1  X-Injected: yes end");
	/* Longer than the limit and with a 2-byte character across the cut. */
	char *big = malloc(ENVELOPE_MAX_STR + 10);
	memset(big, 'a', ENVELOPE_MAX_STR + 9);
	big[ENVELOPE_MAX_STR - 1] = '\xc3';
	big[ENVELOPE_MAX_STR] = '\xa9';
	big[ENVELOPE_MAX_STR + 9] = '\0';
	rcpt_set_error(r, big);
	CHECK(strlen(r->error) == ENVELOPE_MAX_STR - 1);
	struct buf err = BUF_INIT;
	CHECK(envelope_check(&e, &err));
	free(big);
	buf_free(&err);
	envelope_free(&e);
}

TEST(queue_id_format_and_validation)
{
	char a[QUEUE_ID_SIZE], b[QUEUE_ID_SIZE];
	queue_id_new(1700000000, a);
	queue_id_new(1700000001, b);
	CHECK(queue_id_valid(a));
	CHECK(queue_id_valid(b));
	CHECK(strlen(a) == QUEUE_ID_LEN);
	CHECK(strcmp(a, b) < 0);
	CHECK(queue_id_time(a) == 1700000000);
	const char *bad[] = { "", "../x", "0123456789abcdef012", "0123456789abcdef01234",
	    "0123456789ABCDEF0123", "0123456789abcdef012/", "0123456789abcdef012.",
	    "..", "0123456789abcdef 123" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!queue_id_valid(bad[i]));
	CHECK(!queue_id_valid(NULL));
	CHECK(queue_id_valid("0123456789abcdef0123"));
}

TEST(queue_sched_intervals_and_lifetime)
{
	struct queue_policy p = QUEUE_POLICY_DEFAULT;
	CHECK(queue_retry_interval(&p, 1) == 300);
	CHECK(queue_retry_interval(&p, 2) == 600);
	CHECK(queue_retry_interval(&p, 3) == 1200);
	CHECK(queue_retry_interval(&p, 6) == 9600);
	CHECK(queue_retry_interval(&p, 7) == 14400);
	CHECK(queue_retry_interval(&p, UINT32_MAX) == 14400);
	uint64_t t0 = 1700000000;
	CHECK(!queue_expired(&p, t0, t0 + 5 * 86400 - 1));
	CHECK(queue_expired(&p, t0, t0 + 5 * 86400));
	CHECK(!queue_expired(&p, t0, t0 - 100));        /* clock went back */
	CHECK(!queue_delay_notice_due(&p, t0, 0, t0 + 4 * 3600 - 1));
	CHECK(queue_delay_notice_due(&p, t0, 0, t0 + 4 * 3600));
	CHECK(!queue_delay_notice_due(&p, t0, ENV_F_DELAY_SENT, t0 + 4 * 3600));
	CHECK(!queue_delay_notice_due(&p, t0, 0, t0 + 6 * 86400));
	p.delay_notice = 0;      /* delay_notice_after = 0: never */
	CHECK(!queue_delay_notice_due(&p, t0, 0, t0 + 4 * 3600));
	p = QUEUE_POLICY_DEFAULT;
	CHECK(queue_next_attempt(&p, 1, t0, t0 + 10) == t0 + 310);
	/* Near the end of the lifetime the last try is at the end. */
	uint64_t late = t0 + 5 * 86400 - 60;
	CHECK(queue_next_attempt(&p, 30, t0, late) == t0 + 5 * 86400);
}

TEST(queue_sched_records_results)
{
	struct queue_policy p = QUEUE_POLICY_DEFAULT;
	struct envelope e;
	hostile_envelope(&e, 2);
	uint64_t t0 = e.arrival;
	e.rcpts[0].state = RCPT_PENDING;
	e.rcpts[0].attempts = 0;
	e.rcpts[1].state = RCPT_PENDING;
	e.rcpts[1].attempts = 0;
	CHECK(!queue_rcpt_deferred(&p, &e.rcpts[0], t0, t0 + 1, "421 busy\r\n"));
	CHECK(e.rcpts[0].state == RCPT_DEFERRED && e.rcpts[0].attempts == 1);
	CHECK(e.rcpts[0].next_attempt == t0 + 301);
	CHECK_STR(e.rcpts[0].error, "421 busy  ");
	CHECK(!envelope_all_final(&e));
	e.rcpts[1].next_attempt = t0 + 50;
	CHECK(queue_envelope_due(&e) == t0 + 50);
	queue_rcpt_delivered(&e.rcpts[1]);
	CHECK(queue_envelope_due(&e) == t0 + 301);
	CHECK(queue_rcpt_deferred(&p, &e.rcpts[0], t0, t0 + 5 * 86400, "421 busy"));
	CHECK(e.rcpts[0].state == RCPT_FAILED);
	CHECK(strstr(e.rcpts[0].error, "gave up after 2 attempts: 421 busy") != NULL);
	CHECK(envelope_all_final(&e));
	CHECK(queue_envelope_due(&e) == UINT64_MAX);
	queue_rcpt_failed(&e.rcpts[1], "550 5.1.1 no such user");
	CHECK_STR(rcpt_state_name(e.rcpts[1].state), "failed");
	CHECK_STR(rcpt_kind_name(RCPT_LOCAL), "local");
	envelope_free(&e);
}

/* A version 1 file (no added headers, no score) still decodes. */
TEST(envelope_decodes_version_1)
{
	struct envelope e, d;
	struct buf enc = BUF_INIT, err = BUF_INIT, v1 = BUF_INIT;
	hostile_envelope(&e, 1);
	CHECK(envelope_encode(&e, &enc, &err));
	size_t body = enc.len - ENVELOPE_MAGIC_LEN - ENVELOPE_SUM_LEN;
	const unsigned char *b = (unsigned char *)enc.data + ENVELOPE_MAGIC_LEN;
	size_t rcpt_len = 5 + strlen(e.rcpts[0].orig) + 5 + strlen(e.rcpts[0].dest) +
	    5 + 1 + 1 + 4 + 8 + 5 + strlen(e.rcpts[0].error);
	size_t cut = body - rcpt_len - 4 - 4 - 5;   /* "" headers, u32 score */
	buf_add(&v1, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN);
	buf_add(&v1, "\1\0\0\0", 4);
	buf_add(&v1, b + 4, cut - 4);
	buf_add(&v1, b + cut + 9, body - cut - 9);
	unsigned char sum[ENVELOPE_SUM_LEN];
	crypto_generichash(sum, sizeof sum, (unsigned char *)v1.data, v1.len, NULL, 0);
	buf_add(&v1, sum, sizeof sum);
	CHECK(envelope_decode((unsigned char *)v1.data, v1.len, &d, &err));
	CHECK(envelope_equal(&e, &d));
	envelope_free(&d);
	envelope_free(&e);
	buf_free(&enc);
	buf_free(&err);
	buf_free(&v1);
}

TEST(envelope_added_headers_and_score)
{
	struct envelope e, d;
	struct buf enc = BUF_INIT, err = BUF_INIT;
	hostile_envelope(&e, 2);
	envelope_set(&e.added_headers, "Authentication-Results: mx.test;\r\n"
	    "\tspf=pass smtp.mailfrom=a.test\r\nX-Spam-Score: -1.5\r\n");
	e.spam_score = -1500;
	e.flags |= ENV_F_JUNK;
	CHECK(envelope_encode(&e, &enc, &err));
	CHECK(envelope_decode((unsigned char *)enc.data, enc.len, &d, &err));
	CHECK(envelope_equal(&e, &d));
	CHECK(d.spam_score == -1500);
	envelope_free(&d);
	static const char *const bad[] = {
		"X: no line end", " X: starts folded\r\n", "X: bare\nY: lf\r\n",
		"X: bare cr\rY\r\n", "X: a\r\n\r\n", "X: nul\x01\r\n",
		"X: del\x7f\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		envelope_set(&e.added_headers, bad[i]);
		buf_reset(&enc);
		buf_reset(&err);
		CHECK(!envelope_encode(&e, &enc, &err));
		CHECK(err.len > 0);
	}
	char *big = malloc(ENVELOPE_MAX_HEADERS + 8);
	memset(big, 'a', ENVELOPE_MAX_HEADERS + 6);
	memcpy(big, "X: ", 3);
	memcpy(big + ENVELOPE_MAX_HEADERS - 2, "\r\n", 3);
	envelope_set(&e.added_headers, big);
	buf_reset(&enc);
	CHECK(envelope_encode(&e, &enc, &err));
	memcpy(big + ENVELOPE_MAX_HEADERS - 2, "aa\r\n", 5);
	envelope_set(&e.added_headers, big);
	buf_reset(&enc);
	CHECK(!envelope_encode(&e, &enc, &err));
	free(big);
	envelope_free(&e);
	buf_free(&enc);
	buf_free(&err);
}
