/* Framing of client input into commands: lines, literals ({n}, {n+},
 * ~{n}), continuation requests, APPEND streaming, limits and recovery.
 * The argument grammar itself is in cmd_parse.c and parse_*.c. */
#include "imap/parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "imap/parse_int.h"

enum state {
	S_LINE,             /* reading command text up to LF */
	S_LITERAL,          /* reading a small literal into the command */
	S_SKIP_LITERAL,     /* discarding a refused non-sync literal */
	S_SKIP_LINE,        /* discarding to the end of a refused command */
	S_APPEND_DATA,      /* streaming APPEND message data */
	S_FATAL,
};

enum mode { M_COMMAND, M_IDLE, M_SASL };

#define TAIL_MAX 32     /* enough for "~{18446744073709551615+}\r" */
#define TAG_MAX 64

struct imap_parser {
	struct imap_parser_limits lim;
	struct buf in;
	size_t in_off;
	struct buf cmd;             /* the command so far, as on the wire */
	size_t line_start;          /* where the current line part starts */
	size_t text_len;            /* command text, literals excluded */
	enum state st;
	enum mode mode;
	bool utf8;
	uint64_t lit_left;
	bool pending_continue;
	bool wipe_cmd;              /* cmd holds a SASL line handed out */
	/* refused command: BAD to send once its input is skipped */
	bool bad_pending;
	char bad_tag[TAG_MAX];
	char bad_text[160];
	char tail[TAIL_MAX];        /* last bytes of a skipped line */
	size_t tail_len;
	/* APPEND in progress */
	bool in_append;
	bool append_data_started;
	bool append_sync;
	bool append_paren;          /* UTF8 (...) form: ")" due after data */
	size_t tail_skip;           /* that ")" at the start of cmd */
	unsigned append_index;
	char *append_tag, *append_mailbox;
	char ev_text[160];
	char ev_tag[TAG_MAX];
};

void
imap_parser_default_limits(struct imap_parser_limits *lim)
{
	lim->max_line = 65536;
	lim->max_literal = 65536;
	lim->max_command = 1024 * 1024;
	lim->max_depth = 64;
	lim->literal_minus = false;
}

struct imap_parser *
imap_parser_new(const struct imap_parser_limits *lim)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	if (lim)
		p->lim = *lim;
	else
		imap_parser_default_limits(&p->lim);
	buf_init(&p->in);
	buf_init(&p->cmd);
	return p;
}

static void
append_clear(struct imap_parser *p)
{
	free(p->append_tag);
	free(p->append_mailbox);
	p->append_tag = p->append_mailbox = NULL;
	p->in_append = false;
	p->append_paren = false;
	p->append_index = 0;
}

void
imap_parser_free(struct imap_parser *p)
{
	if (!p)
		return;
	buf_free(&p->in);
	buf_free(&p->cmd);
	append_clear(p);
	free(p);
}

void
imap_parser_feed(struct imap_parser *p, const void *data, size_t len)
{
	if (p->in_off > 0 && p->in_off >= p->in.len / 2) {
		sodium_memzero(p->in.data, p->in_off);
		buf_consume(&p->in, p->in_off);
		p->in_off = 0;
	}
	buf_add(&p->in, data, len);
}

void
imap_parser_set_utf8(struct imap_parser *p, bool on)
{
	p->utf8 = on;
}

void
imap_parser_expect_done(struct imap_parser *p)
{
	p->mode = M_IDLE;
}

void
imap_parser_expect_sasl(struct imap_parser *p)
{
	p->mode = M_SASL;
}

/* Forget the current command text (it may hold a password). */
static void
cmd_reset(struct imap_parser *p)
{
	if (p->cmd.data)
		sodium_memzero(p->cmd.data, p->cmd.len);
	buf_reset(&p->cmd);
	p->line_start = 0;
	p->text_len = 0;
}

size_t
imap_parser_buffered(const struct imap_parser *p)
{
	return p->in.len - p->in_off;
}

