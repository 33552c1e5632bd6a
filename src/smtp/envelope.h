/* The envelope of a queued message: who sent it, how it came in, and
 * every recipient with its delivery state. The queue keeps one per
 * message on disk (queue_store.h), encoded by envelope_encode: a magic
 * and version, the fields in the project's length-checked IPC codec, and
 * a BLAKE2b checksum of all that, so a torn or corrupted file is reported
 * by envelope_decode and never misread. */
#ifndef AMB_ENVELOPE_H
#define AMB_ENVELOPE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "smtp/queue_id.h"

#define ENVELOPE_VERSION   2   /* 1: before added_headers and spam_score */
#define ENVELOPE_MAGIC     "AMBQENV\n"
#define ENVELOPE_MAGIC_LEN 8
#define ENVELOPE_SUM_LEN   32
/* Limits a decoder enforces (and an encoder checks, so what is written
 * can always be read back). */
#define ENVELOPE_MAX_STR   4096      /* any one string, bytes */
#define ENVELOPE_MAX_RCPTS 10000     /* after alias expansion */
#define ENVELOPE_MAX_FILE  (16u * 1024 * 1024)
#define ENVELOPE_MAX_HEADERS 32768   /* added_headers, bytes */

/* Envelope flags. */
#define ENV_F_8BITMIME     0x01u     /* BODY=8BITMIME */
#define ENV_F_SMTPUTF8     0x02u     /* SMTPUTF8 given at MAIL */
#define ENV_F_SUBMISSION   0x04u     /* came in by authenticated submission */
#define ENV_F_DELAY_SENT   0x08u     /* the delay notice went out */
#define ENV_F_JUNK         0x10u     /* the inbound verdict says Junk */
#define ENV_F_KNOWN        0x1fu

enum rcpt_kind {
	RCPT_LOCAL = 1,      /* dest is a local user's address, folder optional */
	RCPT_REMOTE = 2,     /* dest is an address on another server */
};

enum rcpt_state {
	RCPT_PENDING = 0,    /* not tried yet */
	RCPT_DEFERRED = 1,   /* tried, failed temporarily; retry at next_attempt */
	RCPT_DELIVERED = 2,  /* final */
	RCPT_FAILED = 3,     /* final: permanent failure or gave up; see error */
};

struct rcpt {
	char *orig;          /* the address as given at RCPT TO */
	char *dest;          /* final destination after alias expansion */
	char *folder;        /* local only; "" for the INBOX */
	enum rcpt_kind kind;
	enum rcpt_state state;
	uint32_t attempts;
	uint64_t next_attempt;   /* unix seconds; 0 = as soon as possible */
	char *error;         /* last error text, "" if none */
};

struct envelope {
	char id[QUEUE_ID_SIZE];
	uint64_t arrival;    /* unix seconds */
	uint64_t size;       /* message bytes */
	char *sender;        /* reverse path without <>; "" is the null sender */
	char *helo;
	char *client;        /* client address as text */
	char *auth_user;     /* "" when not authenticated */
	char *tls;           /* e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384"; "" if none */
	uint32_t flags;      /* ENV_F_* */
	/* Header lines the inbound checks computed at the end of DATA
	 * (Authentication-Results, X-Spam-*), each ending in CRLF, folded
	 * lines allowed; deliver puts them on top of the stored message. */
	char *added_headers;
	int32_t spam_score;  /* message-level score, thousandths of a point */
	struct rcpt *rcpts;
	size_t nrcpts;
};

/* An empty envelope (every string ""). */
void envelope_init(struct envelope *e);
/* Frees every string and the recipients and zeroes e (call
 * envelope_init before using it again). */
void envelope_free(struct envelope *e);
/* Sets a string field (copied); NULL is stored as "". */
void envelope_set(char **field, const char *value);
/* Appends a recipient in state PENDING; returns it for further fields. */
struct rcpt *envelope_add_rcpt(struct envelope *e, const char *orig,
    const char *dest, const char *folder, enum rcpt_kind kind);
/* Sets r->error from text that may come from a remote server: control
 * characters become spaces and it is cut to fit ENVELOPE_MAX_STR. */
void rcpt_set_error(struct rcpt *r, const char *text);
/* A deep copy. */
void envelope_copy(struct envelope *dst, const struct envelope *src);
/* True when every field and every recipient of a and b are equal. */
bool envelope_equal(const struct envelope *a, const struct envelope *b);

/* Checks what the decoder would refuse: a valid id, at least one
 * recipient and at most ENVELOPE_MAX_RCPTS, known kinds, states and flags,
 * strings no longer than ENVELOPE_MAX_STR and free of CR, LF and other
 * control characters (they end up in log lines and bounce headers). */
bool envelope_check(const struct envelope *e, struct buf *err);

/* Appends the encoded envelope to out; false (and nothing appended) if
 * envelope_check refuses it or it would exceed ENVELOPE_MAX_FILE. */
bool envelope_encode(const struct envelope *e, struct buf *out, struct buf *err);
/* Decodes into e (which is initialised here; free it with envelope_free
 * even on failure). False with a reason on any damage. */
bool envelope_decode(const unsigned char *p, size_t len, struct envelope *e,
    struct buf *err);

/* True when every recipient is DELIVERED or FAILED. */
bool envelope_all_final(const struct envelope *e);
const char *rcpt_state_name(enum rcpt_state s);
const char *rcpt_kind_name(enum rcpt_kind k);

#endif
