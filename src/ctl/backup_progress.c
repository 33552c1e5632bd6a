/* Progress bar for backup, verify and restore; passphrase input. */
#include "ctl/backup.h"

#include <stdio.h>
#include <unistd.h>

void progress_start(struct progress *p, const char *what, uint64_t total)
{
	p->on = isatty(STDERR_FILENO) == 1;
	p->what = what;
	p->total = total;
	p->done = 0;
	p->last.tv_sec = 0;
	p->last.tv_nsec = 0;
}

static void draw(struct progress *p)
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

void progress_add(struct progress *p, uint64_t n)
{
	p->done += n;
	if (!p->on)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - p->last.tv_sec) * 1000 +
	    (now.tv_nsec - p->last.tv_nsec) / 1000000;
	if (ms < 100)
		return;
	p->last = now;
	draw(p);
}

void progress_end(struct progress *p)
{
	if (!p->on)
		return;
	if (p->total != 0)
		p->done = p->total;
	draw(p);
	fputc('\n', stderr);
}

bool backup_passphrase(const char *file, bool confirm, struct password *pw,
    struct buf *err)
{
	if (file != NULL)
		return password_from_file(file, pw, err);
	return password_from_tty("Backup passphrase: ", confirm, pw, err);
}
