/* Dovecot's Maildir side files; see dovecot.h. */
#include "store/dovecot.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "store/mailindex_priv.h"

/* Next line of text[*pos..len) into line (no LF); false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos,
    struct buf *line)
{
	if (*pos >= len)
		return false;
	const char *s = text + *pos;
	const char *lf = memchr(s, '\n', len - *pos);
	size_t n = lf ? (size_t)(lf - s) : len - *pos;
	buf_reset(line);
	buf_add(line, s, n);
	buf_cstr(line);
	*pos += n + (lf != NULL);
	return true;
}

/* A decimal 1..UINT32_MAX at *s, advancing it. */
static uint32_t number(const char **s)
{
	const char *p = *s;
	uint64_t v = 0;
	while (*p >= '0' && *p <= '9' && v <= UINT32_MAX)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == *s || v == 0 || v > UINT32_MAX)
		return 0;
	*s = p;
	return (uint32_t)v;
}

static bool parse_header(const char *h, struct dovecot_uidlist *out)
{
	const char *p = h + 2;
	if (h[0] == '1' && h[1] == ' ') {
		out->uidvalidity = number(&p);
		if (*p++ != ' ')
			return false;
		out->uidnext = number(&p);
	} else if (h[0] == '3' && h[1] == ' ') {
		for (; *p; p++) {
			if ((p[-1] == ' ') && *p == 'V') {
				p++;
				out->uidvalidity = number(&p);
			} else if ((p[-1] == ' ') && *p == 'N') {
				p++;
				out->uidnext = number(&p);
			}
			if (*p == '\0')
				break;
		}
	} else {
		return false;
	}
	return out->uidvalidity != 0 && out->uidnext != 0;
}

/* "<uid> <name>" (v1) or "<uid> [ext...] :<name>" (v3). */
static bool parse_entry(const char *s, bool v3, uint32_t *uid,
    const char **name)
{
	*uid = number(&s);
	if (*uid == 0 || *s != ' ')
		return false;
	if (v3) {
		s = strstr(s, " :");
		if (s == NULL)
			return false;
		s += 2;
	} else {
		s++;
	}
	*name = s;
	return *s != '\0' && *s != ':' && strchr(s, '/') == NULL;
}

static int by_base(const void *a, const void *b)
{
	const struct dovecot_uid *x = a, *y = b;
	return strcmp(x->base, y->base);
}

/* Sorts by base and drops repeated bases (the first UID wins). */
static void sort_unique(struct dovecot_uidlist *l)
{
	if (l->n < 2)
		return;
	/* Stable order for duplicates: sort keeps them adjacent; keep the
	 * lower UID, which was listed first since UIDs ascend. */
	qsort(l->v, l->n, sizeof *l->v, by_base);
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (out > 0 && strcmp(l->v[out - 1].base, l->v[i].base) == 0) {
			if (l->v[i].uid < l->v[out - 1].uid)
				l->v[out - 1].uid = l->v[i].uid;
			free(l->v[i].base);
			continue;
		}
		l->v[out++] = l->v[i];
	}
	l->n = out;
}

bool dovecot_uidlist_parse(const char *text, size_t len,
    struct dovecot_uidlist *out)
{
	struct buf line = BUF_INIT;
	size_t pos = 0, cap = 0;
	memset(out, 0, sizeof *out);
	if (!next_line(text, len, &pos, &line) || memchr(line.data, '\0', line.len) ||
	    !parse_header(line.data, out)) {
		memset(out, 0, sizeof *out);
		buf_free(&line);
		return false;
	}
	bool v3 = line.data[0] == '3';
	uint32_t last = 0;
	while (next_line(text, len, &pos, &line)) {
		uint32_t uid;
		const char *name;
		if (memchr(line.data, '\0', line.len) ||
		    !parse_entry(line.data, v3, &uid, &name) || uid <= last)
			continue;
		last = uid;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xreallocarray(out->v, cap, sizeof *out->v);
		}
		const char *colon = strchr(name, ':');
		out->v[out->n].uid = uid;
		out->v[out->n++].base = colon ? xstrndup(name, (size_t)(colon - name)) :
		    xstrdup(name);
	}
	sort_unique(out);
	if (last >= out->uidnext)
		out->uidnext = last == UINT32_MAX ? UINT32_MAX : last + 1;
	buf_free(&line);
	return true;
}

uint32_t dovecot_uidlist_find(const struct dovecot_uidlist *l,
    const char *base)
{
	struct dovecot_uid key = { 0, (char *)base };
	const struct dovecot_uid *f = l->n ? bsearch(&key, l->v, l->n,
	    sizeof *l->v, by_base) : NULL;
	return f ? f->uid : 0;
}