size_t
imap_parser_discard_input(struct imap_parser *p)
{
	size_t n = p->in.len - p->in_off;

	if (p->in.data)
		sodium_memzero(p->in.data, p->in.len);
	buf_reset(&p->in);
	p->in_off = 0;
	cmd_reset(p);
	p->st = S_LINE;
	p->pending_continue = false;
	p->bad_pending = false;
	append_clear(p);
	return n;
}

/* The tag at the start of the command, if it is a valid one. */
static void
extract_tag(const char *s, size_t n, char *out)
{
	size_t i = 0;

	out[0] = '\0';
	while (i < n && i < TAG_MAX - 1 && lex_is_atom_char((unsigned char)s[i])
	    && s[i] != '+')
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return;
	memcpy(out, s, i);
	out[i] = '\0';
}

/* Refuses the current command: BAD once the rest of its input (if the
 * client will send any) has been skipped. */
static void
refuse(struct imap_parser *p, const char *text)
{
	extract_tag(p->cmd.data ? p->cmd.data : "", p->cmd.len, p->bad_tag);
	if (p->in_append && p->append_tag)
		snprintf(p->bad_tag, sizeof(p->bad_tag), "%s", p->append_tag);
	snprintf(p->bad_text, sizeof(p->bad_text), "%s", text);
	p->bad_pending = true;
	append_clear(p);
}

static enum imap_event_type
emit_bad(struct imap_parser *p, struct imap_event *ev)
{
	memcpy(p->ev_tag, p->bad_tag, sizeof(p->ev_tag));
	memcpy(p->ev_text, p->bad_text, sizeof(p->ev_text));
	p->bad_pending = false;
	ev->tag = p->ev_tag[0] ? p->ev_tag : NULL;
	ev->text = p->ev_text;
	cmd_reset(p);
	p->st = S_LINE;
	return ev->type = IMAP_EV_BAD;
}

/* A literal announcement at the end of a line part ("{12}", "{12+}",
 * "~{12}"); s excludes the CRLF. Returns 0 none, 1 found, -1 size out of
 * range. */
static int
literal_marker(const char *s, size_t n, uint64_t *size, bool *nonsync)
{
	size_t i, digits_end;
	uint64_t v = 0;

	if (n < 3 || s[n - 1] != '}')
		return 0;
	i = n - 1;
	*nonsync = s[i - 1] == '+';
	if (*nonsync)
		i--;
	digits_end = i;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == 0 || i == digits_end || s[i - 1] != '{')
		return 0;
	if (digits_end - i > 19)
		return -1;
	for (size_t k = i; k < digits_end; k++)
		v = v * 10 + (uint64_t)(s[k] - '0');
	if (v > INT64_MAX)
		return -1;
	*size = v;
	return 1;
}

static bool
is_append(const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);

	if (!sp)
		return false;
	n -= (size_t)(sp + 1 - s);
	return n >= 7 && strncasecmp(sp + 1, "APPEND ", 7) == 0;
}

/* Is the literal just announced APPEND's message? 1 yes (ev->cmd set),
 * 0 no (an ordinary literal, e.g. the mailbox name), -1 malformed. */
static int
append_begin(struct imap_parser *p, struct imap_command **out)
{
	struct imap_command *c = xcalloc(1, sizeof(*c));
	struct imap_lex l = { .p = p->cmd.data + p->tail_skip,
		.end = p->cmd.data + p->cmd.len,
		.cmd = c, .utf8 = p->utf8, .max_literal = p->lim.max_literal,
		.max_depth = p->lim.max_depth };
	struct imap_append_args *a = &c->u.append;
	const char *s;
	size_t n;
	bool ok;

	c->type = IMAP_CMD_APPEND;
	if (p->in_append) {
		c->tag = imap_arena_strndup(c, p->append_tag, strlen(p->append_tag));
		a->mailbox = imap_arena_strndup(c, p->append_mailbox,
		    strlen(p->append_mailbox));
		a->index = p->append_index;
		ok = parse_append_msg(&l, a, false);
	} else {
		ok = lex_atom_ex(&l, "]", &s, &n);
		if (ok)
			c->tag = imap_arena_strndup(c, s, n);
		ok = ok && lex_sp(&l) && lex_atom_ex(&l, "", &s, &n) &&
		    parse_append_msg(&l, a, true);
	}
	ok = ok && parse_append_literal(&l, a);
	if (!ok) {
		int r = l.incomplete ? 0 : -1;
		snprintf(p->bad_text, sizeof(p->bad_text), "APPEND: %.140s", l.err);
		imap_command_free(c);
		return r;
	}
	if (!p->in_append) {
		p->append_tag = xstrdup(c->tag);
		p->append_mailbox = xstrdup(a->mailbox);
		p->in_append = true;
	}
	p->append_index++;
	p->append_sync = !a->nonsync;
	p->append_paren = a->utf8;
	p->append_data_started = false;
	p->lit_left = a->size;
	*out = c;
	return 1;
}

