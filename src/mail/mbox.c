/* mbox splitting: a small per-line state machine; see mbox.h. */
#include "mail/mbox.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { LINE_START, LINE_PASS, LINE_FROM, LINE_FROM_SKIP };

void mbox_init(struct mbox *m, const struct mbox_cb *cb, void *arg)
{
	memset(m, 0, sizeof *m);
	m->cb = cb;
	m->arg = arg;
	m->prev_blank = true;
	m->state = LINE_START;
	buf_init(&m->line);
	buf_init(&m->blank);
}

void mbox_free(struct mbox *m)
{
	buf_free(&m->line);
	buf_free(&m->blank);
}

static void emit(struct mbox *m, const void *p, size_t n)
{
	if (n > 0)
		m->cb->data(m->arg, p, n);
}

/* Body text follows: the empty line held back was part of the message. */
static void release_blank(struct mbox *m)
{
	if (m->blank.len > 0) {
		emit(m, m->blank.data, m->blank.len);
		buf_reset(&m->blank);
	}
}

static void end_message(struct mbox *m)
{
	if (m->in_msg)
		m->cb->end(m->arg);
	m->in_msg = false;
	buf_reset(&m->blank);
}

static size_t count_gt(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[k] == '>')
		k++;
	return k;
}

static bool prefix_of_from(const char *s, size_t n)
{
	return memcmp(s, "From ", n < 5 ? n : 5) == 0;
}

enum verdict { UNDECIDED, FROM_LINE, QUOTED, PLAIN };

/* What the start of a line (no line end yet) is. */
static enum verdict classify(const struct mbox *m, const char *s, size_t n)
{
	size_t k = count_gt(s, n);
	if (k == 0) {
		if (n == 0 || (n == 1 && s[0] == '\r'))
			return UNDECIDED;       /* may be an empty line */
		if (!prefix_of_from(s, n))
			return PLAIN;
		if (n < 5)
			return UNDECIDED;
		return m->prev_blank ? FROM_LINE : PLAIN;
	}
	if (k == n)
		return n >= MBOX_LINE_HOLD ? PLAIN : UNDECIDED;
	if (!prefix_of_from(s + k, n - k))
		return PLAIN;
	return n - k >= 5 ? QUOTED : UNDECIDED;
}

/* Text that is neither an empty line nor a From_ line. */
static void body_text(struct mbox *m, const char *s, size_t n)
{
	if (!m->in_msg) {
		m->bad = true;
		return;
	}
	release_blank(m);
	emit(m, s, n);
	m->prev_blank = false;
}

/* The held start of a line is now known to be v. */
static void decided(struct mbox *m, enum verdict v)
{
	if (v == FROM_LINE) {
		end_message(m);
		m->state = LINE_FROM;
		return;
	}
	if (v == QUOTED)
		body_text(m, m->line.data + 1, m->line.len - 1);
	else
		body_text(m, m->line.data, m->line.len);
	buf_reset(&m->line);
	m->state = LINE_PASS;
}

/* A line end while the line was still undecided: an empty line, or a
 * short line such as ">>" or "Fro". */
static void short_line(struct mbox *m)
{
	const char *s = m->line.data;
	size_t n = m->line.len;     /* includes the LF */
	if (n == 1 || (n == 2 && s[0] == '\r')) {
		if (m->in_msg) {
			release_blank(m);
			buf_add(&m->blank, s, n);
		}
		m->prev_blank = true;
	} else {
		body_text(m, s, n);
	}
	buf_reset(&m->line);
}

static void from_line_done(struct mbox *m)
{
	size_t n = m->line.len;
	if (n > 0 && m->line.data[n - 1] == '\r')
		n--;
	m->in_msg = true;
	m->messages++;
	m->cb->begin(m->arg, m->line.data, n);
	buf_reset(&m->line);
	m->prev_blank = false;
}

