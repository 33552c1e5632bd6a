/* The spam classifier: tokenizer, text extraction, GTUBE, combining,
 * the store and the delivery verdict. */
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/config_table.h"
#include "common/xmalloc.h"
#include "filter/bayes.h"
#include "filter/bayes_db.h"
#include "filter/spamverdict.h"

static const unsigned char key1[BAYES_KEY_LEN] = "0123456789abcdef";
static const unsigned char key2[BAYES_KEY_LEN] = "fedcba9876543210";

static size_t ntokens(const unsigned char *key, const char *text, size_t len)
{
	struct bayes_tokens t = { 0 };
	bayes_tokenize(key, text, len, &t);
	size_t n = t.n;
	bayes_tokens_free(&t);
	return n;
}

static bool same_tokens(const char *a, const char *b)
{
	struct bayes_tokens x = { 0 }, y = { 0 };
	bayes_tokenize(key1, a, strlen(a), &x);
	bayes_tokenize(key1, b, strlen(b), &y);
	bool same = x.n == y.n && memcmp(x.v, y.v, x.n * sizeof(*x.v)) == 0;
	bayes_tokens_free(&x);
	bayes_tokens_free(&y);
	return same;
}

TEST(bayes_tokenize_words_and_pairs)
{
	/* "cheap pills": two words and one pair */
	CHECK(ntokens(key1, "cheap pills", 11) == 3);
	/* repeats count once; pairs too */
	CHECK(ntokens(key1, "cheap pills cheap pills", 23) == 4);
	/* one-letter words are dropped and break the pair */
	CHECK(ntokens(key1, "cheap a pills", 13) == 2);
	CHECK(same_tokens("cheap, pills!", "cheap pills"));
	CHECK(!same_tokens("cheap pills", "pills cheap"));
	CHECK(ntokens(key1, "", 0) == 0);
	CHECK(ntokens(key1, " ,;!? ", 6) == 0);
	/* Unicode letters are words; the headers' prefixes stay on */
	CHECK(ntokens(key1, "gr\xc3\xbc\xc3\x9f" "e", 7) == 1);
	CHECK(!same_tokens("s:free", "free"));
	CHECK(same_tokens("s: free", "s free"));
}

TEST(bayes_tokenize_is_keyed)
{
	struct bayes_tokens a = { 0 }, b = { 0 };
	bayes_tokenize(key1, "viagra", 6, &a);
	bayes_tokenize(key2, "viagra", 6, &b);
	CHECK(a.n == 1 && b.n == 1 && a.v[0] != b.v[0]);
	bayes_tokens_free(&a);
	bayes_tokens_free(&b);
}

TEST(bayes_tokenize_hostile)
{
	/* a huge word is skipped, not truncated into a token */
	size_t n = 100000;
	char *s = xmalloc(n);
	memset(s, 'a', n);
	CHECK(ntokens(key1, s, n) == 0);
	/* NUL and bad UTF-8 separate words */
	CHECK(ntokens(key1, "ab\0cd", 5) == 3);
	CHECK(same_tokens("ab\xff" "cd", "ab cd"));
	CHECK(ntokens(key1, "ab\xc3", 3) == 1);     /* cut sequence */
	CHECK(ntokens(key1, "\xe2\x82", 2) == 0);
	/* many distinct words: capped */
	struct buf b = BUF_INIT;
	for (unsigned i = 0; b.len < 2 * BAYES_TEXT_MAX; i++)
		buf_printf(&b, "w%u ", i);
	CHECK(ntokens(key1, b.data, b.len) == BAYES_TOKENS_MAX);
	buf_free(&b);
	free(s);
}

static void text_of(const char *msg, struct buf *out)
{
	buf_reset(out);
	bayes_message_text(msg, strlen(msg), out);
}

