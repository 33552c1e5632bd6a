/* libFuzzer target for the mbox splitter: any input, fed whole and fed
 * in pieces whose sizes come from the input, gives the same messages
 * and From_ lines; no output is larger than the input; the From_ line
 * date parser and the Status flags never misbehave. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "mail/mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rec {
	struct buf all;         /* every event, serialised */
	size_t open;
};

static void on_begin(void *arg, const char *line, size_t n)
{
	struct rec *r = arg;
	int64_t t;
	(void)mbox_from_date(line, n, &t);
	buf_addch(&r->all, 'B');
	buf_add(&r->all, line, n);
	buf_addch(&r->all, 0);
	if (r->open)
		abort();
	r->open = 1;
}

static void on_data(void *arg, const void *p, size_t n)
{
	struct rec *r = arg;
	if (!r->open || n == 0)
		abort();
	buf_add(&r->all, p, n);
}

static void on_end(void *arg)
{
	struct rec *r = arg;
	if (!r->open)
		abort();
	r->open = 0;
	buf_addch(&r->all, 'E');
}

static const struct mbox_cb cb = { on_begin, on_data, on_end };

static bool run(const uint8_t *d, size_t n, size_t seed, struct rec *r)
{
	struct mbox m;
	mbox_init(&m, &cb, r);
	bool ok = true;
	for (size_t i = 0; i < n && ok;) {
		size_t step = seed ? 1 + (d[(i + seed) % n] % 17) : n;
		if (step > n - i)
			step = n - i;
		ok = mbox_feed(&m, d + i, step);
		i += step;
	}
	ok = ok && mbox_finish(&m);
	mbox_free(&m);
	if (ok && r->open)
		abort();
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec a = { BUF_INIT, 0 }, b = { BUF_INIT, 0 };
	bool oka = run(data, size, 0, &a), okb = run(data, size, 3, &b);
	if (oka != okb || (oka && (a.all.len != b.all.len || (a.all.len > 0 &&
	    memcmp(a.all.data, b.all.data, a.all.len) != 0))))
		abort();
	(void)mbox_status_flags((const char *)data, size);
	buf_free(&a.all);
	buf_free(&b.all);
	return 0;
}
