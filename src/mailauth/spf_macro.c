#include "mailauth/spf_macro.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/xmalloc.h"

#define MACRO_DELIMS ".-+,/_="

struct macro {
	char kind;            /* 'x' = %{...}; '%', '_', '-' = escapes */
	char letter;          /* lower case */
	bool upper;           /* URL-escape the result */
	size_t keep;          /* right-hand parts to keep; 0 = all */
	bool reverse;
	char delims[sizeof MACRO_DELIMS];
};

static bool letter_ok(char c, bool explain)
{
	if (strchr("slodiphv", c) != NULL)
		return true;
	return explain && strchr("crt", c) != NULL;
}

/* Parses the macro-expand at s[0] == '%'; returns its length, 0 if bad. */
static size_t macro_parse(const char *s, size_t n, bool explain,
    struct macro *m)
{
	memset(m, 0, sizeof *m);
	if (n < 2)
		return 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-') {
		m->kind = s[1];
		return 2;
	}
	if (s[1] != '{' || n < 4)
		return 0;
	char c = (char)tolower((unsigned char)s[2]);
	if (!isalpha((unsigned char)s[2]) || !letter_ok(c, explain))
		return 0;
	m->kind = 'x';
	m->letter = c;
	m->upper = isupper((unsigned char)s[2]) != 0;
	size_t i = 3;
	bool digits = false;
	while (i < n && isdigit((unsigned char)s[i])) {
		digits = true;
		if (m->keep < 1000)     /* more parts than any name can have */
			m->keep = m->keep * 10 + (size_t)(s[i] - '0');
		i++;
	}
	if (digits && m->keep == 0)
		return 0;               /* 7.3: DIGIT must be nonzero */
	if (i < n && (s[i] == 'r' || s[i] == 'R')) {
		m->reverse = true;
		i++;
	}
	size_t nd = 0;
	while (i < n && s[i] != '}') {
		if (strchr(MACRO_DELIMS, s[i]) == NULL || s[i] == '\0')
			return 0;
		if (strchr(m->delims, s[i]) == NULL)
			m->delims[nd++] = s[i];
		i++;
	}
	if (i >= n)
		return 0;
	if (nd == 0)
		m->delims[0] = '.';
	return i + 1;
}

/* Walks s; calls back for literals and macros. Returns false on a syntax
 * error. last_is_macro tells whether the string ends in a macro-expand. */
typedef bool (*macro_cb)(void *arg, const char *lit, size_t litn,
    const struct macro *m);

static bool macro_walk(const char *s, size_t n, bool explain, macro_cb cb,
    void *arg, size_t *tail_start)
{
	size_t i = 0;
	*tail_start = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			struct macro m;
			size_t len = macro_parse(s + i, n - i, explain, &m);
			if (len == 0 || (cb != NULL && !cb(arg, NULL, 0, &m)))
				return false;
			i += len;
			*tail_start = i;
			continue;
		}
		/* macro-literal = %x21-24 / %x26-7E; explanations add SP */
		if (c < 0x21 || c > 0x7e) {
			if (!(explain && c == ' '))
				return false;
		}
		size_t start = i;
		while (i < n && s[i] != '%' && (unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] <= 0x7e && (explain || s[i] != ' '))
			i++;
		if (cb != NULL && !cb(arg, s + start, i - start, NULL))
			return false;
	}
	return true;
}

bool spf_macro_valid(const char *s, size_t n, bool explain)
{
	size_t tail;
	return macro_walk(s, n, explain, NULL, NULL, &tail);
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool toplabel_valid(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	bool alpha = false, dash = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalpha(c))
			alpha = true;
		else if (c == '-')
			dash = true;
		else if (!isdigit(c))
			return false;
	}
	return alpha || dash;
}

bool spf_domain_spec_valid(const char *s, size_t n)
{
	size_t tail;
	if (n == 0 || !macro_walk(s, n, false, NULL, NULL, &tail))
		return false;
	if (tail == n)
		return true;            /* ends in a macro-expand */
	size_t end = n;
	if (s[end - 1] == '.')
		end--;
	size_t dot = end;
	while (dot > tail && s[dot - 1] != '.')
		dot--;
	if (dot == tail)
		return false;           /* no "." before the toplabel */
	return toplabel_valid(s + dot, end - dot);
}

static bool find_p(void *arg, const char *lit, size_t litn,
    const struct macro *m)
{
	(void)lit;
	(void)litn;
	if (m != NULL && m->kind == 'x' && m->letter == 'p')
		*(bool *)arg = true;
	return true;
}

