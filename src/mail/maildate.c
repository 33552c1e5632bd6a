/* Date-time parsing; see maildate.h. */
#include "mail/maildate.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/rfc822tok.h"

struct dt {
	int year, mon, day, hour, min, sec, tz;
};

/* Value of an all-digit token, -1 if it is not one or too long. */
static int tok_num(const struct tok *t, size_t maxlen)
{
	if (t->type != TOK_ATOM || t->n == 0 || t->n > maxlen)
		return -1;
	int v = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		v = v * 10 + (t->s[i] - '0');
	}
	return v;
}

static int month_of(const char *s, size_t n)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	if (n < 3)
		return -1;
	for (int m = 0; m < 12; m++)
		if (strncasecmp(s, names + m * 3, 3) == 0)
			return m + 1;
	return -1;
}

static int zone_of(const struct tok *t)
{
	static const struct { const char *name; int hours; } zones[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	if (t->type != TOK_ATOM)
		return 0;
	if (t->n == 5 && (t->s[0] == '+' || t->s[0] == '-')) {
		struct tok d = { TOK_ATOM, t->s + 1, 4, 0, false };
		int v = tok_num(&d, 4);
		if (v < 0 || v % 100 > 59)
			return 0;
		int m = v / 100 * 60 + v % 100;
		return t->s[0] == '-' ? -m : m;
	}
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strlen(zones[i].name) == t->n &&
		    strncasecmp(zones[i].name, t->s, t->n) == 0)
			return zones[i].hours * 60;
	return 0;       /* military and unknown zones: -0000 (RFC 5322 4.3) */
}

static int full_year(int y, size_t digits)
{
	if (digits == 2)
		return y < 50 ? 2000 + y : 1900 + y;
	if (digits == 3)
		return 1900 + y;
	return y;
}

/* "23 Nov 2026" as three tokens, or "23-Nov-2026" as one. */
static bool read_dmy(struct lex *lx, struct tok *first, struct dt *d)
{
	const char *dash = first->type == TOK_ATOM ?
	    memchr(first->s, '-', first->n) : NULL;
	struct tok day = *first, mon, year;
	if (dash) {
		const char *dash2 = memchr(dash + 1, '-',
		    first->n - (size_t)(dash + 1 - first->s));
		if (dash2 == NULL)
			return false;
		day.n = (size_t)(dash - first->s);
		mon = (struct tok){ TOK_ATOM, dash + 1, (size_t)(dash2 - dash - 1), 0, false };
		year = (struct tok){ TOK_ATOM, dash2 + 1,
		    first->n - (size_t)(dash2 + 1 - first->s), 0, false };
	} else {
		lex_next(lx, &mon);
		lex_next(lx, &year);
	}
	d->day = tok_num(&day, 2);
	d->mon = mon.type == TOK_ATOM ? month_of(mon.s, mon.n) : -1;
	int y = tok_num(&year, 4);
	d->year = y < 0 ? -1 : full_year(y, year.n);
	return d->day >= 1 && d->mon > 0 && d->year >= 1900;
}

/* hour ":" minute [":" second] */
static bool read_time(struct lex *lx, struct dt *d, struct tok *after)
{
	struct tok h, c, m;
	lex_next(lx, &h);
	lex_next(lx, &c);
	lex_next(lx, &m);
	d->hour = tok_num(&h, 2);
	d->min = tok_num(&m, 2);
	if (c.type != TOK_SPECIAL || c.ch != ':' || d->hour < 0 || d->min < 0)
		return false;
	lex_next(lx, after);
	d->sec = 0;
	if (after->type == TOK_SPECIAL && after->ch == ':') {
		lex_next(lx, &m);
		d->sec = tok_num(&m, 2);
		lex_next(lx, after);
	}
	return d->hour <= 23 && d->min <= 59 && d->sec >= 0 && d->sec <= 60;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool mail_date_parse(const char *s, size_t n, time_t *t, int *tz_min)
{
	struct lex lx;
	struct tok tk, zone;
	struct dt d;
	lex_init(&lx, s, n, ",:");
	lex_next(&lx, &tk);
	if (tk.type == TOK_ATOM && tk.n > 0 && tk.s[0] > '9') {
		lex_next(&lx, &tk);             /* day name */
		if (tk.type == TOK_SPECIAL && tk.ch == ',')
			lex_next(&lx, &tk);
	}
	if (!read_dmy(&lx, &tk, &d) || d.day > days_in_month(d.year, d.mon) ||
	    !read_time(&lx, &d, &zone))
		return false;
	d.tz = zone_of(&zone);
	long long secs = days_from_civil(d.year, d.mon, d.day) * 86400LL +
	    d.hour * 3600 + d.min * 60 + d.sec - d.tz * 60LL;
	*t = (time_t)secs;
	*tz_min = d.tz;
	return true;
}

void mail_date_format(time_t t, struct buf *out)
{
	char s[64];
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_addstr(out, s);
}
