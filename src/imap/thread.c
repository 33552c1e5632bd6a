/* THREAD (RFC 5256): ORDEREDSUBJECT and REFERENCES. The tree is kept
 * in a pool of nodes with parent, first child and next sibling links;
 * pruning, sorting and printing are loops, not recursion, so a chain of
 * ten thousand replies cannot exhaust the stack. */
#include "imap/view_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

struct node {
	const struct msginfo *mi;   /* NULL: a dummy */
	struct node *parent, *child, *next;
	const char *id;             /* key in the id table, or NULL */
};

struct forest {
	struct node *pool;
	size_t n, cap;
	struct node **tab;          /* id -> node, open addressing */
	size_t tabcap;
	struct node root;           /* children are the threads */
};

static struct node *new_node(struct forest *f, const struct msginfo *mi)
{
	struct node *nd = &f->pool[f->n++];     /* cap is sized up front */
	memset(nd, 0, sizeof(*nd));
	nd->mi = mi;
	return nd;
}

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

/* The node of an id, made (as a dummy) when new. */
static struct node *by_id(struct forest *f, const char *id, bool *made)
{
	size_t i = hash(id) & (f->tabcap - 1);
	*made = false;
	for (; f->tab[i] != NULL; i = (i + 1) & (f->tabcap - 1))
		if (strcmp(f->tab[i]->id, id) == 0)
			return f->tab[i];
	struct node *nd = new_node(f, NULL);
	nd->id = id;
	f->tab[i] = nd;
	*made = true;
	return nd;
}

static bool is_ancestor(const struct node *a, const struct node *b)
{
	for (; b != NULL; b = b->parent)
		if (a == b)
			return true;
	return false;
}

static void unlink_node(struct node *c)
{
	struct node **pp = &c->parent->child;
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	c->next = NULL;
	c->parent = NULL;
}

static void add_child(struct node *p, struct node *c)
{
	struct node **pp = &p->child;
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = c;
	c->parent = p;
	c->next = NULL;
}

/* Step 1: the links that Message-ID and References give. */
static void link_refs(struct forest *f, struct msginfo *mi, size_t n)
{
	bool made;
	for (size_t k = 0; k < n; k++) {
		struct node *me = NULL, *prev = NULL;
		if (mi[k].msgid != NULL) {
			me = by_id(f, mi[k].msgid, &made);
			if (me->mi != NULL)     /* a duplicate id: on its own */
				me = NULL;
		}
		if (me == NULL)
			me = new_node(f, NULL);
		me->mi = &mi[k];
		for (size_t r = 0; r < mi[k].nrefs; r++) {
			struct node *c = by_id(f, mi[k].refs[r], &made);
			if (prev != NULL && c->parent == NULL && c != prev &&
			    !is_ancestor(c, prev))
				add_child(prev, c);
			prev = c;
		}
		if (me->parent != NULL)
			unlink_node(me);
		if (prev != NULL && !is_ancestor(me, prev))
			add_child(prev, me);
	}
}

/* Splices the children of dummy d into its place in its parent. */
static void promote(struct node *d)
{
	struct node *p = d->parent, **pp = &p->child;
	while (*pp != d)
		pp = &(*pp)->next;
	struct node *last = NULL;
	for (struct node *c = d->child; c != NULL; c = c->next) {
		c->parent = p;
		last = c;
	}
	if (last != NULL) {
		last->next = d->next;
		*pp = d->child;
	} else {
		*pp = d->next;
	}
	d->child = d->next = NULL;
	d->parent = NULL;
}

static size_t nchildren(const struct node *p)
{
	size_t n = 0;
	for (const struct node *c = p->child; c != NULL; c = c->next)
		n++;
	return n;
}

/* Step 3: childless dummies go; other dummies give their children to
 * their parent, except a root dummy with more than one child. */
