/* ManageSieve after login (RFC 5804 2.3-2.13): the commands that list,
 * read, store, check, activate, rename and delete the user's scripts. A
 * script is stored only when the Sieve compiler takes it; its error, with
 * the line, is the NO's text. */
#include "imap/managesieve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "filter/sieve.h"
#include "store/sievestore.h"

#define SIEVE_EXTENSIONS "fileinto envelope copy imap4flags variables " \
	"subaddress relational body vacation comparator-i;ascii-numeric"

struct msv_session {
	char *dir;
	struct msv_parser parser;
	struct buf out;
	bool closed;
};

void msv_string(struct buf *out, const char *s, size_t len)
{
	bool quote = len < 1024 && memchr(s, '\0', len) == NULL &&
	    strcspn(s, "\r\n\"\\") == len;
	if (quote)
		buf_printf(out, "\"%s\"", s);
	else {
		buf_printf(out, "{%zu}\r\n", len);
		buf_add(out, s, len);
	}
}

void msv_reply(struct buf *out, const char *status, const char *code,
    const char *text)
{
	buf_addstr(out, status);
	if (code != NULL)
		buf_printf(out, " (%s)", code);
	if (text != NULL) {
		buf_addch(out, ' ');
		msv_string(out, text, strlen(text));
	}
	buf_addstr(out, "\r\n");
}

void msv_capabilities(bool tls, bool authed, struct buf *out)
{
	buf_addstr(out, "\"IMPLEMENTATION\" \"archmailbox\"\r\n"
	    "\"SIEVE\" \"" SIEVE_EXTENSIONS "\"\r\n");
	if (!authed && tls)
		buf_addstr(out, "\"SASL\" \"PLAIN\"\r\n");
	if (!authed && !tls)
		buf_addstr(out, "\"SASL\" \"\"\r\n\"STARTTLS\"\r\n");
	buf_printf(out, "\"MAXREDIRECTS\" \"%d\"\r\n\"VERSION\" \"1.0\"\r\n",
	    SIEVE_MAX_REDIRECTS);
}

void msv_noop(struct buf *out, const struct msv_cmd *c)
{
	if (c->nargs == 1) {
		buf_addstr(out, "OK (TAG ");
		msv_string(out, c->arg[0].s, c->arg[0].len);
		buf_addstr(out, ") \"Done\"\r\n");
	} else {
		msv_reply(out, "OK", NULL, "Done");
	}
}

struct msv_session *msv_session_new(const char *dir)
{
	struct msv_session *s = xcalloc(1, sizeof *s);
	s->dir = xstrdup(dir);
	msv_parser_init(&s->parser, SIEVE_MAX_SCRIPT);
	return s;
}

void msv_session_free(struct msv_session *s)
{
	if (s == NULL)
		return;
	msv_parser_free(&s->parser);
	buf_free(&s->out);
	free(s->dir);
	free(s);
}

/* A name argument; NO when it cannot name a script. */
static bool name_arg(struct msv_session *s, const struct msv_arg *a)
{
	if (strlen(a->s) == a->len && sievestore_name_ok(a->s))
		return true;
	msv_reply(&s->out, "NO", NULL, "Invalid script name");
	return false;
}

static void store_reply(struct msv_session *s, enum sievestore_rc rc,
    struct buf *err)
{
	switch (rc) {
	case SIEVESTORE_OK:
		msv_reply(&s->out, "OK", NULL, NULL);
		break;
	case SIEVESTORE_NOTFOUND:
		msv_reply(&s->out, "NO", "NONEXISTENT", "No such script");
		break;
	case SIEVESTORE_ACTIVE:
		msv_reply(&s->out, "NO", "ACTIVE", "The active script cannot be "
		    "deleted");
		break;
	case SIEVESTORE_EXISTS:
		msv_reply(&s->out, "NO", "ALREADYEXISTS", "A script of that name "
		    "exists");
		break;
	case SIEVESTORE_FULL:
		msv_reply(&s->out, "NO", "QUOTA/MAXSCRIPTS", "Too many scripts");
		break;
	case SIEVESTORE_FAIL:
		msv_reply(&s->out, "NO", "TRYLATER", buf_cstr(err));
		break;
	}
}

/* The script's compile error as NO, or true. */
static bool script_ok(struct msv_session *s, const struct msv_arg *a)
{
	struct buf err = BUF_INIT;
	struct sieve_script *sc = sieve_compile(a->s, a->len, &err);
	if (sc == NULL) {
		struct buf text = BUF_INIT;
		buf_printf(&text, "line %s", buf_cstr(&err));
		msv_reply(&s->out, "NO", NULL, text.data);
		buf_free(&text);
	}
	sieve_free(sc);
	buf_free(&err);
	return sc != NULL;
}

static void cmd_listscripts(struct msv_session *s)
{
	struct buf active = BUF_INIT;
	size_t n;
	char **v = sievestore_list(s->dir, &n);
	sievestore_active(s->dir, &active);
	for (size_t i = 0; i < n; i++) {
		msv_string(&s->out, v[i], strlen(v[i]));
		buf_addstr(&s->out, strcmp(v[i], buf_cstr(&active)) ? "\r\n" :
		    " ACTIVE\r\n");
	}
	sievestore_list_free(v, n);
	buf_free(&active);
	msv_reply(&s->out, "OK", NULL, "Listscripts completed");
}

