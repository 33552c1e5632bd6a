#include "ctl/progress.h"

#include <stdio.h>
#include <unistd.h>

void progress_start(struct progress *p, const char *what, uint64_t total,
    enum progress_unit unit)
{
	*p = (struct progress){ .what = what, .unit = unit, .total = total,
	    .on = isatty(STDERR_FILENO) == 1 };
}

static void draw_items(const struct progress *p)
{
	if (p->total > 0)
		fprintf(stderr, "\r%s: %llu/%llu (%llu%%)", p->what,
		    (unsigned long long)p->done, (unsigned long long)p->total,
		    (unsigned long long)(p->done * 100 / p->total));
	else
		fprintf(stderr, "\r%s: %llu", p->what, (unsigned long long)p->done);
}

static void draw_bytes(const struct progress *p)
{
	double mib = (double)p->done / 1048576.0;
	if (p->total == 0) {
		fprintf(stderr, "\r%s %.1f MiB ", p->what, mib);
		return;
	}
	uint64_t done = p->done < p->total ? p->done : p->total;
	int pct = (int)(done * 100 / p->total), bars = pct / 5;
	fprintf(stderr, "\r%s %3d%% [%.*s%*s] %.1f / %.1f MiB ", p->what, pct,
	    bars, "####################", 20 - bars, "", mib,
	    (double)p->total / 1048576.0);
}

static void draw(const struct progress *p)
{
	if (p->unit == PROGRESS_BYTES)
		draw_bytes(p);
	else
		draw_items(p);
	fflush(stderr);
}

void progress_add(struct progress *p, uint64_t n)
{
	p->done += n;
	if (!p->on)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (now.tv_sec - p->last.tv_sec) * 1000LL +
	    (now.tv_nsec - p->last.tv_nsec) / 1000000;
	if (ms < 100 && p->done != p->total)
		return;
	p->last = now;
	draw(p);
}

void progress_end(struct progress *p)
{
	if (!p->on || (p->unit == PROGRESS_ITEMS && p->done == 0))
		return;
	if (p->unit == PROGRESS_BYTES && p->total != 0)
		p->done = p->total;
	draw(p);
	fputc('\n', stderr);
}
