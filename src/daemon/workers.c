#include "daemon/workers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct work *todo, **todo_tail;
	struct work *done;              /* finished, newest first */
	bool stop;
	int pipe[2];                    /* worker -> loop: something finished */
	struct event *ev;
	pthread_t *threads;
	int nthreads;
};

static void *worker_main(void *arg)
{
	struct workers *ws = arg;
	pthread_mutex_lock(&ws->lock);
	for (;;) {
		while (ws->todo == NULL && !ws->stop)
			pthread_cond_wait(&ws->wake, &ws->lock);
		if (ws->todo == NULL)
			break;
		struct work *w = ws->todo;
		ws->todo = w->next;
		if (ws->todo == NULL)
			ws->todo_tail = &ws->todo;
		pthread_mutex_unlock(&ws->lock);
		w->run(w);
		w->ran = 1;
		pthread_mutex_lock(&ws->lock);
		w->next = ws->done;
		ws->done = w;
		/* A full pipe already says there is something to collect. */
		(void)!write(ws->pipe[1], "", 1);
	}
	pthread_mutex_unlock(&ws->lock);
	return NULL;
}

/* Runs done() of finished jobs, oldest first. */
static void collect(struct workers *ws)
{
	pthread_mutex_lock(&ws->lock);
	struct work *list = ws->done;
	ws->done = NULL;
	pthread_mutex_unlock(&ws->lock);
	struct work *rev = NULL;
	while (list) {
		struct work *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	while (rev) {
		struct work *n = rev->next;
		rev->done(rev);
		rev = n;
	}
}

static void on_pipe(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	char drain[256];
	while (read(fd, drain, sizeof drain) > 0)
		;
	collect(arg);
}

struct workers *workers_new(struct event_base *base, int nthreads)
{
	struct workers *ws = xcalloc(1, sizeof *ws);
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->wake, NULL);
	ws->todo_tail = &ws->todo;
	if (pipe2(ws->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_err("workers: pipe: %s", strerror(errno));
		abort();
	}
	ws->ev = event_new(base, ws->pipe[0], EV_READ | EV_PERSIST, on_pipe, ws);
	event_add(ws->ev, NULL);
	ws->threads = xcalloc((size_t)nthreads, sizeof *ws->threads);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&ws->threads[ws->nthreads], NULL, worker_main, ws) == 0)
			ws->nthreads++;
	if (ws->nthreads == 0) {
		log_err("workers: cannot start a thread");
		abort();
	}
	return ws;
}

void workers_submit(struct workers *ws, struct work *w)
{
	w->next = NULL;
	w->ran = 0;
	pthread_mutex_lock(&ws->lock);
	*ws->todo_tail = w;
	ws->todo_tail = &w->next;
	pthread_cond_signal(&ws->wake);
	pthread_mutex_unlock(&ws->lock);
}

void workers_free(struct workers *ws)
{
	if (ws == NULL)
		return;
	pthread_mutex_lock(&ws->lock);
	struct work *queued = ws->todo;
	ws->todo = NULL;
	ws->todo_tail = &ws->todo;
	ws->stop = true;
	pthread_cond_broadcast(&ws->wake);
	pthread_mutex_unlock(&ws->lock);
	for (int i = 0; i < ws->nthreads; i++)
		pthread_join(ws->threads[i], NULL);
	collect(ws);
	while (queued) {
		struct work *n = queued->next;
		queued->done(queued);
		queued = n;
	}
	event_free(ws->ev);
	close(ws->pipe[0]);
	close(ws->pipe[1]);
	pthread_cond_destroy(&ws->wake);
	pthread_mutex_destroy(&ws->lock);
	free(ws->threads);
	free(ws);
}
