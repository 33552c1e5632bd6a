/* Several messages per SMTP session: every session is listed with the
 * route it was opened for (the recipient domain, or the smarthost). A
 * job for that route waits for the session rather than opening another,
 * and a session that has sent its message waits RELAY_IDLE_SECS for the
 * next before it quits. A session that fails hands its waiting jobs back
 * to routing, so each then finds its own way. */
#include "daemon/relay_int.h"

#include <string.h>

static struct rconn *all;

void reuse_track(struct rconn *c)
{
	c->next_all = all;
	all = c;
}

void reuse_forget(struct rconn *c)
{
	for (struct rconn **pp = &all; *pp; pp = &(*pp)->next_all)
		if (*pp == c) {
			*pp = c->next_all;
			return;
		}
}

static void append(struct rjob **list, unsigned *n, struct rjob *j)
{
	struct rjob **pp = list;
	while (*pp != NULL)
		pp = &(*pp)->wait_next;
	j->wait_next = NULL;
	*pp = j;
	(*n)++;
}

struct rjob *reuse_next_waiting(struct rconn *c)
{
	struct rjob *j = c->waiting;
	if (j != NULL) {
		c->waiting = j->wait_next;
		c->nwaiting--;
		j->wait_next = NULL;
	}
	return j;
}

bool relay_conn_reuse(struct rjob *j)
{
	for (struct rconn *c = all; c != NULL; c = c->next_all) {
		if (strcmp(c->route, j->route) != 0)
			continue;
		if (c->idle) {
			relay_conn_take(c, j);
			relay_conn_pump(c);
			return true;
		}
		if (c->job != NULL && c->nwaiting < RELAY_MAX_WAITING) {
			append(&c->waiting, &c->nwaiting, j);
			return true;
		}
	}
	/* A job of the route still resolving will open a session soon. */
	for (struct rjob *o = relay_jobs(); o != NULL; o = o->next) {
		if (o != j && o->routing && strcmp(o->route, j->route) == 0 &&
		    o->nfollowers < RELAY_MAX_WAITING) {
			append(&o->followers, &o->nfollowers, j);
			return true;
		}
	}
	return false;
}

void reuse_hand_over(struct rjob *j, struct rconn *c)
{
	struct rjob *f;
	j->routing = false;
	while ((f = j->followers) != NULL) {
		j->followers = f->wait_next;
		append(&c->waiting, &c->nwaiting, f);
	}
	j->nfollowers = 0;
}

void reuse_release_followers(struct rjob *j)
{
	struct rjob *f = j->followers;
	j->followers = NULL;
	j->nfollowers = 0;
	j->routing = false;
	while (f != NULL) {
		struct rjob *next = f->wait_next;
		f->wait_next = NULL;
		relay_route_resolve(f);
		f = next;
	}
}

void reuse_release(struct rconn *c)
{
	struct rjob *j;
	reuse_forget(c);     /* so none of them comes back to it */
	while ((j = reuse_next_waiting(c)) != NULL)
		relay_route_resolve(j);
}

void relay_conn_free_all(void)
{
	while (all != NULL) {
		struct rconn *c = all;
		c->waiting = NULL;       /* the caller frees every job */
		if (c->job != NULL)
			c->job->conn = NULL;
		relay_conn_free(c);      /* unlinks it */
	}
}
