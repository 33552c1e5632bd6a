/* Retry policy of the queue as pure functions of (attempts, arrival time,
 * now), so the schedule is testable without clocks: retries every 5
 * minutes at first, doubling up to every 4 hours; a delay notice once the
 * message has waited 4 hours; giving up after its lifetime (5 days). */
#ifndef AMB_QUEUE_SCHED_H
#define AMB_QUEUE_SCHED_H
#include <stdbool.h>
#include <stdint.h>

#include "smtp/envelope.h"

struct queue_policy {
	uint64_t min_retry;      /* seconds after the first failure */
	uint64_t max_retry;      /* longest interval */
	uint64_t delay_notice;   /* age at which the sender is told of a delay;
	                          * 0: never */
	uint64_t lifetime;       /* age at which the queue gives up */
};

#define QUEUE_POLICY_DEFAULT \
	((struct queue_policy){ 300, 4 * 3600, 4 * 3600, 5 * 86400 })

/* Interval after the attempts-th failed attempt (attempts >= 1):
 * min_retry * 2^(attempts-1), at most max_retry. */
uint64_t queue_retry_interval(const struct queue_policy *p, uint32_t attempts);
/* True once the message is older than its lifetime. */
bool queue_expired(const struct queue_policy *p, uint64_t arrival, uint64_t now);
/* True when a delay notice is due: old enough, not expired, and not yet
 * sent (flags holds ENV_F_DELAY_SENT once it was). */
bool queue_delay_notice_due(const struct queue_policy *p, uint64_t arrival,
    uint32_t flags, uint64_t now);
/* When to try again after a failed attempt: now + interval, but one last
 * try at the end of the lifetime rather than a retry after it. */
uint64_t queue_next_attempt(const struct queue_policy *p, uint32_t attempts,
    uint64_t arrival, uint64_t now);

/* Recording a recipient's result in the envelope (then saved with
 * queue_store_update). */
void queue_rcpt_delivered(struct rcpt *r);
void queue_rcpt_failed(struct rcpt *r, const char *error);
/* A temporary failure: counts the attempt and schedules the next, or marks
 * the recipient FAILED ("gave up after ...") when the lifetime is over.
 * Returns true if the recipient is now FAILED. */
bool queue_rcpt_deferred(const struct queue_policy *p, struct rcpt *r,
    uint64_t arrival, uint64_t now, const char *error);
/* Earliest next_attempt of the recipients not final, or UINT64_MAX if
 * all are final. */
uint64_t queue_envelope_due(const struct envelope *e);

#endif
