/* The queue process's state, shared by queue.c (scheduling, local
 * deliveries, notices), queue_commit.c (the group commit of smtp's and
 * our own messages) and queue_relay.c (relay jobs). */
#ifndef AMB_QUEUE_STATE_H
#define AMB_QUEUE_STATE_H
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "daemon/queue_int.h"

#define MAX_INFLIGHT 32
#define MAX_RELAYS   16      /* relay jobs under way */
#define NOTICE_RETRY 60      /* seconds before a notice that failed is retried */

/* Per recipient: whether its sender still has to hear of its failure. */
enum notify { NOTIFY_NONE, NOTIFY_OWED, NOTIFY_SENDING };

struct qmsg {
	struct qmsg *prev, *next;
	struct envelope env;
	bool *busy;             /* per recipient: a delivery is under way */
	uint8_t *notify;        /* per recipient: enum notify */
	unsigned inflight;      /* deliveries, relay jobs and a notice */
	bool notifying;         /* a notice of notice_kind is under way */
	enum bounce_kind notice_kind;
	uint64_t notice_retry;  /* no new notice before this time */
	bool doomed;            /* `queue delete`: removed when idle */
	bool recovered;         /* loaded at start, or deliver died under it:
	                         * it may be in the mailbox already */
};

/* One relay job: recipients of one message in one domain. */
struct relay_req {
	uint64_t id;
	struct qmsg *msg;   /* NULL: free slot */
	uint32_t *rcpts;
	uint32_t n;
};

struct work {
	struct qmsg *msg;
	uint32_t rcpt;
};

struct queue_state {
	struct queue_store *qs;
	struct qmsg *head;
	struct work ready[4096];    /* ring of recipients due now */
	unsigned rhead, rcount;
	struct { uint64_t id; struct qmsg *msg; uint32_t rcpt; } req[MAX_INFLIGHT];
	unsigned inflight;
	struct relay_req relays[MAX_RELAYS];
	bool relay_waiting;         /* due recipients found no free slot */
	uint64_t next_req;
	struct event *timer;
	bool stopping;
	struct { uint64_t req; enum proc_role from; struct envelope env; } *pending;
	size_t npending, cpending;
	struct event *committer;
};
extern struct queue_state q;

/* queue.c */
void queue_kick(void);
void queue_on_timer(evutil_socket_t fd, short what, void *arg);
void queue_apply_result(struct qmsg *m, uint32_t i, uint8_t outcome,
    const char *reason, const char *relay);
/* Saves or removes m once nothing of it is under way. */
void queue_settle(struct qmsg *m);
struct qmsg *queue_msg_add(struct envelope *e);
bool queue_enqueue_due(struct qmsg *m, uint64_t now);

/* queue_commit.c: MSG_QUEUE_CREATE, _COMMIT, _ABORT from smtp. */
void queue_on_create(const struct ipc_msg *m);
void queue_on_commit(const struct ipc_msg *m);
void queue_on_abort(const struct ipc_msg *m);
void queue_commit_pending(evutil_socket_t fd, short what, void *arg);

/* queue_relay.c */
void queue_relay_batch(struct qmsg *m, uint32_t i);
void queue_on_relay_result(const struct ipc_msg *m);
/* Relay jobs lost with the relay process: their recipients are due again. */
void queue_relays_forget(void);

#endif
