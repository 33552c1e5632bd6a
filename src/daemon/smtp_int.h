/* Internals of the smtp process, shared by its session I/O (smtp.c) and
 * its mail transactions (smtp_tx.c). */
#ifndef AMB_SMTP_INT_H
#define AMB_SMTP_INT_H
#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <time.h>

#include "common/buf.h"
#include "daemon/listen.h"
#include "daemon/proc.h"
#include "smtp/envelope.h"
#include "smtp/server.h"

struct bufferevent;
struct event;

/* What a session waits for from a peer process. */
enum tx_wait {
	TX_IDLE,
	TX_CREATE,       /* queue: a file for the message (MAIL) */
	TX_RCPT,         /* lookup: is the recipient ours */
	TX_RCPT_QUOTA,   /* deliver: room for the announced size */
	TX_DATA_QUOTA,   /* deliver: room for the received size */
	TX_COMMIT,       /* queue: durable */
	TX_AUTH,         /* lookup: is the password right */
	TX_SENDER,       /* lookup: may the user send as this address */
	TX_VERDICT,      /* lookup: the end-of-DATA checks of inbound mail */
};

struct session {
	struct session *prev, *next;
	struct bufferevent *bev;
	struct event *reaper;
	struct smtp_server *srv;
	enum service svc;
	char client[INET6_ADDRSTRLEN];
	char tls[160];           /* "TLSv1.3 with cipher ..." once under TLS */
	char *auth_user;         /* canonical address after AUTH, else NULL */
	bool closing;            /* output is flushed, then the session ends */
	bool drop;               /* ... or without flushing: the client is gone */
	time_t close_by;
	unsigned reap_tries;     /* net_reap_delay */
	bool starting_tls;
	bool in_pump;            /* inside session_pump: no re-entry */

	/* The mail transaction. */
	enum tx_wait wait;
	uint64_t req;            /* id of the pending peer request */
	struct envelope env;
	uint64_t *quota;         /* per env recipient; 0: none */
	size_t rcpt_mark;        /* env.nrcpts before the pending RCPT */
	struct buf rcpt_orig;    /* the pending RCPT's address */
	struct buf dnsbl;        /* block lists naming the client, "a, b" */
	int qfd;                 /* the queue file being written, or -1 */
	struct buf wbuf;         /* body bytes not yet written */
	struct head_scan {       /* the message's header section */
		bool active;         /* still in the header section */
		bool submission;     /* add Date and Message-ID if missing */
		bool too_big;        /* inbound: over HEAD_MAX, refused */
		bool message_id, date;
		size_t start;        /* wbuf offset where it starts */
		size_t mark;         /* wbuf offset of the next field */
	} head;
	uint64_t written;
	int write_errno;
};

/* smtp.c */
void session_pump(struct session *s);
void session_resume(struct session *s);
bool smtp_stopping(void);
const char *smtp_hostname(void);

/* smtp_tx.c */
void tx_init(struct session *s);
void tx_event(struct session *s, const struct smtp_event *ev);
void tx_reset(struct session *s);
/* A reply from lookup, queue or deliver. */
void tx_peer_message(struct session *sessions, enum proc_role from,
    const struct ipc_msg *m);
/* A peer went away: sessions waiting on it are answered 451. */
void tx_peer_down(struct session *sessions, enum proc_role peer);

#endif