TEST(bayes_message_text_parts)
{
	struct buf t = BUF_INIT;
	text_of("From: Big Sale <sale@shop.example>\r\nSubject: =?UTF-8?Q?"
	    "Gro=C3=9Fe_Rabatte?=\r\n\r\nBUY NOW\r\n", &t);
	CHECK(strstr(t.data, "s:grosse s:rabatte") != NULL);   /* folded */
	CHECK(strstr(t.data, "f:big f:sale") != NULL);
	CHECK(strstr(t.data, "f:shop f:example") != NULL);
	CHECK(strstr(t.data, "buy now") != NULL);
	/* base64 text, HTML without tags, images left out */
	text_of("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64"
	    "\r\n\r\naGlkZGVuIHdvcmRz\r\n"
	    "--b\r\nContent-Type: text/html\r\n\r\n<p class=x>rich&nbsp;<b>text</b>"
	    "</p>\r\n--b\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--b--\r\n",
	    &t);
	CHECK(strstr(t.data, "hidden words") != NULL);
	CHECK(strstr(t.data, "rich") != NULL && strstr(t.data, "text") != NULL);
	CHECK(strstr(t.data, "class") == NULL && strstr(t.data, "nbsp") == NULL);
	CHECK(strstr(t.data, "pngdata") == NULL);
	/* styles and scripts are not text */
	text_of("Content-Type: text/html\r\n\r\n<STYLE>p{color:red}</style>"
	    "seen<script type=x>var hidden;</SCRIPT>shown<stylex>kept"
	    "<script>cut off", &t);
	CHECK(strstr(t.data, "seen") && strstr(t.data, "shown") &&
	    strstr(t.data, "kept"));
	CHECK(!strstr(t.data, "color") && !strstr(t.data, "hidden") &&
	    !strstr(t.data, "cut"));
	buf_free(&t);
}

TEST(bayes_message_text_hostile)
{
	struct buf m = BUF_INIT, t = BUF_INIT;
	/* deep nesting */
	for (int i = 0; i < 5000; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n"
		    "--b%d\r\n", i, i);
	buf_addstr(&m, "Content-Type: text/plain\r\n\r\ndeep text\r\n");
	bayes_message_text(m.data, m.len, &t);
	CHECK(t.len <= BAYES_TEXT_MAX);
	/* a huge text part is cut, NUL bytes and bad UTF-8 survive */
	buf_reset(&m);
	buf_addstr(&m, "Subject: \xff\xfe\0x\r\n\r\n");
	for (size_t i = 0; i < 3 * BAYES_TEXT_MAX; i += 8)
		buf_add(&m, "ab\0\xc3 cd ", 8);
	buf_reset(&t);
	bayes_message_text(m.data, m.len, &t);
	CHECK(t.len > 0 && t.len <= BAYES_TEXT_MAX + 64);
	/* not a message at all */
	buf_reset(&t);
	bayes_message_text("", 0, &t);
	CHECK(t.len <= 1);
	buf_free(&m);
	buf_free(&t);
}

static bool has_gtube(const char *msg)
{
	struct buf t = BUF_INIT;
	bayes_message_text(msg, strlen(msg), &t);
	bool found = bayes_text_has_gtube(buf_cstr(&t), t.len);
	buf_free(&t);
	return found;
}

TEST(bayes_gtube)
{
	const char *plain = "Subject: test\r\n\r\nhello " BAYES_GTUBE "\r\n";
	CHECK(has_gtube(plain));
	const char *b64 = "Content-Transfer-Encoding: base64\r\n\r\n"
	    "WEpTKkM0SkRCUUFETjEuTlNCTjMqMklETkVOKkdUVUJFLVNUQU5EQVJELUFOVEktVUJFLVRF"
	    "U1QtRU1BSUwqQy4zNFg=\r\n";
	CHECK(has_gtube(b64));
	const char *subject = "Subject: " BAYES_GTUBE "\r\n\r\nclean body\r\n";
	CHECK(!has_gtube(subject));
	const char *cut = "\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD\r\n";
	CHECK(!has_gtube(cut));
}

TEST(bayes_probability_combines)
{
	struct bayes_count spammy[20], hammy[20], mixed[40], unknown[5] = { 0 };
	double p = 0;
	for (int i = 0; i < 20; i++) {
		spammy[i] = (struct bayes_count){ 15, 0 };
		hammy[i] = (struct bayes_count){ 0, 15 };
		mixed[i] = spammy[i];
		mixed[20 + i] = hammy[i];
	}
	CHECK(!bayes_probability(9, 50, spammy, 20, &p));    /* too few */
	CHECK(bayes_probability(20, 20, spammy, 20, &p) && p > 0.99);
	CHECK(bayes_probability(20, 20, hammy, 20, &p) && p < 0.01);
	CHECK(bayes_probability(20, 20, mixed, 40, &p) && p > 0.4 && p < 0.6);
	CHECK(!bayes_probability(20, 20, unknown, 5, &p));
	CHECK(!bayes_probability(20, 20, NULL, 0, &p));
	/* counts above the totals (a damaged store) stay in range */
	struct bayes_count odd = { UINT32_MAX, 1 };
	CHECK(bayes_probability(10, 10, &odd, 1, &p) && p >= 0 && p <= 1);
	CHECK(bayes_points(1.0) == BAYES_SPAM_POINTS);
	CHECK(bayes_points(0.0) == -BAYES_HAM_POINTS);
	CHECK(bayes_points(0.5) == 0);
	CHECK(bayes_points(0.75) == BAYES_SPAM_POINTS / 2);
}