void
imap_parser_refuse_append(struct imap_parser *p)
{
	if (p->st != S_APPEND_DATA)
		return;
	append_clear(p);
	cmd_reset(p);
	if (p->append_sync && !p->append_data_started) {
		p->pending_continue = false;    /* client waits; nothing comes */
		p->st = S_LINE;
		return;
	}
	p->bad_pending = false;
	p->st = S_SKIP_LITERAL;
}

/* A literal was announced at the end of the current line part. */
static enum imap_event_type
on_literal(struct imap_parser *p, struct imap_event *ev, uint64_t size,
    bool nonsync)
{
	if (is_append(p->cmd.data, p->cmd.len) || p->in_append) {
		int r = append_begin(p, &ev->cmd);
		if (r == 1) {
			p->st = S_APPEND_DATA;
			p->pending_continue = p->append_sync;
			cmd_reset(p);
			return ev->type = IMAP_EV_APPEND_BEGIN;
		}
		if (r < 0) {
			char text[160];
			memcpy(text, p->bad_text, sizeof(text));
			refuse(p, text);
			goto skip;
		}
	}
	if (size > p->lim.max_literal ||
	    p->cmd.len + size > p->lim.max_command ||
	    (nonsync && p->lim.literal_minus && size > 4096)) {
		refuse(p, "Literal too large");
		goto skip;
	}
	p->lit_left = size;
	p->st = S_LITERAL;
	if (!nonsync)
		p->pending_continue = true;
	return IMAP_EV_NEED_MORE;       /* caller loops on */
skip:
	if (!nonsync)                   /* client waits for "+": command over */
		return emit_bad(p, ev);
	p->lit_left = size;
	p->st = S_SKIP_LITERAL;
	return IMAP_EV_NEED_MORE;
}

static enum imap_event_type
on_command(struct imap_parser *p, struct imap_event *ev)
{
	char err[160];

	if (p->in_append) {
		/* End of a (MULTI)APPEND: nothing may follow the last message. */
		if (p->cmd.len != 2 + p->tail_skip) {
			refuse(p, "APPEND: unexpected data after message");
			return emit_bad(p, ev);
		}
		snprintf(p->ev_tag, sizeof(p->ev_tag), "%s", p->append_tag);
		append_clear(p);
		cmd_reset(p);
		ev->tag = p->ev_tag;
		return ev->type = IMAP_EV_APPEND_DONE;
	}
	if (p->cmd.len == 2) {          /* empty line: ignored, as Dovecot does */
		cmd_reset(p);
		return IMAP_EV_NEED_MORE;
	}
	ev->cmd = imap_parse_command(p->cmd.data, p->cmd.len - 2, p->utf8,
	    p->lim.max_literal, p->lim.max_depth, err, sizeof(err));
	if (!ev->cmd) {
		refuse(p, err);
		return emit_bad(p, ev);
	}
	cmd_reset(p);
	return ev->type = IMAP_EV_COMMAND;
}

