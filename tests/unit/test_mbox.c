/* The mbox splitter (mail/mbox.h), with hostile input. */
#include "t.h"

#include <stdlib.h>

#include "common/buf.h"
#include "mail/mbox.h"

struct got {
	struct buf msgs[8];
	struct buf from[8];
	size_t n;
	bool open;
	size_t ends;
};

static void on_begin(void *arg, const char *line, size_t n)
{
	struct got *g = arg;
	if (g->n < 8) {
		buf_init(&g->msgs[g->n]);
		buf_init(&g->from[g->n]);
		buf_add(&g->from[g->n], line, n);
		buf_cstr(&g->from[g->n]);
	}
	g->n++;
	g->open = true;
}

static void on_data(void *arg, const void *p, size_t n)
{
	struct got *g = arg;
	if (g->n > 0 && g->n <= 8)
		buf_add(&g->msgs[g->n - 1], p, n);
}

static void on_end(void *arg)
{
	struct got *g = arg;
	g->open = false;
	g->ends++;
}

static const struct mbox_cb cb = { on_begin, on_data, on_end };

/* Splits text fed in pieces of step bytes. */
static bool split(const char *text, size_t len, size_t step, struct got *g)
{
	struct mbox m;
	memset(g, 0, sizeof *g);
	mbox_init(&m, &cb, g);
	bool ok = true;
	for (size_t i = 0; i < len && ok; i += step)
		ok = mbox_feed(&m, text + i, len - i < step ? len - i : step);
	ok = ok && mbox_finish(&m);
	mbox_free(&m);
	return ok;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n && i < 8; i++) {
		buf_free(&g->msgs[i]);
		buf_free(&g->from[i]);
	}
}

static const char two[] =
	"From alice@example.org Tue Nov 23 18:30:00 2026\n"
	"Subject: one\n\nbody\n>From here\n>>From there\n>Fro\n\n"
	"From bob@example.org Wed Nov 24 01:02:03 2026\n"
	"Subject: two\n\nBody.\nFrom inside, not after an empty line\n";

TEST(mbox_splits_and_unquotes_in_any_piece_size)
{
	for (size_t step = 1; step <= sizeof two; step++) {
		struct got g;
		bool ok = split(two, sizeof two - 1, step, &g);
		if (!CHECK(ok && g.n == 2 && g.ends == 2)) {
			got_free(&g);
			return;
		}
		CHECK_STR(buf_cstr(&g.msgs[0]),
		    "Subject: one\n\nbody\nFrom here\n>From there\n>Fro\n");
		CHECK_STR(buf_cstr(&g.from[1]),
		    "From bob@example.org Wed Nov 24 01:02:03 2026");
		got_free(&g);
	}
}

TEST(mbox_from_after_blank_line_splits_only_there)
{
	static const char t[] = "From a Mon Jan  5 00:00:00 2026\nA: b\n"
	    "From x is just text\n\nFrom b Mon Jan  5 00:00:01 2026\r\n\r\nz";
	struct got g;
	CHECK(split(t, sizeof t - 1, 7, &g));
	CHECK(g.n == 2);
	CHECK_STR(buf_cstr(&g.msgs[0]), "A: b\nFrom x is just text\n");
	CHECK_STR(buf_cstr(&g.msgs[1]), "\r\nz");
	CHECK_STR(buf_cstr(&g.from[1]), "From b Mon Jan  5 00:00:01 2026");
	got_free(&g);
}

TEST(mbox_crlf_blank_lines_before_from)
{
	static const char t[] = "From a\r\nX: 1\r\n\r\n\r\nFrom b\r\nY: 2\r\n";
	struct got g;
	CHECK(split(t, sizeof t - 1, 3, &g));
	CHECK(g.n == 2);
	/* Only the one empty line right before From_ is the separator. */
	CHECK_STR(buf_cstr(&g.msgs[0]), "X: 1\r\n\r\n");
	CHECK_STR(buf_cstr(&g.msgs[1]), "Y: 2\r\n");
	got_free(&g);
}

TEST(mbox_refuses_non_mbox)
{
	struct got g;
	CHECK(!split("Subject: x\n\nbody\n", 17, 4, &g));
	CHECK(g.n == 0);
	CHECK(split("\n\n", 2, 1, &g));      /* empty: no messages */
	CHECK(g.n == 0);
	CHECK(split("", 0, 1, &g));
	CHECK(g.n == 0);
}

TEST(mbox_hostile_lines)
{
	/* A From_ line far longer than the hold, a line of only '>', NUL
	 * bytes, no final LF, bad UTF-8. */
	struct buf t = BUF_INIT;
	buf_addstr(&t, "From ");
	for (int i = 0; i < 5000; i++)
		buf_addch(&t, 'x');
	buf_addstr(&t, "\n");
	for (int i = 0; i < 3000; i++)
		buf_addch(&t, '>');
	buf_addstr(&t, "From\n\xff\xfe");
	buf_add(&t, "\0\0a\0", 4);
	buf_addstr(&t, "\nlast");
	struct got g;
	CHECK(split(t.data, t.len, 100, &g));
	CHECK(g.n == 1 && g.ends == 1);
	CHECK(g.from[0].len == MBOX_LINE_HOLD);
	CHECK(g.msgs[0].len == 3000 + 5 + 2 + 4 + 1 + 4);
	got_free(&g);
	buf_free(&t);
}

TEST(mbox_from_dates)
{
	int64_t t = 0;
	const char *l = "From alice@example.org Tue Nov 23 18:30:00 2026";
	CHECK(mbox_from_date(l, strlen(l), &t) && t == 1795458600);
	l = "From MAILER-DAEMON Mon Jan  5 00:00:00 1970 +0000";
	CHECK(mbox_from_date(l, strlen(l), &t) && t == 4 * 86400);
	l = "From a b c Sun Feb 30 99:00:00 2026";
	CHECK(!mbox_from_date(l, strlen(l), &t));
	l = "From x";
	CHECK(!mbox_from_date(l, strlen(l), &t));
	l = "From x Tue Nov 23 18:30:00 20";
	CHECK(!mbox_from_date(l, strlen(l), &t));
}

TEST(mbox_status_flags_header_only)
{
	static const char m[] = "Subject: x\r\nStatus: RO\r\nX-Status: AF\r\n\r\n"
	    "X-Status: DT\r\n";
	unsigned f = mbox_status_flags(m, sizeof m - 1);
	CHECK(f == (MBOX_F_SEEN | MBOX_F_ANSWERED | MBOX_F_FLAGGED));
	CHECK(mbox_status_flags("Status: O\n", 10) == 0);
	CHECK(mbox_status_flags("", 0) == 0);
	CHECK(mbox_status_flags("X-Status: T", 11) == MBOX_F_DRAFT);
}
