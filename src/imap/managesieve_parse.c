/* ManageSieve commands (RFC 5804 4): an atom, then strings (quoted, or
 * literals "{N+}" / "{N}" followed by N octets), then CRLF. The input is
 * parsed from its start each time more arrives; a literal is skipped over
 * by its length, so that costs little. */
#include "imap/managesieve.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define MAX_QUOTED 1024

void msv_parser_init(struct msv_parser *p, size_t max_literal)
{
	memset(p, 0, sizeof *p);
	p->max_literal = max_literal;
}

void msv_parser_free(struct msv_parser *p)
{
	buf_free(&p->in);
}

void msv_feed(struct msv_parser *p, const void *data, size_t n)
{
	buf_add(&p->in, data, n);
}

void msv_cmd_free(struct msv_cmd *cmd)
{
	for (size_t i = 0; i < cmd->nargs; i++) {
		sodium_memzero(cmd->arg[i].s, cmd->arg[i].len);
		free(cmd->arg[i].s);
	}
	cmd->nargs = 0;
}

struct cursor {
	const char *p, *end;
	const char *bad;
	bool fatal;
};

enum step { STEP_OK, STEP_MORE, STEP_BAD };

static enum step bad(struct cursor *c, const char *why, bool fatal)
{
	c->bad = why;
	c->fatal = fatal;
	return STEP_BAD;
}

static enum step quoted(struct cursor *c, struct buf *out)
{
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;
		if (ch == '\\') {
			if (c->p >= c->end)
				return STEP_MORE;
			ch = *c->p++;
			if (ch != '"' && ch != '\\')
				return bad(c, "bad escape in quoted string", false);
		}
		if (ch == '\r' || ch == '\n' || ch == '\0')
			return bad(c, "bad character in quoted string", false);
		if (out->len >= MAX_QUOTED)
			return bad(c, "quoted string too long", false);
		buf_addch(out, ch);
	}
	if (c->p >= c->end)
		return STEP_MORE;
	c->p++;
	return STEP_OK;
}

static enum step literal(struct cursor *c, struct buf *out, size_t max)
{
	size_t n = 0;
	c->p++;
	const char *digits = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (n > max)
			return bad(c, "literal too long", true);
		n = n * 10 + (size_t)(*c->p++ - '0');
	}
	if (c->p < c->end && *c->p == '+')
		c->p++;
	if (c->end - c->p < 3)
		return STEP_MORE;
	if (c->p == digits || memcmp(c->p, "}\r\n", 3) != 0)
		return bad(c, "malformed literal", false);
	if (n > max)
		return bad(c, "literal too long", true);
	c->p += 3;
	if ((size_t)(c->end - c->p) < n)
		return STEP_MORE;
	buf_add(out, c->p, n);
	c->p += n;
	return STEP_OK;
}

static enum step string(struct cursor *c, struct buf *out, size_t max)
{
	buf_set(out, "");
	if (*c->p == '"')
		return quoted(c, out);
	if (*c->p == '{')
		return literal(c, out, max);
	/* An atom (NOOP's tag may come as one). */
	while (c->p < c->end && *c->p > ' ' && *c->p < 0x7f &&
	    !strchr("\"{}()", *c->p) && out->len < MAX_QUOTED)
		buf_addch(out, *c->p++);
	if (out->len == 0)
		return bad(c, "expected a string", false);
	return c->p < c->end ? STEP_OK : STEP_MORE;
}

static enum step line_end(struct cursor *c)
{
	if (c->end - c->p < 2)
		return *c->p == '\r' ? STEP_MORE : bad(c, "expected CRLF", false);
	if (c->p[0] != '\r' || c->p[1] != '\n')
		return bad(c, "expected CRLF", false);
	c->p += 2;
	return STEP_OK;
}

static enum step parse(struct msv_parser *ps, struct cursor *c,
    struct msv_cmd *cmd)
{
	struct buf s = BUF_INIT;
	enum step st = STEP_OK;
	size_t k = 0;
	while (!ps->sasl && c->p < c->end && k < sizeof cmd->name - 1 &&
	    ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z')))
		cmd->name[k++] = (char)(*c->p >= 'a' ? *c->p++ - 32 : *c->p++);
	cmd->name[k] = '\0';
	if (k == 0 && !ps->sasl && c->p < c->end)
		return bad(c, "expected a command", false);
	for (;;) {
		if (c->p >= c->end) {
			st = STEP_MORE;
			break;
		}
		bool first_sasl = ps->sasl && cmd->nargs == 0;
		if (!first_sasl && (*c->p == '\r' || *c->p == '\n')) {
			st = line_end(c);
			break;
		}
		if (!first_sasl && *c->p++ != ' ') {
			st = bad(c, "expected a space", false);
			break;
		}
		if (c->p >= c->end) {
			st = STEP_MORE;
			break;
		}
		if (cmd->nargs == MSV_MAX_ARGS) {
			st = bad(c, "too many arguments", false);
			break;
		}
		if ((st = string(c, &s, ps->max_literal)) != STEP_OK)
			break;
		cmd->arg[cmd->nargs].len = s.len;
		cmd->arg[cmd->nargs++].s = xmemdup(buf_cstr(&s), s.len + 1);
	}
	sodium_memzero(s.data, s.len);
	buf_free(&s);
	return st;
}

/* Drops the bytes of a bad line, through its LF. */
static void skip_line(struct msv_parser *p, const char *from)
{
	const char *lf = memchr(from, '\n', p->in.len - (size_t)(from - p->in.data));
	buf_consume(&p->in, lf ? (size_t)(lf + 1 - p->in.data) : p->in.len);
}

enum msv_rc msv_next(struct msv_parser *p, struct msv_cmd *cmd)
{
	memset(cmd, 0, sizeof *cmd);
	if (p->in.len == 0)
		return MSV_MORE;
	struct cursor c = { p->in.data, p->in.data + p->in.len, NULL, false };
	enum step st = parse(p, &c, cmd);
	if (st == STEP_OK) {
		buf_consume(&p->in, (size_t)(c.p - p->in.data));
		p->sasl = false;
		return MSV_CMD;
	}
	msv_cmd_free(cmd);
	if (st == STEP_MORE) {
		/* Only literals make a command longer than a line. */
		if ((memchr(p->in.data, '\n', p->in.len) == NULL &&
		    p->in.len > MSV_MAX_LINE) ||
		    p->in.len > MSV_MAX_LINE + 2 * p->max_literal) {
			cmd->bad = "command too long";
			return MSV_FATAL;
		}
		return MSV_MORE;
	}
	cmd->bad = c.bad;
	p->sasl = false;
	if (c.fatal)
		return MSV_FATAL;
	skip_line(p, c.p < c.end ? c.p : c.end);
	return MSV_BAD;
}
