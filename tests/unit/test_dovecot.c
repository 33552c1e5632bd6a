/* Dovecot's Maildir side files (store/dovecot.h), with hostile input. */
#include "t.h"

#include <stdio.h>

#include "common/buf.h"
#include "store/dovecot.h"
#include "store/mailindex.h"

TEST(dovecot_uidlist_v3)
{
	static const char t[] = "3 V1574000000 N9 Gabcdef\n"
	    "1 :1574.M1P2.host,S=10,W=12:2,S\n"
	    "4 W99 :1575.M1P2.host,S=20\n"
	    "3 :out.of.order\n"
	    "junk line\n"
	    "7 :1575.M1P2.host,S=20\n"
	    "8 :a/b\n";
	struct dovecot_uidlist l;
	CHECK(dovecot_uidlist_parse(t, sizeof t - 1, &l));
	CHECK(l.uidvalidity == 1574000000u && l.uidnext == 9);
	CHECK(l.n == 2);
	CHECK(dovecot_uidlist_find(&l, "1574.M1P2.host,S=10,W=12") == 1);
	CHECK(dovecot_uidlist_find(&l, "1575.M1P2.host,S=20") == 4);
	CHECK(dovecot_uidlist_find(&l, "out.of.order") == 0);
	CHECK(dovecot_uidlist_find(&l, "a/b") == 0);
	dovecot_uidlist_free(&l);
}

TEST(dovecot_uidlist_v1_and_bad_headers)
{
	static const char t[] = "1 42 3\n1 a\n2 b:2,S\n5 c";
	struct dovecot_uidlist l;
	CHECK(dovecot_uidlist_parse(t, sizeof t - 1, &l));
	CHECK(l.uidvalidity == 42 && l.uidnext == 6 && l.n == 3);
	CHECK(dovecot_uidlist_find(&l, "b") == 2);
	dovecot_uidlist_free(&l);
	static const char *bad[] = { "", "3\n", "2 V1 N2\n", "3 V0 N1\n",
	    "1 99999999999 1\n", "3 V1\n", "1 1\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(!dovecot_uidlist_parse(bad[i], strlen(bad[i]), &l));
		CHECK(l.n == 0 && l.v == NULL);
	}
	CHECK(!dovecot_uidlist_parse("3 V1\0 N2\n", 9, &l));
	/* The largest UID leaves UIDNEXT at the end of the space. */
	static const char top[] = "3 V1 N2\n4294967295 :x\n";
	CHECK(dovecot_uidlist_parse(top, sizeof top - 1, &l));
	CHECK(l.uidnext == 4294967295u && l.n == 1);
	dovecot_uidlist_free(&l);
}

TEST(dovecot_keywords_and_names)
{
	static const char t[] = "0 $Forwarded\n1 Junk\n1 Again\n26 over\n"
	    "2 bad word\n3 \\Seen\n4 ok(\n25 Last\nx y\n\0 z\n";
	struct dovecot_keywords k;
	dovecot_keywords_parse(t, sizeof t - 1, &k);
	CHECK_STR(k.names[0], "$Forwarded");
	CHECK_STR(k.names[1], "Junk");
	CHECK(k.names[2] == NULL && k.names[3] == NULL && k.names[4] == NULL);
	CHECK_STR(k.names[25], "Last");
	struct buf base = BUF_INIT, kw = BUF_INIT;
	unsigned flags = 0;
	dovecot_name_parse("1574.M1.h,S=5:2,FSazc", &k, &base, &flags, &kw);
	CHECK_STR(buf_cstr(&base), "1574.M1.h,S=5");
	CHECK(flags == (MAILINDEX_FLAGGED | MAILINDEX_SEEN));
	CHECK_STR(buf_cstr(&kw), "$Forwarded Last");
	/* Writing back: letters for new words, known ones kept. */
	struct buf info = BUF_INIT, text = BUF_INIT;
	dovecot_info(MAILINDEX_DRAFT | MAILINDEX_ANSWERED, "junk New", &k, &info);
	CHECK_STR(buf_cstr(&info), "DRbc");
	dovecot_keywords_format(&k, &text);
	CHECK_STR(buf_cstr(&text), "0 $Forwarded\n1 Junk\n2 New\n25 Last\n");
	dovecot_keywords_free(&k);
	buf_free(&base);
	buf_free(&kw);
	buf_free(&info);
	buf_free(&text);
}

TEST(dovecot_keywords_full)
{
	struct dovecot_keywords k = { { NULL } };
	char w[16];
	for (int i = 0; i < 26; i++) {
		snprintf(w, sizeof w, "k%d", i);
		CHECK(dovecot_keywords_letter(&k, w) == i);
	}
	CHECK(dovecot_keywords_letter(&k, "one-more") == -1);
	CHECK(dovecot_keywords_letter(&k, "K3") == 3);
	dovecot_keywords_free(&k);
}

static bool fake_folder(const char *dir, void *arg)
{
	(void)arg;
	return strcmp(dir, ".Archive.2019") == 0;
}

TEST(dovecot_subscriptions_both_versions)
{
	struct buf out = BUF_INIT;
	static const char v1[] = "INBOX\nArchive.2019\nLists.x\nA/B\n\nbad\x01\n";
	dovecot_subscriptions_parse(v1, sizeof v1 - 1, fake_folder, NULL, &out);
	CHECK_STR(buf_cstr(&out), "INBOX\nArchive/2019\nLists.x\nA/B\n");
	buf_reset(&out);
	static const char v2[] = "V\t2\n\nSent\nArchive\t2019\nx\0y\n";
	dovecot_subscriptions_parse(v2, sizeof v2 - 1, fake_folder, NULL, &out);
	CHECK_STR(buf_cstr(&out), "Sent\nArchive/2019\n");
	buf_reset(&out);
	dovecot_subscriptions_parse("", 0, fake_folder, NULL, &out);
	CHECK(out.len == 0);
	buf_free(&out);
}