static void prune(struct forest *f)
{
	for (size_t k = 0; k <= f->n; k++) {
		struct node *p = k < f->n ? &f->pool[k] : &f->root;
		struct node *c = p->child;
		while (c != NULL) {
			struct node *next = c->next;
			if (c->mi == NULL && (p != &f->root || nchildren(c) <= 1)) {
				next = c->child != NULL ? c->child : c->next;
				promote(c);
			}
			c = next;
		}
	}
}

/* Sent date of a node (a dummy's is its first child's). */
static const struct msginfo *key_of(const struct node *nd)
{
	while (nd->mi == NULL && nd->child != NULL)
		nd = nd->child;
	return nd->mi;
}

static int cmp_nodes(const void *pa, const void *pb)
{
	const struct msginfo *a = key_of(*(struct node *const *)pa),
	    *b = key_of(*(struct node *const *)pb);
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static void sort_children(struct node *p, struct node ***tmp, size_t *cap)
{
	size_t n = nchildren(p), i = 0;
	if (n < 2)
		return;
	if (n > *cap) {
		*cap = n;
		*tmp = xreallocarray(*tmp, n, sizeof(**tmp));
	}
	for (struct node *c = p->child; c != NULL; c = c->next)
		(*tmp)[i++] = c;
	qsort(*tmp, n, sizeof(**tmp), cmp_nodes);
	p->child = (*tmp)[0];
	for (i = 0; i + 1 < n; i++)
		(*tmp)[i]->next = (*tmp)[i + 1];
	(*tmp)[n - 1]->next = NULL;
}

/* Sorts every sibling list; children first, so a dummy's first child
 * is its earliest when the roots are sorted. */
static void sort_all(struct forest *f)
{
	struct node **tmp = NULL;
	size_t cap = 0;
	for (size_t k = 0; k < f->n; k++)
		sort_children(&f->pool[k], &tmp, &cap);
	sort_children(&f->root, &tmp, &cap);
	free(tmp);
}

/* Step 5: roots with the same base subject are put together. */
static void group_subjects(struct forest *f)
{
	size_t n = nchildren(&f->root), cap = 1, k = 0;
	while (cap < 2 * n + 2)
		cap <<= 1;
	struct node **tab = xcalloc(cap, sizeof(*tab));
	struct node **roots = xcalloc(n + 1, sizeof(*roots));
	for (struct node *c = f->root.child; c != NULL; c = c->next)
		roots[k++] = c;
	for (int pass = 0; pass < 2; pass++) {
		for (k = 0; k < n; k++) {
			struct node *c = roots[k];
			const struct msginfo *mi = key_of(c);
			if (c->parent != &f->root || mi == NULL || !*mi->subject)
				continue;
			size_t h = hash(mi->subject) & (cap - 1);
			while (tab[h] != NULL &&
			    strcmp(key_of(tab[h])->subject, mi->subject) != 0)
				h = (h + 1) & (cap - 1);
			struct node *t = tab[h];
			if (pass == 0) {
				if (t == NULL || (c->mi == NULL && t->mi != NULL) ||
				    (t->mi && c->mi && t->mi->reply && !c->mi->reply))
					tab[h] = c;
				continue;
			}
			if (t == c || t == NULL)
				continue;
			if (t->mi == NULL && c->mi == NULL) {
				while (c->child != NULL) {
					struct node *g = c->child;
					unlink_node(g);
					add_child(t, g);
				}
				unlink_node(c);
			} else if (t->mi == NULL ||
			    (!t->mi->reply && c->mi && c->mi->reply)) {
				unlink_node(c);
				add_child(t, c);
			} else {
				struct node *d = new_node(f, NULL);
				unlink_node(c);
				/* the dummy takes t's place among the roots */
				struct node **pp = &f->root.child;
				while (*pp != t)
					pp = &(*pp)->next;
				d->parent = &f->root;
				d->next = t->next;
				*pp = d;
				t->next = NULL;
				add_child(d, t);
				add_child(d, c);
				tab[h] = d;
			}
		}
	}
	free(tab);
	free(roots);
}

/* One thread: "3 6 (4 23)(44 7 96)". Single children are followed in a
 * loop; only branches nest, with an explicit stack. */
static void print_thread(const struct imap_view *v, bool uid,
    const struct node *top, struct buf *o)
{
	const struct node **stack = NULL;
	size_t depth = 0, cap = 0;
	const struct node *nd = top;
	buf_addch(o, '(');
	for (;;) {
		bool wrote = false;
		while (nd != NULL) {
			if (nd->mi != NULL) {
				if (wrote)
					buf_addch(o, ' ');
				buf_printf(o, "%u", uid ? v->msgs.v[nd->mi->i].uid :
				    (unsigned)(nd->mi->i + 1));
				wrote = true;
			}
			if (nd->child != NULL && nd->child->next != NULL) {
				if (wrote)
					buf_addch(o, ' ');
				if (depth == cap) {
					cap = cap ? cap * 2 : 16;
					stack = xreallocarray(stack, cap, sizeof(*stack));
				}
				stack[depth++] = nd->child;
				buf_addch(o, '(');
				nd = nd->child;
				wrote = false;
				continue;
			}
			nd = nd->child;
		}
		/* end of a branch: close it, go on with its next sibling */
		while (depth > 0 && stack[depth - 1]->next == NULL) {
			buf_addch(o, ')');
			depth--;
		}
		if (depth == 0)
			break;
		buf_addstr(o, ")(");
		nd = stack[depth - 1] = stack[depth - 1]->next;
	}
	buf_addch(o, ')');
	free(stack);
}

static void ordered_subject(struct forest *f, struct msginfo *mi, size_t n)
{
	struct node *cur = NULL;
	for (size_t k = 0; k < n; k++) {
		struct node *nd = new_node(f, &mi[k]);
		if (cur != NULL && strcmp(cur->mi->subject, mi[k].subject) == 0) {
			add_child(cur, nd);
		} else {
			add_child(&f->root, nd);
			cur = nd;
		}
	}
}

static int cmp_subject_date(const void *pa, const void *pb)
{
	const struct msginfo *a = pa, *b = pb;
	int r = strcmp(a->subject, b->subject);
	if (r != 0)
		return r;
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

enum imap_view_rc imap_view_thread(struct imap_view *v,
    const struct imap_thread_args *a, bool uid, struct imap_writer *w,
    struct buf *text)
{
	struct msginfo *mi;
	size_t n, nrefs = 0;
	bool refs = a->alg == IMAP_THREAD_REFERENCES;
	enum imap_view_rc rc = msginfo_search(v, a->charset, a->key, uid, refs,
	    &mi, &n, text);
	if (rc != IMAP_VIEW_OK)
		return rc;
	for (size_t k = 0; k < n; k++)
		nrefs += mi[k].nrefs + 1;
	struct forest f = { 0 };
	f.cap = n + nrefs + n + 1;      /* messages, ids, subject dummies */
	f.pool = xcalloc(f.cap, sizeof(*f.pool));
	f.tabcap = 16;
	while (f.tabcap < 2 * (n + nrefs) + 2)
		f.tabcap <<= 1;
	f.tab = xcalloc(f.tabcap, sizeof(*f.tab));
	if (refs) {
		link_refs(&f, mi, n);
		for (size_t k = 0; k < f.n; k++)
			if (f.pool[k].parent == NULL)
				add_child(&f.root, &f.pool[k]);
		prune(&f);
		sort_all(&f);
		group_subjects(&f);
	} else {
		qsort(mi, n, sizeof(*mi), cmp_subject_date);
		ordered_subject(&f, mi, n);
	}
	sort_all(&f);
	struct buf o = BUF_INIT;
	for (struct node *c = f.root.child; c != NULL; c = c->next)
		print_thread(v, uid, c, &o);
	imap_w_untagged(w);
	imap_w_atom(w, "THREAD");
	if (o.len > 0)
		imap_w_atom(w, buf_cstr(&o));
	imap_w_end(w);
	buf_free(&o);
	for (size_t k = 0; k < n; k++)
		msginfo_free(&mi[k]);
	free(mi);
	free(f.pool);
	free(f.tab);
	return IMAP_VIEW_OK;
}