static void verdict_header(int32_t score, bool spam, const char *want)
{
	struct spam_verdict v = { .score = score, .spam = spam };
	struct buf b = BUF_INIT;
	spam_verdict_headers(&v, &b);
	CHECK_STR(b.data, want);
	buf_free(&b);
}

TEST(spam_verdict_header_format)
{
	verdict_header(5000, true, "X-Spam-Score: 5.0\r\nX-Spam: Yes\r\n");
	verdict_header(-1250, false, "X-Spam-Score: -1.3\r\nX-Spam: No\r\n");
	verdict_header(49, false, "X-Spam-Score: 0.0\r\nX-Spam: No\r\n");
	verdict_header(1002345, true, "X-Spam-Score: 1002.3\r\nX-Spam: Yes\r\n");
}

TEST(config_score_values)
{
	long long v = 0;
	CHECK(config_parse_score("5.0", &v) && v == 5000);
	CHECK(config_parse_score("-1.25", &v) && v == -1250);
	CHECK(config_parse_score("+7", &v) && v == 7000);
	CHECK(config_parse_score("0.001", &v) && v == 1);
	CHECK(!config_parse_score("1.0001", &v));
	CHECK(!config_parse_score("", &v) && !config_parse_score("-", &v));
	CHECK(!config_parse_score(".5", &v) && !config_parse_score("1..2", &v));
	CHECK(!config_parse_score("1e3", &v) && !config_parse_score("5 ", &v));
	CHECK(!config_parse_score("99999999999999999999", &v));
}

/* A message of one vocabulary with a distinct Message-ID. */
static void sample(struct buf *m, bool spam, int i)
{
	static const char *sw[] = { "lottery", "winner", "casino", "bonus",
	    "pharmacy", "discount", "bitcoin", "jackpot" };
	static const char *hw[] = { "meeting", "agenda", "quarterly", "report",
	    "garden", "recipe", "invoice", "schedule" };
	const char **w = spam ? sw : hw;
	buf_reset(m);
	buf_printf(m, "Message-ID: <%s%d@example.test>\r\nSubject: %s %s\r\n\r\n",
	    spam ? "s" : "h", i, w[i % 8], w[(i + 3) % 8]);
	for (int k = 0; k < 8; k++)
		buf_printf(m, "%s ", w[(i + k) % 8]);
	buf_printf(m, "unique%d\r\n", i);
}

static void train(const char *db, bool spam, int i, enum bayes_learn *r)
{
	struct buf m = BUF_INIT, err = BUF_INIT;
	sample(&m, spam, i);
	CHECK(spam_train(db, m.data, m.len, spam, r, &err));
	if (err.len)
		fprintf(stderr, "%s\n", err.data);
	buf_free(&m);
	buf_free(&err);
}

static struct spam_verdict judge(const char *db, const char *msg)
{
	struct spam_verdict v;
	struct buf err = BUF_INIT;
	struct spam_input in = { .msg = msg, .len = strlen(msg), .db_path = db,
	    .junk_score = 5000 };
	spam_verdict_compute(&in, &v, &err);
	buf_free(&err);
	return v;
}

TEST(spam_train_and_classify)
{
	struct buf db = BUF_INIT, err = BUF_INIT;
	enum bayes_learn r;
	bool missing = false;
	buf_printf(&db, "%s/" BAYES_DB_FILE, t_tmpdir());
	CHECK(bayes_db_open(db.data, false, &missing, &err) == NULL && missing);
	const char *spam = "Subject: jackpot winner\r\n\r\ncasino bonus lottery\r\n";
	const char *ham = "Subject: quarterly agenda\r\n\r\nmeeting report\r\n";
	struct spam_verdict v = judge(db.data, spam);
	CHECK(!v.classified && !v.spam && v.score == 0);
	for (int i = 0; i < 12; i++) {
		train(db.data, true, i, &r);
		CHECK(r == BAYES_LEARNT);
		train(db.data, false, i, &r);
	}
	v = judge(db.data, spam);
	CHECK(v.classified && v.prob > 0.9 && v.spam && v.score >= 5000);
	v = judge(db.data, ham);
	CHECK(v.classified && v.prob < 0.1 && !v.spam && v.score < 0);
	/* the same message again, then as the other class */
	train(db.data, true, 0, &r);
	CHECK(r == BAYES_ALREADY);
	train(db.data, false, 0, &r);   /* ham 0 is another message */
	CHECK(r == BAYES_ALREADY);
	struct buf m = BUF_INIT;
	sample(&m, true, 1);
	CHECK(spam_train(db.data, m.data, m.len, false, &r, &err) &&
	    r == BAYES_RELEARNT);
	struct bayes_db *h = bayes_db_open(db.data, false, &missing, &err);
	uint32_t ns = 0, nh = 0;
	CHECK(h != NULL && bayes_db_totals(h, &ns, &nh, &err) && ns == 11 &&
	    nh == 13);
	bayes_db_close(h);
	/* GTUBE and the envelope's verdict */
	v = judge(db.data, "\r\n" BAYES_GTUBE "\r\n");
	CHECK(v.gtube && v.spam && v.score >= SPAM_GTUBE_POINTS - 3000);
	struct spam_input in = { .msg = ham, .len = strlen(ham), .env_junk = true,
	    .junk_score = 5000 };
	spam_verdict_compute(&in, &v, &err);
	CHECK(v.spam && !v.classified);
	buf_free(&m);
	buf_free(&db);
	buf_free(&err);
}

