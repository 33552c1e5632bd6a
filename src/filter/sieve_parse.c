/* Sieve grammar (RFC 5228 8): tokens and the command tree, with the
 * line of the first error. Hostile scripts meet limits on size, nesting,
 * string and list lengths and node count; NUL bytes and bad UTF-8 are
 * refused, so every string in the tree is a safe C string. */
#include "filter/sieve_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

enum tok { T_EOF, T_ID, T_TAG, T_NUM, T_STR, T_PUNCT, T_ERR };

struct parser {
	const char *p, *end;
	int line;
	enum tok t;          /* current token */
	int tline;
	char punct;
	uint64_t num;
	struct buf text;     /* identifier, tag or string */
	size_t nodes;
	struct buf *err;
	bool failed;
};

static bool fail(struct parser *ps, int line, const char *msg)
{
	if (!ps->failed) {
		buf_reset(ps->err);
		buf_printf(ps->err, "%d: %s", line, msg);
	}
	ps->failed = true;
	ps->t = T_ERR;
	return false;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a valid UTF-8 sequence at p (shortest form, no surrogates),
 * or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 :
	    p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
	if (n == 0 || (size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) ||
	    (n == 3 && p[0] == 0xed && p[1] >= 0xa0) ||
	    (n == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
	    (n == 4 && p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* Every byte of the script is checked once here, before tokens. */
static bool check_bytes(struct parser *ps)
{
	const unsigned char *p = (const unsigned char *)ps->p;
	const unsigned char *end = (const unsigned char *)ps->end;
	int line = 1;
	while (p < end) {
		if (*p == '\0')
			return fail(ps, line, "NUL byte in script");
		size_t n = utf8_len(p, end);
		if (n == 0)
			return fail(ps, line, "invalid UTF-8");
		if (*p == '\n')
			line++;
		p += n;
	}
	return true;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;
		if (c == '\n') {
			ps->line++;
			ps->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			ps->p++;
		} else if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '*') {
			int start = ps->line;
			ps->p += 2;
			while (ps->p + 1 < ps->end &&
			    !(ps->p[0] == '*' && ps->p[1] == '/')) {
				if (*ps->p == '\n')
					ps->line++;
				ps->p++;
			}
			if (ps->p + 1 >= ps->end) {
				fail(ps, start, "unterminated comment");
				ps->p = ps->end;
				return;
			}
			ps->p += 2;
		} else {
			return;
		}
	}
}

static bool add_char(struct parser *ps, char c)
{
	if (ps->text.len >= SIEVE_MAX_STRING)
		return fail(ps, ps->tline, "string too long");
	buf_addch(&ps->text, c);
	return true;
}

static bool lex_quoted(struct parser *ps)
{
	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p++;
		if (c == '\\' && ps->p < ps->end)
			c = *ps->p++;
		if (c == '\n')
			ps->line++;
		if (!add_char(ps, c))
			return false;
	}
	if (ps->p >= ps->end)
		return fail(ps, ps->tline, "unterminated string");
	ps->p++;
	return true;
}

/* "text:" ws [comment] CRLF, lines, "." CRLF; ".." at a line start
 * stands for ".". */
static bool lex_multiline(struct parser *ps)
{
	ps->p += 5;
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && *ps->p != '\n')
			ps->p++;
	if (ps->p < ps->end && *ps->p == '\r')
		ps->p++;
	if (ps->p >= ps->end || *ps->p != '\n')
		return fail(ps, ps->tline, "text: must end its line");
	ps->p++;
	ps->line++;
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, ps->tline, "unterminated text: string");
		const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
		const char *eol = nl ? nl : ps->end;
		size_t n = (size_t)(eol - ps->p);
		if (n > 0 && ps->p[n - 1] == '\r')
			n--;
		if (n == 1 && ps->p[0] == '.') {
			ps->p = nl ? nl + 1 : ps->end;
			ps->line++;
			return true;
		}
		const char *s = ps->p;
		if (n > 0 && s[0] == '.') {
			s++;
			n--;
		}
		for (size_t i = 0; i < n; i++)
			if (!add_char(ps, s[i]))
				return false;
		if (nl == NULL)
			return fail(ps, ps->tline, "unterminated text: string");
		if (!add_char(ps, '\r') || !add_char(ps, '\n'))
			return false;
		ps->p = nl + 1;
		ps->line++;
	}
}

