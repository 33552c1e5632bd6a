/* RFC 5322 header blocks, sans I/O. Everything works on a caller-owned
 * buffer and returns pointers into it; nothing here copies a message.
 * Tolerant of LF-only line ends, obs-syntax (white space before the colon),
 * NUL bytes, very long lines and a missing body. */
#ifndef AMB_MAIL_HEADER_H
#define AMB_MAIL_HEADER_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define HDR_MAX_FIELDS_DEFAULT    10000
#define HDR_MAX_FIELD_LEN_DEFAULT (1024 * 1024)

/* One header field. All pointers point into the iterated block. */
struct hdr_field {
	const char *name;  size_t name_len;   /* without trailing white space */
	const char *value; size_t value_len;  /* after the colon, folding kept,
	                                         final line end excluded */
	const char *line;  size_t line_len;   /* whole field incl. line end */
};

struct hdr_iter {
	const char *p;
	size_t len, pos;
	size_t count;
	size_t max_fields, max_field_len;     /* defaults set by hdr_iter_init */
	bool over_limit;                      /* stopped on a limit */
};

/* Iterates the fields of a header block (which may include the blank line
 * and even the body: iteration stops at the first empty line). Lines that
 * are not fields (no colon, e.g. an mbox "From " line) are skipped. A field
 * longer than max_field_len is skipped; more than max_fields stops with
 * over_limit set. */
void hdr_iter_init(struct hdr_iter *it, const char *hdr, size_t len);
bool hdr_next(struct hdr_iter *it, struct hdr_field *f);

bool hdr_name_is(const struct hdr_field *f, const char *name);

/* Appends the unfolded value: line ends of folds removed, leading and
 * trailing white space trimmed, NUL and bare CR bytes turned into spaces
 * so the result is a safe C string. */
void hdr_unfold(const char *value, size_t len, struct buf *out);

/* First field named name (case-insensitive) in the block; false if none. */
bool hdr_find(const char *hdr, size_t len, const char *name,
    struct hdr_field *f);
/* Unfolded value of the first such field into out (reset first). */
bool hdr_get(const char *hdr, size_t len, const char *name, struct buf *out);
/* Number of fields so named (for "exactly one From:" style checks). */
size_t hdr_count(const char *hdr, size_t len, const char *name);

/* BODY[HEADER.FIELDS (names)] / BODY[HEADER.FIELDS.NOT (names)]: appends
 * the fields of hdr whose name is (or, with exclude, is not) in names,
 * as written, then the empty line RFC 3501 6.4.5 asks for. */
void hdr_filter(const char *hdr, size_t len, const char *const *names,
    size_t nnames, bool exclude, struct buf *out);
/* Appends hdr to out, byte for byte, without the fields whose name is in
 * names (case-insensitive); returns how many it dropped. No field is too
 * long or too many to look at: a forged one must not slip through by
 * being big. */
size_t hdr_strip(const char *hdr, size_t len, const char *const *names,
    size_t nnames, struct buf *out);

/* Appends "Name: value\r\n", folding before white space so that lines
 * stay within 78 octets where the value allows (for added headers such
 * as Received). CR, LF and NUL in the value become spaces. */
void hdr_append_folded(struct buf *out, const char *name, const char *value);

/* Where the header ends in a whole message held in memory. */
struct msg_split {
	size_t hdr_len;    /* header block including the blank line */
	size_t body_off;   /* == hdr_len */
	bool   has_blank;  /* false: the message has no empty line (no body) */
};
void msg_split(const char *msg, size_t len, struct msg_split *out);

/* Streaming scanner for the end of the header block, for delivery: feed
 * chunks as they arrive without keeping them. */
enum hdr_scan_rc {
	HDR_SCAN_MORE,     /* need more input */
	HDR_SCAN_DONE,     /* blank line seen; hdr_len is final */
	HDR_SCAN_TOOBIG,   /* header longer than max_len */
};
struct hdr_scan {
	size_t hdr_len;    /* bytes of header consumed so far (final at DONE) */
	size_t max_len;
	int    state;
	enum hdr_scan_rc rc;
};
void hdr_scan_init(struct hdr_scan *s, size_t max_len);
/* Consumes from chunk; *used says how many of its bytes belong to the
 * header (the rest, after DONE, is body). Once DONE or TOOBIG, further
 * calls consume nothing and return the same code. At end of input call
 * hdr_scan_eof: a message without blank line is all header. */
enum hdr_scan_rc hdr_scan_feed(struct hdr_scan *s, const char *chunk,
    size_t n, size_t *used);
enum hdr_scan_rc hdr_scan_eof(struct hdr_scan *s);

#endif