/* Consumes bytes of one line from p; returns how many. */
static size_t step(struct mbox *m, const char *p, size_t n)
{
	const char *lf = memchr(p, '\n', n);
	size_t upto = lf ? (size_t)(lf - p) + 1 : n;
	switch (m->state) {
	case LINE_PASS:
		emit(m, p, upto);
		break;
	case LINE_FROM:
	case LINE_FROM_SKIP: {
		size_t take = lf ? upto - 1 : upto;
		if (m->state == LINE_FROM) {
			size_t room = MBOX_LINE_HOLD - m->line.len;
			buf_add(&m->line, p, take < room ? take : room);
			if (take >= room)
				m->state = LINE_FROM_SKIP;
		}
		if (lf)
			from_line_done(m);
		break;
	}
	default:
		/* Byte by byte: only the first few bytes of a line matter. */
		buf_addch(&m->line, p[0]);
		if (p[0] == '\n') {
			short_line(m);
			m->state = LINE_START;
			return 1;
		}
		enum verdict v = classify(m, m->line.data, m->line.len);
		if (v != UNDECIDED)
			decided(m, v);
		return 1;
	}
	if (lf)
		m->state = LINE_START;
	return upto;
}

bool mbox_feed(struct mbox *m, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0 && !m->bad) {
		size_t used = step(m, s, n);
		s += used;
		n -= used;
	}
	return !m->bad;
}

bool mbox_finish(struct mbox *m)
{
	if (m->bad)
		return false;
	if (m->state == LINE_FROM || m->state == LINE_FROM_SKIP) {
		from_line_done(m);
	} else if (m->state == LINE_START && m->line.len > 0) {
		/* A last line without LF that never got decided. */
		body_text(m, m->line.data, m->line.len);
		buf_reset(&m->line);
	}
	m->state = LINE_START;
	end_message(m);
	return !m->bad;
}

bool mbox_from_date(const char *line, size_t n, int64_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const char days[] = "MonTueWedThuFriSatSun";
	/* Find "Www Mmm " anywhere after "From x ": the sender may hold
	 * spaces, the date is the first day-month pair. */
	for (size_t i = 5; i + 24 <= n; i++) {
		const char *s = line + i;
		if (s[-1] != ' ' || s[3] != ' ' || s[7] != ' ')
			continue;
		const char *d = NULL, *mo = NULL;
		for (size_t k = 0; k < 7 && d == NULL; k++)
			if (memcmp(s, days + 3 * k, 3) == 0)
				d = s;
		for (size_t k = 0; k < 12 && mo == NULL; k++)
			if (memcmp(s + 4, months + 3 * k, 3) == 0)
				mo = months + 3 * k;
		if (d == NULL || mo == NULL)
			continue;
		char tail[32];
		size_t tl = n - i - 8 < sizeof tail - 1 ? n - i - 8 : sizeof tail - 1;
		memcpy(tail, s + 8, tl);
		tail[tl] = '\0';
		int day, hh, mm, ss, yy, used = 0;
		if (sscanf(tail, "%2d %2d:%2d:%2d %4d%n", &day, &hh, &mm, &ss, &yy,
		    &used) != 5 || day < 1 || day > 31 || hh > 23 || mm > 59 ||
		    ss > 60 || yy < 1970 || hh < 0 || mm < 0 || ss < 0)
			continue;
		struct tm tm = { .tm_year = yy - 1900,
		    .tm_mon = (int)((mo - months) / 3), .tm_mday = day,
		    .tm_hour = hh, .tm_min = mm, .tm_sec = ss };
		time_t t = timegm(&tm);
		if (t == (time_t)-1)
			continue;
		*out = (int64_t)t;
		return true;
	}
	return false;
}

static unsigned status_letters(const char *v, size_t n, bool x)
{
	unsigned f = 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!x && c == 'R')
			f |= MBOX_F_SEEN;
		else if (x && c == 'A')
			f |= MBOX_F_ANSWERED;
		else if (x && c == 'F')
			f |= MBOX_F_FLAGGED;
		else if (x && c == 'D')
			f |= MBOX_F_DELETED;
		else if (x && c == 'T')
			f |= MBOX_F_DRAFT;
	}
	return f;
}

unsigned mbox_status_flags(const char *msg, size_t len)
{
	unsigned f = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *s = msg + pos;
		const char *lf = memchr(s, '\n', len - pos);
		size_t n = lf ? (size_t)(lf - s) : len - pos;
		pos += n + 1;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 0)
			break;          /* end of the header */
		if (n >= 7 && strncasecmp(s, "Status:", 7) == 0)
			f |= status_letters(s + 7, n - 7, false);
		else if (n >= 9 && strncasecmp(s, "X-Status:", 9) == 0)
			f |= status_letters(s + 9, n - 9, true);
	}
	return f;
}
