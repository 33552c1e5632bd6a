/* Progress on a terminal for the long-running import and export. */
#include "ctl/import.h"

#include <stdio.h>
#include <unistd.h>

void progress_init(struct progress *p, const char *what, uint64_t total)
{
	p->what = what;
	p->done = 0;
	p->total = total;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->last.tv_sec = 0;
	p->last.tv_nsec = 0;
}

static void show(struct progress *p)
{
	if (p->total > 0)
		fprintf(stderr, "\r%s: %llu/%llu (%llu%%)", p->what,
		    (unsigned long long)p->done, (unsigned long long)p->total,
		    (unsigned long long)(p->done * 100 / p->total));
	else
		fprintf(stderr, "\r%s: %llu", p->what, (unsigned long long)p->done);
	fflush(stderr);
}

void progress_step(struct progress *p)
{
	p->done++;
	if (!p->tty)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (now.tv_sec - p->last.tv_sec) * 1000LL +
	    (now.tv_nsec - p->last.tv_nsec) / 1000000;
	if (ms < 100 && p->done != p->total)
		return;
	p->last = now;
	show(p);
}

void progress_end(struct progress *p)
{
	if (!p->tty || p->done == 0)
		return;
	show(p);
	fputc('\n', stderr);
}
