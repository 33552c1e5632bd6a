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

static void add_waiting(struct rconn *c, struct rjob *j)
{
	struct rjob **pp = &c->waiting;
	while (*pp != NULL)
		pp = &(*pp)->wait_next;
	j->wait_next = NULL;
	*pp = j;
	c->nwaiting++;
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
			add_waiting(c, j);
			return true;
		}
	}
	return false;
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
