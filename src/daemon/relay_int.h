/* Between the relay's files: relay.c takes jobs from the queue and
 * answers it, relay_route.c finds the hosts and addresses of a domain,
 * relay_conn.c talks SMTP to one address. */
#ifndef AMB_RELAY_INT_H
#define AMB_RELAY_INT_H
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "common/buf.h"
#include "daemon/proc.h"
#include "smtp/mxlist.h"

#define RELAY_MAX_ADDRS  16      /* addresses of one host */
#define RELAY_REPLY_MAX  512     /* octets of a reply passed to the queue */
#define RELAY_MAX_TRIES  5       /* addresses tried per job (Postfix: 5) */
#define RELAY_MAX_TLSA   8       /* TLSA records used per host */
#define RELAY_TLSA_DATA  2048    /* octets of one record's data */

struct dns;
struct rjob;
struct config;
struct mtasts_policy;
struct bufferevent;
struct smtp_client;
struct event;

/* One SMTP session (relay_conn.c). */
struct rconn {
	struct rjob *job;
	struct bufferevent *bev;
	struct smtp_client *cli;
	struct event *timer;
	char host[MX_HOST_MAX];
	char relay[MX_HOST_MAX + 80];    /* "host[ip]:port" */
	char route[MX_HOST_MAX + 2];     /* rjob.route it was opened for */
	bool connected, tls_pending, sent, sig_sent;
	bool dane;                       /* the certificate must match TLSA */
	bool sts;                        /* checked as MTA-STS says */
	bool idle;                       /* READY, waiting for another job */
	struct rconn *next_all;          /* every session (relay_reuse.c) */
	struct rjob *waiting;            /* jobs for this route, in order */
	unsigned nwaiting;
	off_t off;                       /* next body octet of the file */
};


struct rjob {
	struct rjob *next;
	uint64_t queue_req, sign_req;
	int fd;                      /* the queued message, read with pread */
	char *id, *sender;
	uint32_t flags;              /* ENV_F_* */
	size_t n;
	uint32_t *idx;               /* the queue's recipient indices */
	char **rcpts;
	char domain[MX_HOST_MAX];    /* of the recipients, A-labels */
	char route[MX_HOST_MAX + 2]; /* domain, or "[]" + relay_host */
	struct buf sig;              /* DKIM-Signature fields to send first */
	char sign_domain[MX_HOST_MAX];   /* asked of the signer */
	bool sign_by_from;               /* "" asked: the From header's domain */
	/* Route: hosts in order, then the addresses of the current one. */
	struct mx_host hosts[MX_MAX];
	size_t nhosts, host_i;
	unsigned port;
	char addrs[RELAY_MAX_ADDRS][64];
	size_t naddrs, addr_i;
	int dns_pending;
	bool addr_tempfail;          /* an address lookup of this host failed */
	/* DANE (RFC 7672): the MX answer was DNSSEC-secure, and the current
	 * host's TLSA records (secure) make TLS mandatory and, if any is
	 * usable, authenticated. */
	bool mx_secure, tlsa_tempfail, tls_required;
	size_t ntlsa;
	struct relay_tlsa {
		uint8_t usage, selector, mtype;
		size_t len;
		unsigned char data[RELAY_TLSA_DATA];
	} tlsa[RELAY_MAX_TLSA];
	unsigned tries;
	struct buf last_error;       /* why the last host did not take it */
	char last_relay[MX_HOST_MAX + 80];   /* and which one it was */
	struct rconn *conn;
	struct rjob *wait_next;      /* in a session's or job's waiting list */
	bool routing;                /* looking for its first session */
	struct rjob *followers;      /* jobs for the same route waiting for */
	unsigned nfollowers;         /* the session this one will open */
	/* MTA-STS: the domain's policy (NULL: none, or mode none). */
	struct mtasts_policy *sts;
	struct rjob *sts_next;       /* waiting for the same policy fetch */
	void (*sts_then)(struct rjob *);
};

/* relay.c */
struct relay_globals {
	struct dns *dns;
	SSL_CTX *tls;                /* client context: opportunistic TLS */
	X509_STORE *ca;              /* CAs for MTA-STS (relay_sts.c) */
	char *auth_user, *auth_pass; /* for relay_host, or NULL */
};
extern struct relay_globals relay_g;
struct rjob *relay_jobs(void);   /* every job under way */
/* Final result for every recipient of the job (the job is then freed).
 * reply NULL: that of results[i]. */
void relay_finish_all(struct rjob *j, enum deliver_outcome outcome,
    const char *reply, const char *relay);
/* Per-recipient results from a session (outcomes and replies in job
 * recipient order). Frees the job. */
void relay_finish(struct rjob *j, const uint8_t *outcome,
    const char *const *reply, const char *relay);

/* relay_route.c: finds the hosts (MX or relay_host) and tries them in
 * turn through relay_conn_start until one takes the message. */
void relay_route_start(struct rjob *j);
/* The same without looking for a session to share. */
void relay_route_resolve(struct rjob *j);
/* The connection failed before any result: next address, host, or a
 * temporary failure of the job when all are tried. */
void relay_route_next(struct rjob *j);

/* relay_sts.c: MTA-STS (RFC 8461). Loads the CA store (before the
 * chroot); policies are fetched with relay_https.h. */
bool relay_sts_setup(const struct config *cfg, struct buf *err);
void relay_sts_free(void);
/* Sets j->sts to j->domain's policy (cached, or fetched now), or leaves
 * it NULL, then calls next(j). */
void relay_sts_find(struct rjob *j, void (*next)(struct rjob *));
/* Whether TLS to j's hosts must be authenticated (enforce, no DANE). */
bool relay_sts_enforced(const struct rjob *j);

/* relay_conn.c */
void relay_conn_start(struct rjob *j, const char *host, const char *ip,
    unsigned port);
void relay_conn_free(struct rconn *c);
void relay_conn_take(struct rconn *c, struct rjob *j);
/* Runs the engine's events, writes its output, arms the timer. */
void relay_conn_pump(struct rconn *c);

/* relay_reuse.c: several messages per session. A job for a route that
 * has a session goes over it: at once when it is idle, else after the
 * messages waiting before it. */
#define RELAY_IDLE_SECS   5      /* an idle session waits this long */
#define RELAY_MAX_WAITING 20     /* jobs queued on one session */
bool relay_conn_reuse(struct rjob *j);   /* false: open a new one */
void reuse_track(struct rconn *c);
void reuse_forget(struct rconn *c);
struct rjob *reuse_next_waiting(struct rconn *c);
/* The session is gone: its waiting jobs find their own way. */
void reuse_release(struct rconn *c);
/* j opens a session: the jobs that waited for it queue on it. */
void reuse_hand_over(struct rjob *j, struct rconn *c);
/* j ends without a session: its followers find their own way. */
void reuse_release_followers(struct rjob *j);
void relay_conn_free_all(void);          /* at exit */

#endif
