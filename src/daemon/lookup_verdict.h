/* The end-of-DATA verdict in the lookup process: one job per message,
 * shared by the authentication checks (lookup_verdict.c) and the
 * optional filters (lookup_filter.c). */
#ifndef AMB_LOOKUP_VERDICT_H
#define AMB_LOOKUP_VERDICT_H
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/ipc.h"
#include "daemon/proc.h"
#include "filter/gtube.h"
#include "mailauth/authcheck.h"

struct config;
struct event;
struct filter_conn;

struct vjob {
	struct vjob *prev, *next;
	uint64_t id;                /* smtp's request */
	int fd;                     /* the queue file, read with pread */
	uint64_t size, off;         /* file size; next body byte to read */
	char *qid, *client, *helo, *sender;
	char *dnsbl;                /* lists naming the client at RCPT */
	char **rcpts;
	size_t nrcpts;
	struct buf hdr;             /* the header section */
	struct authcheck *ac;
	struct authcheck_verdict auth;
	struct gtube gtube;
	struct event *reader, *deadline;
	unsigned dns_out;           /* DNS callbacks still to come */
	bool body_done, timed_out, auth_done, answered;

	/* filters */
	struct filter_conn *conn;   /* the one talking now */
	unsigned filter_next;       /* which filter runs next */
	uint32_t filter_code;       /* 0, or the SMTP reply they ask for */
	char filter_enh[8];
	char filter_text[200];
	int filter_score;           /* rspamd's, thousandths */
	bool filter_scored;         /* rspamd answered */
	bool filter_junk;
	struct buf filter_headers;  /* "X-Archmailbox-Filter: ...", DNSBL */
	struct buf dnsbl_hits;      /* the lists that count, "a, b" */

	struct buf headers;         /* Authentication-Results */
	int score;
	bool junk;
};

/* lookup_verdict.c */
bool lookup_verdict_setup(const struct config *cfg, struct buf *err);
void lookup_verdict_shutdown(void);
void lookup_on_verdict(const struct ipc_msg *m);   /* takes m->fd */
void vjob_decide(struct vjob *j);
void vjob_free(struct vjob *j);

/* lookup_filter.c: runs the configured filters, then vjob_decide. */
void lookup_filter_start(struct vjob *j);
void lookup_filter_free(struct vjob *j);

#endif