static bool lex_number(struct parser *ps)
{
	uint64_t v = 0;
	while (ps->p < ps->end && is_digit(*ps->p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return fail(ps, ps->tline, "number too large");
		v = v * 10 + (uint64_t)(*ps->p++ - '0');
	}
	unsigned shift = 0;
	if (ps->p < ps->end) {
		char q = *ps->p;
		shift = q == 'K' || q == 'k' ? 10 : q == 'M' || q == 'm' ? 20 :
		    q == 'G' || q == 'g' ? 30 : 0;
		if (shift)
			ps->p++;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return fail(ps, ps->tline, "number too large");
	ps->num = v << shift;
	return true;
}

static void lex_word(struct parser *ps)
{
	while (ps->p < ps->end && (is_alpha(*ps->p) || is_digit(*ps->p)) &&
	    ps->text.len < 128)
		buf_addch(&ps->text, (char)((*ps->p >= 'A' && *ps->p <= 'Z') ?
		    *ps->p++ - 'A' + 'a' : *ps->p++));
}

static void next(struct parser *ps)
{
	if (ps->failed)
		return;
	skip_space(ps);
	if (ps->failed)
		return;
	buf_set(&ps->text, "");
	ps->tline = ps->line;
	if (ps->p >= ps->end) {
		ps->t = T_EOF;
		return;
	}
	char c = *ps->p;
	if (c == '"') {
		ps->t = lex_quoted(ps) ? T_STR : T_ERR;
	} else if (ps->end - ps->p >= 5 && strncasecmp(ps->p, "text:", 5) == 0) {
		ps->t = lex_multiline(ps) ? T_STR : T_ERR;
	} else if (is_digit(c)) {
		ps->t = lex_number(ps) ? T_NUM : T_ERR;
	} else if (c == ':' && ps->p + 1 < ps->end && is_alpha(ps->p[1])) {
		buf_addch(&ps->text, *ps->p++);
		lex_word(ps);
		ps->t = T_TAG;
	} else if (is_alpha(c)) {
		lex_word(ps);
		ps->t = T_ID;
	} else if (strchr("[](){},;", c) != NULL) {
		ps->punct = c;
		ps->p++;
		ps->t = T_PUNCT;
	} else {
		fail(ps, ps->line, "unexpected character");
	}
}

static bool is_punct(const struct parser *ps, char c)
{
	return ps->t == T_PUNCT && ps->punct == c;
}

static struct sv_node *new_node(struct parser *ps)
{
	if (++ps->nodes > SIEVE_MAX_NODES) {
		fail(ps, ps->tline, "script has too many commands");
		return NULL;
	}
	struct sv_node *n = xcalloc(1, sizeof *n);
	n->id = xstrdup(ps->text.data);
	n->line = ps->tline;
	return n;
}

static void strs_add(struct sv_strs *s, const char *v)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = xstrdup(v);
}

static bool parse_strlist(struct parser *ps, struct sv_arg *a)
{
	if (ps->t == T_STR) {
		strs_add(&a->s, ps->text.data);
		next(ps);
		return true;
	}
	next(ps);   /* '[' */
	for (;;) {
		if (ps->t != T_STR)
			return fail(ps, ps->tline, "expected a string in the list");
		if (a->s.n >= SIEVE_MAX_LIST)
			return fail(ps, ps->tline, "string list too long");
		strs_add(&a->s, ps->text.data);
		next(ps);
		if (is_punct(ps, ']'))
			break;
		if (!is_punct(ps, ','))
			return fail(ps, ps->tline, "expected ',' or ']'");
		next(ps);
	}
	next(ps);
	return true;
}

static struct sv_arg *add_arg(struct sv_node *n, enum sv_argtype type,
    int line)
{
	n->args = xreallocarray(n->args, n->nargs + 1, sizeof *n->args);
	struct sv_arg *a = &n->args[n->nargs++];
	memset(a, 0, sizeof *a);
	a->type = type;
	a->line = line;
	return a;
}

static struct sv_node *parse_test(struct parser *ps, int depth);

static void add_test(struct sv_node *n, struct sv_node *t)
{
	n->tests = xreallocarray(n->tests, n->ntests + 1, sizeof *n->tests);
	n->tests[n->ntests++] = t;
}

/* arguments := *argument [ test / test-list ] */
static bool parse_args(struct parser *ps, struct sv_node *n, int depth)
{
	for (;;) {
		if (ps->t == T_TAG) {
			add_arg(n, SV_ARG_TAG, ps->tline)->tag = xstrdup(ps->text.data);
			next(ps);
		} else if (ps->t == T_NUM) {
			add_arg(n, SV_ARG_NUM, ps->tline)->num = ps->num;
			next(ps);
		} else if (ps->t == T_STR || is_punct(ps, '[')) {
			if (!parse_strlist(ps, add_arg(n, SV_ARG_STRS, ps->tline)))
				return false;
		} else {
			break;
		}
	}
	if (ps->t == T_ID) {
		struct sv_node *t = parse_test(ps, depth + 1);
		if (t == NULL)
			return false;
		add_test(n, t);
	} else if (is_punct(ps, '(')) {
		do {
			next(ps);
			struct sv_node *t = parse_test(ps, depth + 1);
			if (t == NULL)
				return false;
			add_test(n, t);
		} while (is_punct(ps, ','));
		if (!is_punct(ps, ')'))
			return fail(ps, ps->tline, "expected ',' or ')'");
		next(ps);
	}
	return !ps->failed;
}

static struct sv_node *parse_test(struct parser *ps, int depth)
{
	if (depth > SIEVE_MAX_DEPTH) {
		fail(ps, ps->tline, "tests nested too deeply");
		return NULL;
	}
	if (ps->t != T_ID) {
		fail(ps, ps->tline, "expected a test");
		return NULL;
	}
	struct sv_node *n = new_node(ps);
	if (n == NULL)
		return NULL;
	next(ps);
	if (!parse_args(ps, n, depth)) {
		sv_node_free(n);
		return NULL;
	}
	return n;
}

static struct sv_node *parse_commands(struct parser *ps, int depth,
    bool *ok);

static struct sv_node *parse_command(struct parser *ps, int depth)
{
	if (ps->t != T_ID) {
		fail(ps, ps->tline, "expected a command");
		return NULL;
	}
	struct sv_node *n = new_node(ps);
	if (n == NULL)
		return NULL;
	next(ps);
	bool ok = parse_args(ps, n, 0);     /* tests nest on their own count */
	if (ok && is_punct(ps, ';')) {
		next(ps);
	} else if (ok && is_punct(ps, '{')) {
		if (depth >= SIEVE_MAX_DEPTH) {
			ok = fail(ps, ps->tline, "blocks nested too deeply");
		} else {
			next(ps);
			n->has_block = true;
			n->block = parse_commands(ps, depth + 1, &ok);
			if (ok && !is_punct(ps, '}'))
				ok = fail(ps, ps->tline, "expected '}'");
			if (ok)
				next(ps);
		}
	} else if (ok) {
		ok = fail(ps, ps->tline, "expected ';' or '{'");
	}
	if (!ok) {
		sv_node_free(n);
		return NULL;
	}
	return n;
}

static struct sv_node *parse_commands(struct parser *ps, int depth,
    bool *ok)
{
	struct sv_node *first = NULL, **tail = &first;
	while (ps->t == T_ID) {
		struct sv_node *n = parse_command(ps, depth);
		if (n == NULL)
			break;
		*tail = n;
		tail = &n->next;
	}
	*ok = !ps->failed;
	return first;
}

struct sv_node *sv_parse(const char *text, size_t len, struct buf *err)
{
	struct parser ps = { .p = text, .end = text + len, .line = 1,
		.err = err };
	if (len > SIEVE_MAX_SCRIPT) {
		fail(&ps, 1, "script too large");
		return NULL;
	}
	if (!check_bytes(&ps))
		return NULL;
	next(&ps);
	bool ok;
	struct sv_node *root = parse_commands(&ps, 0, &ok);
	if (ok && ps.t != T_EOF)
		ok = fail(&ps, ps.tline, "expected a command");
	buf_free(&ps.text);
	if (!ok) {
		sv_node_free(root);
		return NULL;
	}
	if (root == NULL) {   /* an empty script is valid: keep */
		root = xcalloc(1, sizeof *root);
		root->id = xstrdup("keep");
		root->line = 1;
	}
	return root;
}

static void strs_free(struct sv_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

void sv_node_free(struct sv_node *n)
{
	while (n != NULL) {
		struct sv_node *next_n = n->next;
		for (size_t i = 0; i < n->nargs; i++) {
			free(n->args[i].tag);
			strs_free(&n->args[i].s);
		}
		free(n->args);
		for (size_t i = 0; i < n->ntests; i++)
			sv_node_free(n->tests[i]);
		free(n->tests);
		sv_node_free(n->block);
		free(n->id);
		free(n);
		n = next_n;
	}
}