static void cmd_getscript(struct msv_session *s, const struct msv_arg *a)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	enum sievestore_rc rc = sievestore_get(s->dir, a->s, &text, &err);
	if (rc == SIEVESTORE_OK) {
		buf_printf(&s->out, "{%zu}\r\n", text.len);
		buf_add(&s->out, text.data, text.len);
		buf_addstr(&s->out, "\r\n");
	}
	store_reply(s, rc, &err);
	buf_free(&text);
	buf_free(&err);
}

static void cmd_havespace(struct msv_session *s, const struct msv_cmd *c)
{
	char *end;
	unsigned long long size = strtoull(c->arg[1].s, &end, 10);
	size_t n;
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s.sieve", s->dir, c->arg[0].s);
	char **v = sievestore_list(s->dir, &n);
	sievestore_list_free(v, n);
	if (*end != '\0' || end == c->arg[1].s)
		msv_reply(&s->out, "NO", NULL, "Invalid size");
	else if (size > SIEVE_MAX_SCRIPT)
		msv_reply(&s->out, "NO", "QUOTA/MAXSIZE", "Script too large");
	else if (n >= SIEVESTORE_MAX_SCRIPTS && access(p.data, F_OK) != 0)
		msv_reply(&s->out, "NO", "QUOTA/MAXSCRIPTS", "Too many scripts");
	else
		msv_reply(&s->out, "OK", NULL, NULL);
	buf_free(&p);
}

static bool nargs_ok(struct msv_session *s, const struct msv_cmd *c,
    size_t min, size_t max)
{
	if (c->nargs >= min && c->nargs <= max)
		return true;
	msv_reply(&s->out, "NO", NULL, "Wrong number of arguments");
	return false;
}

/* Answers a command; says nothing for one it does not know. */
static void command(struct msv_session *s, const struct msv_cmd *c)
{
	struct buf err = BUF_INIT;
	const char *n = c->name;
	const struct msv_arg *a = c->arg;
	if (!strcmp(n, "CAPABILITY") && nargs_ok(s, c, 0, 0)) {
		msv_capabilities(true, true, &s->out);
		msv_reply(&s->out, "OK", NULL, "Capability completed");
	} else if (!strcmp(n, "LOGOUT")) {
		msv_reply(&s->out, "OK", NULL, "Logout completed");
		s->closed = true;
	} else if (!strcmp(n, "NOOP") && nargs_ok(s, c, 0, 1)) {
		msv_noop(&s->out, c);
	} else if (!strcmp(n, "HAVESPACE") && nargs_ok(s, c, 2, 2) &&
	    name_arg(s, &a[0])) {
		cmd_havespace(s, c);
	} else if (!strcmp(n, "PUTSCRIPT") && nargs_ok(s, c, 2, 2) &&
	    name_arg(s, &a[0]) && script_ok(s, &a[1])) {
		store_reply(s, sievestore_put(s->dir, a[0].s, a[1].s, a[1].len, &err),
		    &err);
	} else if (!strcmp(n, "CHECKSCRIPT") && nargs_ok(s, c, 1, 1) &&
	    script_ok(s, &a[0])) {
		msv_reply(&s->out, "OK", NULL, NULL);
	} else if (!strcmp(n, "LISTSCRIPTS") && nargs_ok(s, c, 0, 0)) {
		cmd_listscripts(s);
	} else if (!strcmp(n, "SETACTIVE") && nargs_ok(s, c, 1, 1) &&
	    (a[0].len == 0 || name_arg(s, &a[0]))) {
		store_reply(s, sievestore_activate(s->dir, a[0].s, &err), &err);
	} else if (!strcmp(n, "GETSCRIPT") && nargs_ok(s, c, 1, 1) &&
	    name_arg(s, &a[0])) {
		cmd_getscript(s, &a[0]);
	} else if (!strcmp(n, "DELETESCRIPT") && nargs_ok(s, c, 1, 1) &&
	    name_arg(s, &a[0])) {
		store_reply(s, sievestore_delete(s->dir, a[0].s, &err), &err);
	} else if (!strcmp(n, "RENAMESCRIPT") && nargs_ok(s, c, 2, 2) &&
	    name_arg(s, &a[0]) && name_arg(s, &a[1])) {
		store_reply(s, sievestore_rename(s->dir, a[0].s, a[1].s, &err), &err);
	} else if (!strcmp(n, "STARTTLS") || !strcmp(n, "AUTHENTICATE")) {
		msv_reply(&s->out, "NO", NULL, "Already authenticated");
	}
	buf_free(&err);
}

void msv_session_feed(struct msv_session *s, const void *data, size_t n)
{
	if (s->closed)
		return;
	msv_feed(&s->parser, data, n);
	struct msv_cmd c;
	enum msv_rc rc;
	while (!s->closed && (rc = msv_next(&s->parser, &c)) != MSV_MORE) {
		size_t before = s->out.len;
		if (rc == MSV_CMD) {
			command(s, &c);
			if (s->out.len == before)
				msv_reply(&s->out, "NO", NULL, "Unknown command");
			msv_cmd_free(&c);
		} else if (rc == MSV_BAD) {
			msv_reply(&s->out, "NO", NULL, c.bad);
		} else {
			msv_reply(&s->out, "BYE", NULL, c.bad);
			s->closed = true;
		}
	}
}

const char *msv_session_output(struct msv_session *s, size_t *n)
{
	*n = s->out.len;
	return buf_cstr(&s->out);
}

void msv_session_consume(struct msv_session *s, size_t n)
{
	buf_consume(&s->out, n);
}

bool msv_session_closed(const struct msv_session *s)
{
	return s->closed;
}
