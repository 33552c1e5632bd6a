/* Splitting an mbox file into messages, sans I/O: the caller feeds bytes
 * as it reads them and gets each message back through callbacks.
 *
 * A message starts at a "From " line (the From_ line) at the start of the
 * input or after an empty line; the empty line before it belongs to the
 * separator, not to the message before. Lines of the body that begin with
 * one or more '>' followed by "From " lose one '>' (mboxrd; for mboxo,
 * where only ">From " was quoted, this is the best reading there is).
 * Every other byte passes unchanged, line ends included. Memory is
 * bounded: a line is held only until it is known not to be a From_ line
 * or a quoted one (at most MBOX_LINE_HOLD bytes). */
#ifndef AMB_MBOX_H
#define AMB_MBOX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define MBOX_LINE_HOLD 1024

struct mbox_cb {
	/* A message begins; line is its From_ line without the line end. */
	void (*begin)(void *arg, const char *line, size_t n);
	void (*data)(void *arg, const void *p, size_t n);
	void (*end)(void *arg);
};

struct mbox {
	const struct mbox_cb *cb;
	void *arg;
	struct buf line;        /* the start of the current line */
	int state;              /* how the rest of the current line is read */
	bool in_msg;
	bool prev_blank;        /* the line before was empty (or none yet) */
	struct buf blank;       /* an empty line held back (LF or CRLF) */
	bool bad;               /* input did not start with a From_ line */
	uint64_t messages;
};

void mbox_init(struct mbox *m, const struct mbox_cb *cb, void *arg);
/* False once the input is found not to be an mbox (text before the
 * first From_ line other than empty lines). */
bool mbox_feed(struct mbox *m, const void *p, size_t n);
/* Ends the last message. False if the input was not an mbox. */
bool mbox_finish(struct mbox *m);
void mbox_free(struct mbox *m);

/* The date at the end of a From_ line ("From sender Tue Nov 23 18:30:00
 * 2026", an optional zone or remote-from after it is ignored), as Unix
 * seconds UTC; false if there is none. */
bool mbox_from_date(const char *line, size_t n, int64_t *out);

/* The flags mail readers (mutt, Thunderbird, elm) keep in a message's
 * "Status:" (R read, O old) and "X-Status:" (A answered, F flagged,
 * D deleted, T draft) header lines; looks only at the header. */
#define MBOX_F_SEEN     0x01u
#define MBOX_F_ANSWERED 0x02u
#define MBOX_F_FLAGGED  0x04u
#define MBOX_F_DELETED  0x08u
#define MBOX_F_DRAFT    0x10u
unsigned mbox_status_flags(const char *msg, size_t len);

#endif
