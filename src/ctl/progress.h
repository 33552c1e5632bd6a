/* Progress of a long mailboxctl command (import, export, backup,
 * restore) on stderr, drawn only when stderr is a terminal, at most ten
 * times a second. */
#ifndef AMB_CTL_PROGRESS_H
#define AMB_CTL_PROGRESS_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum progress_unit { PROGRESS_ITEMS, PROGRESS_BYTES };

struct progress {
	const char *what;
	enum progress_unit unit;
	uint64_t done, total;    /* total 0: unknown */
	bool on;
	struct timespec last;
};

void progress_start(struct progress *p, const char *what, uint64_t total,
    enum progress_unit unit);
void progress_add(struct progress *p, uint64_t n);
/* Draws the final state and ends the line. */
void progress_end(struct progress *p);

#endif
