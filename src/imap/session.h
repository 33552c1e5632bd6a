/* IMAP session engine for an authenticated user (RFC 3501, RFC 9051 and
 * the extensions in session_misc.c's CAPABILITY), written "sans I/O": it
 * takes the bytes a client sent and produces the bytes to send back. It
 * reads and writes the user's store (Maildir and index.sqlite) directly,
 * so it runs in the user's own process; it knows nothing of sockets, TLS
 * or login (the login process hands over an authenticated user and, with
 * encryption on, the unlocked secret key).
 *
 * Glue loop:
 *   s = imap_session_new(&params, &err);   NULL: err says why
 *   on input:   imap_session_feed(s, bytes, n); imap_session_run(s);
 *   always:     write imap_session_output(s, &len), then
 *               imap_session_output_consume(s, written);
 *   while imap_session_idling(s): call imap_session_poll(s) about every
 *               0.3 s (it reports new mail and others' changes), then
 *               write the output again;
 *   imap_session_closed(s): flush the output, then close and free.
 *
 * The session starts in the authenticated state (no greeting is sent:
 * the login process answered LOGIN/AUTHENTICATE). Commands for the not
 * authenticated state (LOGIN, AUTHENTICATE, STARTTLS) get BAD.
 *
 * Mailboxes: INBOX, Sent, Drafts, Trash, Junk and Archive are created with
 * their special-use attributes at imap_session_new. Names are UTF-8 with
 * "/" inside; on the wire modified UTF-7 until the client enables
 * UTF8=ACCEPT.
 *
 * FETCH, SEARCH, SORT and THREAD go through imap/view.h (another file
 * group); until they are wired in session.c's cmd_read they answer
 * "NO [SERVERBUG] not wired yet". imap_session_view() gives the glue and
 * those commands the selected mailbox.
 *
 * Spam training: a message moved or copied into the \Junk mailbox is a
 * spam signal, one moved out of \Junk into any mailbox but \Trash a ham
 * signal. Each is reported through params.training (if set) with the
 * message's new place and its first IMAP_TRAINING_MAX bytes (decrypted:
 * the classifier learns from the text), after the command succeeded; the
 * callback must not call back into the session. */
#ifndef AMB_IMAP_SESSION_H
#define AMB_IMAP_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "store/compress.h"

#define IMAP_TRAINING_MAX (256u * 1024)

struct imap_training {
	const char *mailbox;        /* where the message is now (UTF-8) */
	uint32_t uidvalidity;
	uint32_t uid;
	bool spam;                  /* true: into Junk; false: out of it */
	const char *msg;            /* the message's head; NULL: unreadable */
	size_t msg_len;
};
typedef void (*imap_training_fn)(void *arg, const struct imap_training *t);

struct imap_session_params {
	const char *user;           /* for logs and ID only */
	const char *maildir;        /* <user>/Maildir; the index is beside it */
	const unsigned char *pk;    /* the user's public key (32 bytes) or NULL */
	const unsigned char *sk;    /* secret key, NULL: encryption off; the
	                             * session keeps its own locked copy */
	bool encrypt;               /* APPEND trees-encrypts to pk */
	uint64_t quota;             /* bytes; 0: no quota */
	uint64_t append_limit;      /* bytes; 0: 100 MiB */
	const char *hostname;       /* in APPENDed file names; NULL "localhost" */
	enum compress_algo algo;    /* APPEND's compression */
	int level;                  /* COMPRESS_LEVEL_DEFAULT for the default */
	imap_training_fn training;  /* spam/ham signals; NULL: none */
	void *training_arg;
};

struct imap_session;
struct imap_view;

/* Opens (or creates) the user's index and the default mailboxes. */
struct imap_session *imap_session_new(const struct imap_session_params *p,
    struct buf *err);
/* Wipes the secret key copy and closes the index. NULL is fine. */
void imap_session_free(struct imap_session *s);

/* Client bytes; nothing is processed until imap_session_run. */
void imap_session_feed(struct imap_session *s, const void *data, size_t len);
/* Processes every complete command buffered (APPEND data streams
 * straight into the store). */
void imap_session_run(struct imap_session *s);

/* Bytes to send to the client. */
const char *imap_session_output(const struct imap_session *s, size_t *len);
void imap_session_output_consume(struct imap_session *s, size_t n);

/* LOGOUT done, a fatal protocol error, or the selected mailbox vanished:
 * flush the output and close. */
bool imap_session_closed(const struct imap_session *s);
/* In IDLE: the glue calls imap_session_poll about every 0.3 s. */
bool imap_session_idling(const struct imap_session *s);
/* Looks for changes by other processes (new mail, flags, expunges) and
 * writes the untagged updates (EXISTS, EXPUNGE or VANISHED, FETCH FLAGS).
 * Cheap when nothing changed (two stat calls and one index read). */
void imap_session_poll(struct imap_session *s);

/* The CAPABILITY list after login, space-separated, appended to out (for
 * the login process's "OK [CAPABILITY ...]"). append_limit as above. */
void imap_session_capabilities(uint64_t append_limit, struct buf *out);

/* The selected mailbox, NULL when none. */
struct imap_view *imap_session_view(struct imap_session *s);

#endif