/* One complete line in IDLE or SASL mode. */
static enum imap_event_type
on_mode_line(struct imap_parser *p, struct imap_event *ev)
{
	size_t n = p->cmd.len - 2;
	enum mode m = p->mode;

	p->mode = M_COMMAND;
	if (m == M_IDLE) {
		ev->text = (n == 4 && strncasecmp(p->cmd.data, "DONE", 4) == 0) ?
		    NULL : "Expected DONE";
		cmd_reset(p);
		return ev->type = IMAP_EV_DONE;
	}
	/* SASL: the data stays in cmd until the next call wipes it. */
	ev->data = p->cmd.data;
	ev->len = n;
	p->wipe_cmd = true;
	return ev->type = IMAP_EV_SASL;
}

/* A whole line part (ending in CRLF) is in cmd. */
static enum imap_event_type
on_line(struct imap_parser *p, struct imap_event *ev)
{
	const char *line = p->cmd.data + p->line_start;
	size_t n = p->cmd.len - p->line_start;
	uint64_t size;
	bool nonsync;
	int r;

	if (n < 2 || line[n - 2] != '\r') {
		if (p->mode != M_COMMAND)
			p->mode = M_COMMAND;
		refuse(p, "Line must end with CRLF");
		return emit_bad(p, ev);
	}
	if (p->mode != M_COMMAND)
		return on_mode_line(p, ev);
	p->tail_skip = 0;
	if (p->in_append && p->append_paren) {
		if (p->cmd.data[0] != ')') {
			refuse(p, "APPEND: expected ')' after UTF8 data");
			return emit_bad(p, ev);
		}
		p->tail_skip = 1;
	}
	r = literal_marker(line, n - 2, &size, &nonsync);
	if (memchr(line, '\0', n)) {
		refuse(p, "NUL byte in command");
		if (r == 1 && nonsync) {
			p->lit_left = size;
			p->st = S_SKIP_LITERAL;
			return IMAP_EV_NEED_MORE;
		}
		return emit_bad(p, ev);
	}
	if (r < 0) {
		refuse(p, "Literal size out of range");
		if (nonsync) {
			p->st = S_FATAL;
			snprintf(p->ev_text, sizeof(p->ev_text),
			    "Literal size out of range");
			ev->text = p->ev_text;
			return ev->type = IMAP_EV_FATAL;
		}
		return emit_bad(p, ev);
	}
	if (r == 0)
		return on_command(p, ev);
	return on_literal(p, ev, size, nonsync);
}

static void
tail_add(struct imap_parser *p, const char *s, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(p->tail, s + n - TAIL_MAX, TAIL_MAX);
		p->tail_len = TAIL_MAX;
		return;
	}
	if (p->tail_len + n > TAIL_MAX) {
		size_t drop = p->tail_len + n - TAIL_MAX;
		memmove(p->tail, p->tail + drop, p->tail_len - drop);
		p->tail_len -= drop;
	}
	memcpy(p->tail + p->tail_len, s, n);
	p->tail_len += n;
}

/* Reading text: up to and including LF, within the line limit. */
static enum imap_event_type
step_line(struct imap_parser *p, struct imap_event *ev, const char *s,
    size_t avail, size_t *used)
{
	const char *lf = memchr(s, '\n', avail);
	size_t n = lf ? (size_t)(lf - s) + 1 : avail;

	*used = n;
	if (p->text_len + n > p->lim.max_line + 2 ||
	    p->cmd.len + n > p->lim.max_command) {
		/* Too long: keep enough to find the tag, skip the rest. */
		bool line = p->text_len + n > p->lim.max_line + 2;

		/* The skip must see this line's end, e.g. a "{5+}" marker
		 * split between what is in cmd and what comes next. */
		p->tail_len = 0;
		if (p->cmd.len > p->line_start)
			tail_add(p, p->cmd.data + p->line_start,
			    p->cmd.len - p->line_start);
		buf_add(&p->cmd, s, n < TAG_MAX ? n : TAG_MAX);
		refuse(p, line ? "Line too long" : "Command too long");
		p->mode = M_COMMAND;
		p->st = S_SKIP_LINE;
		*used = 0;
		return IMAP_EV_NEED_MORE;
	}
	buf_add(&p->cmd, s, n);
	p->text_len += n;
	if (!lf)
		return IMAP_EV_NEED_MORE;
	return on_line(p, ev);
}

