#include "smtp/queue_sched.h"

#include <stdio.h>

uint64_t queue_retry_interval(const struct queue_policy *p, uint32_t attempts)
{
	uint64_t iv = p->min_retry;
	for (uint32_t i = 1; i < attempts && iv < p->max_retry; i++)
		iv *= 2;
	return iv < p->max_retry ? iv : p->max_retry;
}

static uint64_t age(uint64_t arrival, uint64_t now)
{
	return now > arrival ? now - arrival : 0;
}

bool queue_expired(const struct queue_policy *p, uint64_t arrival, uint64_t now)
{
	return age(arrival, now) >= p->lifetime;
}

bool queue_delay_notice_due(const struct queue_policy *p, uint64_t arrival,
    uint32_t flags, uint64_t now)
{
	return p->delay_notice > 0 && (flags & ENV_F_DELAY_SENT) == 0 &&
	    age(arrival, now) >= p->delay_notice && !queue_expired(p, arrival, now);
}

uint64_t queue_next_attempt(const struct queue_policy *p, uint32_t attempts,
    uint64_t arrival, uint64_t now)
{
	uint64_t next = now + queue_retry_interval(p, attempts);
	uint64_t end = arrival + p->lifetime;
	return next > end && now < end ? end : next;
}

void queue_rcpt_delivered(struct rcpt *r)
{
	r->state = RCPT_DELIVERED;
	r->next_attempt = 0;
	rcpt_set_error(r, "");
}

void queue_rcpt_failed(struct rcpt *r, const char *error)
{
	r->state = RCPT_FAILED;
	r->next_attempt = 0;
	rcpt_set_error(r, error);
}

bool queue_rcpt_deferred(const struct queue_policy *p, struct rcpt *r,
    uint64_t arrival, uint64_t now, const char *error)
{
	if (r->attempts < UINT32_MAX)
		r->attempts++;
	if (queue_expired(p, arrival, now)) {
		char why[ENVELOPE_MAX_STR + 64];
		snprintf(why, sizeof why, "gave up after %u attempts: %.*s",
		    r->attempts, ENVELOPE_MAX_STR, error ? error : "");
		queue_rcpt_failed(r, why);
		return true;
	}
	r->state = RCPT_DEFERRED;
	r->next_attempt = queue_next_attempt(p, r->attempts, arrival, now);
	rcpt_set_error(r, error);
	return false;
}

uint64_t queue_envelope_due(const struct envelope *e)
{
	uint64_t due = UINT64_MAX;
	for (size_t i = 0; i < e->nrcpts; i++) {
		const struct rcpt *r = &e->rcpts[i];
		if (r->state != RCPT_DELIVERED && r->state != RCPT_FAILED &&
		    r->next_attempt < due)
			due = r->next_attempt;
	}
	return due;
}
