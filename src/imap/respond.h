/* The IMAP server's output side: every byte of protocol the command
 * handlers send is built here, so quoting, literals, NIL, lists and
 * mailbox-name encoding are decided in one place. A writer appends to a
 * struct buf; items are separated by one SP automatically (none after
 * "(" or before ")").
 *
 *   imap_w_untagged(&w); imap_w_number(&w, 12); imap_w_atom(&w, "FETCH");
 *   imap_w_open(&w); imap_w_atom(&w, "UID"); imap_w_number(&w, 40);
 *   imap_w_close(&w); imap_w_end(&w);      -> "* 12 FETCH (UID 40)\r\n"
 */
#ifndef AMB_IMAP_RESPOND_H
#define AMB_IMAP_RESPOND_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "imap/command.h"
#include "imap/seqset.h"

struct imap_writer {
	struct buf *out;
	bool utf8;              /* UTF8=ACCEPT enabled by the client */
	bool need_sp;
};

void imap_w_init(struct imap_writer *w, struct buf *out, bool utf8);

/* Line starts and ends. */
void imap_w_untagged(struct imap_writer *w);            /* "* " */
void imap_w_tagged(struct imap_writer *w, const char *tag);  /* "tag " */
void imap_w_end(struct imap_writer *w);                 /* "\r\n" */
/* Whole lines: "+ text", "tag OK [CODE] text", "* BAD text" (tag NULL). */
void imap_w_continue(struct imap_writer *w, const char *text);
void imap_w_status(struct imap_writer *w, const char *tag, const char *status,
    const char *code, const char *text);

/* Items. */
void imap_w_atom(struct imap_writer *w, const char *atom);  /* as given */
void imap_w_number(struct imap_writer *w, uint64_t n);
void imap_w_nil(struct imap_writer *w);
/* Quoted when short, single-line and 7-bit (or UTF-8 with UTF8=ACCEPT);
 * otherwise a literal. Data with NUL must go through imap_w_literal8. */
void imap_w_string(struct imap_writer *w, const char *s, size_t n);
void imap_w_nstring(struct imap_writer *w, const char *s, size_t n); /* NULL: NIL */
void imap_w_astring(struct imap_writer *w, const char *s, size_t n); /* atom if it can */
void imap_w_literal(struct imap_writer *w, const void *s, size_t n);
void imap_w_literal8(struct imap_writer *w, const void *s, size_t n);
/* Only "{n}\r\n" (or "~{n}\r\n"): the caller streams the n bytes after. */
void imap_w_literal_header(struct imap_writer *w, uint64_t n, bool binary);
/* A UTF-8 mailbox name: modified UTF-7 unless UTF8=ACCEPT. */
void imap_w_mailbox(struct imap_writer *w, const char *utf8name);
void imap_w_open(struct imap_writer *w);        /* "(" */
void imap_w_close(struct imap_writer *w);       /* ")" */
void imap_w_flags(struct imap_writer *w, char *const *flags, size_t n);
void imap_w_seqset(struct imap_writer *w, const struct imap_seqset *s);
/* "dd-Mon-yyyy hh:mm:ss +zzzz" in the given zone, quoted. */
void imap_w_date_time(struct imap_writer *w, time_t t, int tz_minutes);
/* The name a FETCH response uses for an attribute: "BODY[1.HEADER]<0>",
 * "BINARY.SIZE[2]", "RFC822.SIZE" (BODY.PEEK answers as BODY). */
void imap_w_fetch_att_name(struct imap_writer *w,
    const struct imap_fetch_att *a);
/* Response code: "[" atom ... "]"; items in between as usual. */
void imap_w_code_begin(struct imap_writer *w, const char *atom);
void imap_w_code_end(struct imap_writer *w);
/* Human-readable text to the end of the line; CR, LF and NUL become SP. */
void imap_w_text(struct imap_writer *w, const char *text);

#endif
