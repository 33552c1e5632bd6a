/* A small pool of threads for blocking work (compressing, encrypting and
 * syncing a message) so one process can keep both disks and CPUs busy.
 * Jobs run on a worker; their completion runs back on the event loop's
 * thread, so nothing else in the process needs to know about threads. */
#ifndef AMB_WORKERS_H
#define AMB_WORKERS_H

struct event_base;

struct work {
	struct work *next;
	void (*run)(struct work *w);    /* on a worker thread */
	void (*done)(struct work *w);   /* then on the loop's thread */
	int ran;                        /* false if dropped by workers_free */
};

struct workers;

struct workers *workers_new(struct event_base *base, int nthreads);
void workers_submit(struct workers *ws, struct work *w);
/* Waits for running jobs, runs the done() of every finished one, and
 * drops queued ones through done() too, having never run them. */
void workers_free(struct workers *ws);

#endif