void dovecot_uidlist_free(struct dovecot_uidlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].base);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* A keyword is named once, whatever its case (IMAP compares them so). */
static bool known(const struct dovecot_keywords *k, const char *word)
{
	for (size_t i = 0; i < DOVECOT_KEYWORDS_MAX; i++)
		if (k->names[i] != NULL && strcasecmp(k->names[i], word) == 0)
			return true;
	return false;
}

void dovecot_keywords_parse(const char *text, size_t len,
    struct dovecot_keywords *out)
{
	struct buf line = BUF_INIT, why = BUF_INIT;
	size_t pos = 0;
	memset(out, 0, sizeof *out);
	while (next_line(text, len, &pos, &line)) {
		const char *s = line.data;
		if (memchr(s, '\0', line.len) || s[0] < '0' || s[0] > '9')
			continue;
		size_t i = (size_t)(s[0] - '0');
		s++;
		if (*s >= '0' && *s <= '9')
			i = i * 10 + (size_t)(*s++ - '0');
		if (*s++ != ' ' || i >= DOVECOT_KEYWORDS_MAX || out->names[i] ||
		    *s == '\0' || strchr(s, ' ') || !mi_keywords_valid(s, &why) ||
		    known(out, s))
			continue;
		out->names[i] = xstrdup(s);
	}
	buf_free(&line);
	buf_free(&why);
}

void dovecot_keywords_free(struct dovecot_keywords *k)
{
	for (size_t i = 0; i < DOVECOT_KEYWORDS_MAX; i++)
		free(k->names[i]);
	memset(k, 0, sizeof *k);
}

void dovecot_name_parse(const char *name, const struct dovecot_keywords *kws,
    struct buf *base, unsigned *flags, struct buf *kw)
{
	struct mi_entry e;
	mi_entry_parse(name, false, &e);
	/* Our own names carry ",U=": the base is the name without it. */
	buf_addstr(base, e.base);
	*flags = e.flags;
	for (const char *k = e.kw; *k; k++) {
		const char *word = kws ? kws->names[*k - 'a'] : NULL;
		if (word == NULL)
			continue;
		if (kw->len > 0)
			buf_addch(kw, ' ');
		buf_addstr(kw, word);
	}
	mi_entry_free(&e);
}

int dovecot_keywords_letter(struct dovecot_keywords *k, const char *word)
{
	int free_slot = -1;
	for (int i = 0; i < DOVECOT_KEYWORDS_MAX; i++) {
		if (k->names[i] == NULL) {
			if (free_slot < 0)
				free_slot = i;
		} else if (strcasecmp(k->names[i], word) == 0) {
			return i;
		}
	}
	if (free_slot >= 0)
		k->names[free_slot] = xstrdup(word);
	return free_slot;
}

void dovecot_keywords_format(const struct dovecot_keywords *k,
    struct buf *out)
{
	for (int i = 0; i < DOVECOT_KEYWORDS_MAX; i++)
		if (k->names[i] != NULL)
			buf_printf(out, "%d %s\n", i, k->names[i]);
}

void dovecot_info(unsigned flags, const char *keywords,
    struct dovecot_keywords *k, struct buf *out)
{
	char letters[DOVECOT_KEYWORDS_MAX] = { 0 };
	mi_flags_letters(flags, out);
	char *copy = xstrdup(keywords ? keywords : ""), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		int i = dovecot_keywords_letter(k, w);
		if (i >= 0)
			letters[i] = 1;
	}
	free(copy);
	/* Letters in alphabetical order, as the Maildir spec asks. */
	for (int i = 0; i < DOVECOT_KEYWORDS_MAX; i++)
		if (letters[i])
			buf_addch(out, (char)('a' + i));
}

static bool has_control(const char *s, bool tab_ok)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(tab_ok && *s == '\t')) ||
		    *s == 0x7f)
			return true;
	return false;
}

void dovecot_subscriptions_parse(const char *text, size_t len,
    dovecot_is_folder_fn *is_folder, void *arg, struct buf *out)
{
	struct buf line = BUF_INIT, dir = BUF_INIT;
	size_t pos = 0;
	bool v2 = false;
	for (bool first = true; next_line(text, len, &pos, &line); first = false) {
		char *l = line.data;
		if (first && strcmp(l, "V\t2") == 0) {
			v2 = true;
			continue;
		}
		if (*l == '\0' || memchr(l, '\0', line.len) || has_control(l, v2))
			continue;
		buf_reset(&dir);
		buf_printf(&dir, ".%s", l);
		char from = v2 ? '\t' : '.';
		if (v2 || (strchr(l, '/') == NULL && is_folder(dir.data, arg)))
			for (char *c = l; *c; c++)
				if (*c == from)
					*c = '/';
		buf_printf(out, "%s\n", l);
	}
	buf_free(&line);
	buf_free(&dir);
}