bool spf_macro_uses_p(const char *s, size_t n)
{
	bool found = false;
	size_t tail;
	macro_walk(s, n, true, find_p, &found, &tail);
	return found;
}

struct expand {
	const struct spf_macro_env *env;
	struct buf *out;
	size_t base;            /* out->len when expansion began */
	struct buf val;         /* scratch: the macro's raw value */
};

static void macro_value(const struct spf_macro_env *env, char letter,
    struct buf *v)
{
	const char *s = NULL;
	switch (letter) {
	case 's': s = env->sender; break;
	case 'l': s = env->local; break;
	case 'o': s = env->sender_domain; break;
	case 'd': s = env->domain; break;
	case 'h': s = env->helo; break;
	case 'p': s = env->validated ? env->validated : "unknown"; break;
	case 'r': s = env->receiver ? env->receiver : "unknown"; break;
	case 'v': s = env->ip->family == AF_INET6 ? "ip6" : "in-addr"; break;
	case 'i': spf_ip_dotted(env->ip, v); return;
	case 'c': spf_ip_text(env->ip, v); return;
	case 't': buf_printf(v, "%lld", env->now); return;
	}
	buf_addstr(v, s ? s : "");
}

struct part { size_t off, len; };

/* Splits v on the delimiters, reverses and keeps the right-hand parts,
 * joins with "." (RFC 7208 7.3), then URL-escapes for upper case. */
static bool transform(struct expand *x, const struct macro *m)
{
	const char *v = buf_cstr(&x->val);
	size_t n = x->val.len, nparts = 0, start = 0;
	struct part *parts = xreallocarray(NULL, n + 1, sizeof *parts);
	for (size_t i = 0; i <= n; i++) {
		if (i == n || strchr(m->delims, v[i]) != NULL) {
			parts[nparts++] = (struct part){ start, i - start };
			start = i + 1;
		}
	}
	if (m->reverse) {
		for (size_t i = 0; i < nparts / 2; i++) {
			struct part t = parts[i];
			parts[i] = parts[nparts - 1 - i];
			parts[nparts - 1 - i] = t;
		}
	}
	size_t first = 0;
	if (m->keep != 0 && m->keep < nparts)
		first = nparts - m->keep;
	for (size_t k = first; k < nparts; k++) {
		if (k > first)
			buf_addch(x->out, '.');
		for (size_t i = 0; i < parts[k].len; i++) {
			unsigned char c = (unsigned char)v[parts[k].off + i];
			bool keep = isalnum(c) || strchr("-._~", c) != NULL;
			if (m->upper && !keep)
				buf_printf(x->out, "%%%02X", c);
			else
				buf_addch(x->out, (char)c);
		}
		if (x->out->len - x->base > SPF_MACRO_MAX_OUT)
			break;
	}
	free(parts);
	return x->out->len - x->base <= SPF_MACRO_MAX_OUT;
}

static bool expand_cb(void *arg, const char *lit, size_t litn,
    const struct macro *m)
{
	struct expand *x = arg;
	if (m == NULL) {
		buf_add(x->out, lit, litn);
	} else if (m->kind == '%') {
		buf_addch(x->out, '%');
	} else if (m->kind == '_') {
		buf_addch(x->out, ' ');
	} else if (m->kind == '-') {
		buf_addstr(x->out, "%20");
	} else {
		buf_reset(&x->val);
		macro_value(x->env, m->letter, &x->val);
		return transform(x, m);
	}
	return x->out->len - x->base <= SPF_MACRO_MAX_OUT;
}

bool spf_macro_expand(const struct spf_macro_env *env, const char *s,
    size_t n, bool explain, struct buf *out)
{
	struct expand x = { env, out, out->len, BUF_INIT };
	size_t tail;
	bool ok = macro_walk(s, n, explain, expand_cb, &x, &tail);
	buf_free(&x.val);
	return ok;
}

bool spf_query_name(struct buf *name)
{
	if (name->len > 0 && name->data[name->len - 1] == '.') {
		name->len--;
		name->data[name->len] = '\0';
	}
	while (name->len > SPF_NAME_MAX) {
		char *dot = memchr(name->data, '.', name->len);
		if (dot == NULL)
			return false;
		buf_consume(name, (size_t)(dot - name->data) + 1);
	}
	if (name->len == 0)
		return false;
	size_t label = 0;
	for (size_t i = 0; i <= name->len; i++) {
		if (i == name->len || name->data[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else if (name->data[i] == '\0') {
			return false;
		} else {
			label++;
		}
	}
	return true;
}