/* Learns a message of `shared` words common to all and `own` words of
 * its own into a fresh handle limited to max token rows. */
static void learn_limited(const char *path, int i, uint64_t max)
{
	struct buf m = BUF_INIT, err = BUF_INIT;
	bool missing;
	enum bayes_learn r;
	buf_printf(&m, "Message-ID: <%d@x>\r\n\r\n", i);
	for (int k = 0; k < 50; k++)
		buf_printf(&m, "common%d ", k);
	for (int k = 0; k < 300; k++)
		buf_printf(&m, "\nown%dx%d", i, k);
	struct bayes_db *db = bayes_db_open(path, true, &missing, &err);
	CHECK(db != NULL);
	bayes_db_set_max_tokens(db, max);
	CHECK(spam_train_db(db, m.data, m.len, true, &r, &err));
	bayes_db_close(db);
	buf_free(&m);
	buf_free(&err);
}

TEST(spam_store_is_pruned)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	bool missing;
	buf_printf(&path, "%s/prune.sqlite", t_tmpdir());
	learn_limited(path.data, 1, 1000);
	learn_limited(path.data, 2, 1000);
	learn_limited(path.data, 3, 200);
	struct bayes_db *db = bayes_db_open(path.data, false, &missing, &err);
	struct bayes_tokens t = { 0 };
	struct bayes_count c[2];
	/* two single words, so the order is known */
	bayes_tokenize(bayes_db_key(db), "common7", 7, &t);
	bayes_tokenize(bayes_db_key(db), "own3x5", 6, &t);
	CHECK(t.n == 2);
	/* only the words seen three times are left */
	CHECK(bayes_db_lookup(db, &t, c, &err));
	CHECK(c[0].spam == 3 && c[1].spam == 0);
	bayes_tokens_free(&t);
	bayes_db_close(db);
	buf_free(&path);
	buf_free(&err);
}

TEST(spam_store_refuses_foreign_files)
{
	struct buf db = BUF_INIT, err = BUF_INIT;
	bool missing;
	buf_printf(&db, "%s/not-a-db", t_tmpdir());
	FILE *f = fopen(db.data, "w");
	fputs("hello, this is no database", f);
	fclose(f);
	CHECK(bayes_db_open(db.data, true, &missing, &err) == NULL && err.len > 0);
	/* a store of another version is left alone */
	buf_reset(&db);
	buf_reset(&err);
	buf_printf(&db, "%s/future.sqlite", t_tmpdir());
	sqlite3 *h = NULL;
	CHECK(sqlite3_open(db.data, &h) == SQLITE_OK &&
	    sqlite3_exec(h, "PRAGMA user_version = 7", NULL, NULL, NULL) ==
	    SQLITE_OK);
	CHECK(bayes_db_open(db.data, true, &missing, &err) == NULL &&
	    strstr(buf_cstr(&err), "version") != NULL);
	sqlite3_stmt *st = NULL;
	CHECK(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) == 7);
	sqlite3_finalize(st);
	sqlite3_close(h);
	buf_free(&db);
	buf_free(&err);
}

TEST(spam_db_path_beside_maildir)
{
	struct buf b = BUF_INIT;
	spam_db_path("/var/lib/x/mail/d/u/Maildir", &b);
	CHECK_STR(b.data, "/var/lib/x/mail/d/u/spam.sqlite");
	buf_free(&b);
}