/* Skipping a refused command's text; a {n+} at its end is skipped too. */
static enum imap_event_type
step_skip_line(struct imap_parser *p, struct imap_event *ev, const char *s,
    size_t avail, size_t *used)
{
	const char *lf = memchr(s, '\n', avail);
	size_t n = lf ? (size_t)(lf - s) : avail;
	uint64_t size;
	bool nonsync;

	tail_add(p, s, n);
	*used = lf ? n + 1 : n;
	if (!lf)
		return IMAP_EV_NEED_MORE;
	if (p->tail_len && p->tail[p->tail_len - 1] == '\r')
		p->tail_len--;
	if (literal_marker(p->tail, p->tail_len, &size, &nonsync) == 1 &&
	    nonsync) {
		p->lit_left = size;
		p->st = S_SKIP_LITERAL;
		return IMAP_EV_NEED_MORE;
	}
	if (literal_marker(p->tail, p->tail_len, &size, &nonsync) < 0 &&
	    nonsync) {
		p->st = S_FATAL;
		ev->text = "Literal size out of range";
		return ev->type = IMAP_EV_FATAL;
	}
	p->tail_len = 0;
	if (p->bad_pending)
		return emit_bad(p, ev);
	cmd_reset(p);
	p->st = S_LINE;
	return IMAP_EV_NEED_MORE;
}

/* Literal bytes: kept, skipped or streamed. */
static enum imap_event_type
step_literal(struct imap_parser *p, struct imap_event *ev, const char *s,
    size_t avail, size_t *used)
{
	size_t n = p->lit_left < avail ? (size_t)p->lit_left : avail;

	*used = n;
	p->lit_left -= n;
	if (p->st == S_LITERAL) {
		buf_add(&p->cmd, s, n);
		if (p->lit_left == 0) {
			p->line_start = p->cmd.len;
			p->st = S_LINE;
		}
		return IMAP_EV_NEED_MORE;
	}
	if (p->st == S_SKIP_LITERAL) {
		if (p->lit_left == 0) {
			p->tail_len = 0;
			p->st = S_SKIP_LINE;
		}
		return IMAP_EV_NEED_MORE;
	}
	/* S_APPEND_DATA */
	if (p->lit_left == 0 && n == 0) {
		p->st = S_LINE;
		return ev->type = IMAP_EV_APPEND_END;
	}
	if (n == 0)
		return IMAP_EV_NEED_MORE;
	p->append_data_started = true;
	ev->data = s;
	ev->len = n;
	return ev->type = IMAP_EV_APPEND_DATA;
}

enum imap_event_type
imap_parser_next(struct imap_parser *p, struct imap_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (p->wipe_cmd) {
		p->wipe_cmd = false;
		cmd_reset(p);
	}
	if (p->st == S_FATAL) {
		ev->text = "Protocol error";
		return ev->type = IMAP_EV_FATAL;
	}
	if (p->pending_continue) {
		p->pending_continue = false;
		return ev->type = IMAP_EV_CONTINUE;
	}
	for (;;) {
		const char *s = p->in.data ? p->in.data + p->in_off : "";
		size_t avail = p->in.len - p->in_off, used = 0;
		enum imap_event_type t;

		if (p->st == S_APPEND_DATA && p->lit_left == 0)
			avail = 0;      /* END is due even with no input */
		else if (avail == 0)
			return ev->type = IMAP_EV_NEED_MORE;
		switch (p->st) {
		case S_LINE:
			t = step_line(p, ev, s, avail, &used);
			break;
		case S_SKIP_LINE:
			t = step_skip_line(p, ev, s, avail, &used);
			break;
		default:
			t = step_literal(p, ev, s, avail, &used);
			break;
		}
		p->in_off += used;
		if (t != IMAP_EV_NEED_MORE)
			return t;
		if (p->pending_continue) {
			p->pending_continue = false;
			return ev->type = IMAP_EV_CONTINUE;
		}
		if (p->st == S_FATAL) {
			ev->text = "Protocol error";
			return ev->type = IMAP_EV_FATAL;
		}
	}
}
